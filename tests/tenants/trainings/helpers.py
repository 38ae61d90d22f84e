"""A summer cohort with members, and ateliers planned in it, for the training tests."""

from __future__ import annotations

import datetime
from typing import Any

from tenants.cohorts.models import Cohort
from tenants.people.models import Enrolment, EnrolmentStatus, Member
from tenants.trainings.models import TrainingSession, TrainingTopic
from tenants.trainings.services import training_session_create
from tests.tenants.people.factories import CohortFactory, MemberFactory

D = datetime.date
T = datetime.time
ENROLMENT_DAY = D(2026, 6, 1)
ATELIER_DAY = D(2026, 7, 6)
NINE, NOON = T(9), T(12)


def summer_cohort(**fields: Any) -> Cohort:
    return CohortFactory.create(starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31), **fields)


def member_in(
    cohort: Cohort,
    first_name: str,
    last_name: str,
    *,
    enrolled_on: datetime.date = ENROLMENT_DAY,
    withdrawn_on: datetime.date | None = None,
    **fields: Any,
) -> Member:
    member = MemberFactory.create(first_name=first_name, last_name=last_name, **fields)
    Enrolment.objects.create(
        member=member,
        cohort=cohort,
        enrolled_on=enrolled_on,
        withdrawn_on=withdrawn_on,
        status=EnrolmentStatus.WITHDRAWN if withdrawn_on else EnrolmentStatus.ENROLLED,
    )
    return member


def atelier(
    cohort: Cohort,
    day: datetime.date = ATELIER_DAY,
    starts_at: datetime.time = NINE,
    ends_at: datetime.time = NOON,
    **fields: Any,
) -> TrainingSession:
    """A 3-hour atelier on marketing (by default) on 6 July 2026."""
    values: dict[str, Any] = {
        "topic": TrainingTopic.MARKETING,
        "trainer_name": "Morgane Le Bihan",
        "trainer_organisation": "CAE Alpha",
        **fields,
    }
    return training_session_create(
        cohort=cohort, date=day, starts_at=starts_at, ends_at=ends_at, **values
    )
