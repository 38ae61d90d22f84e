"""Cohorts whose members assess themselves on the network's grid, for the skills tests; use
them inside `tenant_context()`."""

from __future__ import annotations

from typing import Any

from coopilote.accounts.models import User
from network.skillgrid.models import Skill
from network.skillgrid.selectors import skill_grid_for
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.people.models import Enrolment
from tenants.skills.models import AssessmentPhase, SkillAssessment
from tenants.skills.services import (
    skill_assessment_rate,
    skill_assessment_review,
    skill_assessment_start,
    skill_assessment_submit,
)
from tests.tenants.people.factories import NEXT_SUMMER, CohortFactory, MemberFactory

ENTRY, EXIT = AssessmentPhase.ENTRY, AssessmentPhase.EXIT


def running_cohort(programme: str = "CJS", **fields: Any) -> Cohort:
    values: dict[str, Any] = {"status": CohortStatus.RUNNING, **fields}
    return CohortFactory.create(programme=programme, **values)


def enrol(cohort: Cohort, first_name: str, user: User | None = None) -> Enrolment:
    """A member named `first_name` (with the account `user`, if given) enrolled in `cohort`."""
    member = MemberFactory.create(first_name=first_name, last_name="Martin", user=user)
    return Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=NEXT_SUMMER)


def grid_ids(programme: str) -> list[int]:
    return [skill.pk for skill in skill_grid_for(programme=programme)]


def skill(code: str) -> Skill:
    return Skill.objects.get(code=code)


def start(enrolment: Enrolment, phase: str = ENTRY) -> SkillAssessment:
    """Start an assessment the way the interfaces do: with the grid of the cohort's programme."""
    return skill_assessment_start(
        enrolment=enrolment, phase=phase, grid_skill_ids=grid_ids(enrolment.cohort.programme)
    )


def hand_in(
    enrolment: Enrolment, phase: str, levels: dict[str, int] | None = None, default: int = 2
) -> SkillAssessment:
    """Start, fill in (`levels` by skill code, `default` elsewhere) and submit an assessment."""
    assessment = start(enrolment, phase)
    given = levels or {}
    skill_assessment_rate(
        assessment=assessment,
        levels={
            rating.skill_id: given.get(rating.skill.code, default)
            for rating in assessment.ratings.select_related("skill")
        },
    )
    return skill_assessment_submit(assessment=assessment)


def review(
    assessment: SkillAssessment, by: User, agreed: dict[str, int] | None = None
) -> SkillAssessment:
    return skill_assessment_review(
        assessment=assessment,
        by=by,
        agreed_levels={skill(code).pk: level for code, level in (agreed or {}).items()},
        comment="Bel entretien.",
    )


def levels_of(assessment: SkillAssessment) -> dict[str, tuple[int | None, int | None]]:
    """Skill code → (self level, agreed level)."""
    return {
        rating.skill.code: (rating.self_level, rating.agreed_level)
        for rating in assessment.ratings.select_related("skill")
    }
