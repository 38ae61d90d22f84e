"""The programmes' rules: who may join (age at the start date), how long a cohort runs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tenants.cohorts.models import Programme


@dataclass(frozen=True)
class ProgrammeRule:
    min_age: int | None  # inclusive, in full years at the cohort's start date
    max_age: int | None  # inclusive
    min_days: int
    max_days: int
    animateurs_required: int
    summer_only: bool = False

    def accepts_age(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


PROGRAMME_RULES: dict[str, ProgrammeRule] = {
    # One summer, two animateurs; members 16 to 18 at the start.
    Programme.CJS: ProgrammeRule(
        min_age=16, max_age=18, min_days=21, max_days=92, animateurs_required=2, summer_only=True
    ),
    # About three months (2 to 6 in practice); members 18 to 25.
    Programme.CJM: ProgrammeRule(
        min_age=18, max_age=25, min_days=56, max_days=184, animateurs_required=1
    ),
    # Three to six months, any age.
    Programme.CT: ProgrammeRule(
        min_age=None, max_age=None, min_days=84, max_days=190, animateurs_required=1
    ),
}

SUMMER_MONTHS = range(6, 10)  # June to September


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Full years of age on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)
