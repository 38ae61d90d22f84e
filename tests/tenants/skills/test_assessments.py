"""A member's self-assessments: the skills rated, the levels, entry before exit, submission and
review; a reviewed assessment never changes, not even through SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from network.skillgrid.models import SkillLevel, SkillProgramme
from network.skillgrid.services import skill_create, skill_update
from tenants.cohorts.models import Cohort, CohortStatus, Programme
from tenants.skills.models import (
    HIGHEST_LEVEL,
    LOWEST_LEVEL,
    AssessmentStatus,
    SkillAssessment,
    SkillRating,
)
from tenants.skills.services import (
    skill_assessment_rate,
    skill_assessment_review,
    skill_assessment_start,
    skill_assessment_submit,
)
from tests.tenants.skills.helpers import (
    ENTRY,
    EXIT,
    enrol,
    grid_ids,
    hand_in,
    levels_of,
    review,
    running_cohort,
    skill,
    start,
)

STANDARD_CODES = [
    "marketing",
    "selling",
    "management",
    "human-resources",
    "accounting",
    "deciding-together",
    "self-confidence",
    "teamwork",
    "negotiating",
    "public-speaking",
]


def test_tenant_code_agrees_with_the_network_on_the_scale_and_the_programmes() -> None:
    assert (min(SkillLevel.values), max(SkillLevel.values)) == (LOWEST_LEVEL, HIGHEST_LEVEL)
    assert SkillProgramme.values == Programme.values


def test_an_entry_assessment_rates_the_active_skills_of_the_cohorts_programme(
    alpha: Cae,
) -> None:
    skill_create(
        code="territoire", category="technical", label="Connaître le territoire", programmes=["CT"]
    )
    skill_update(skill=skill("public-speaking"), changes={"active": False})
    cjs = enrol(running_cohort("CJS"), "Lina")
    ct = enrol(running_cohort("CT", name="CT de Lorient"), "Yanis")

    cjs_assessment = start(cjs)
    ct_assessment = start(ct)

    assert list(levels_of(cjs_assessment)) == [c for c in STANDARD_CODES if c != "public-speaking"]
    assert sorted(levels_of(ct_assessment)) == sorted(
        [c for c in STANDARD_CODES if c != "public-speaking"] + ["territoire"]
    )
    assert set(levels_of(cjs_assessment).values()) == {(None, None)}
    assert cjs_assessment.status == AssessmentStatus.DRAFT


@pytest.mark.parametrize("level", [0, 5, -1, True, "3", 2.5])
def test_a_level_outside_the_scale_is_refused(alpha: Cae, level: object) -> None:
    assessment = start(enrol(running_cohort(), "Lina"))

    with pytest.raises(ApplicationError, match="Un niveau va de 1 à 4"):
        skill_assessment_rate(
            assessment=assessment,
            levels={skill("marketing").pk: level},  # type: ignore[dict-item]
        )

    assert set(levels_of(assessment).values()) == {(None, None)}


@pytest.mark.parametrize("level", [0, 5])
def test_the_database_keeps_levels_within_the_scale(alpha: Cae, level: int) -> None:
    assessment = start(enrol(running_cohort(), "Lina"))

    with pytest.raises(IntegrityError), transaction.atomic():
        SkillRating.objects.filter(assessment=assessment).update(self_level=level)
    with pytest.raises(IntegrityError), transaction.atomic():
        SkillRating.objects.filter(assessment=assessment).update(agreed_level=level)


def test_levels_are_recorded_on_the_draft_one_skill_or_more_at_a_time(alpha: Cae) -> None:
    assessment = start(enrol(running_cohort(), "Lina"))

    skill_assessment_rate(assessment=assessment, levels={skill("marketing").pk: 1})
    skill_assessment_rate(
        assessment=assessment, levels={skill("marketing").pk: 3, skill("teamwork").pk: 4}
    )

    levels = levels_of(assessment)
    assert (levels["marketing"], levels["teamwork"], levels["selling"]) == (
        (3, None),
        (4, None),
        (None, None),
    )


def test_a_skill_the_assessment_does_not_rate_is_refused(alpha: Cae) -> None:
    skill_update(skill=skill("accounting"), changes={"active": False})
    assessment = start(enrol(running_cohort(), "Lina"))

    with pytest.raises(ApplicationError, match="ne porte pas sur cette compétence"):
        skill_assessment_rate(
            assessment=assessment,
            levels={skill("marketing").pk: 3, skill("accounting").pk: 3},
        )

    assert levels_of(assessment)["marketing"] == (None, None)


def test_submitting_needs_a_level_for_every_skill(alpha: Cae) -> None:
    assessment = start(enrol(running_cohort(), "Lina"))
    skill_assessment_rate(assessment=assessment, levels={skill("marketing").pk: 3})

    with pytest.raises(ApplicationError, match="pour chaque compétence"):
        skill_assessment_submit(assessment=assessment)

    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_at) == (AssessmentStatus.DRAFT, None)


def test_each_phase_is_assessed_once(alpha: Cae) -> None:
    lina = enrol(running_cohort(), "Lina")
    start(lina)

    with pytest.raises(ApplicationError, match="déjà commencé"):
        start(lina)

    assert SkillAssessment.objects.filter(enrolment=lina).count() == 1


def test_the_exit_needs_the_entry_handed_in(alpha: Cae) -> None:
    lina = enrol(running_cohort(), "Lina")

    with pytest.raises(ApplicationError, match="une fois le bilan d'entrée remis"):
        start(lina, EXIT)
    entry = start(lina)
    with pytest.raises(ApplicationError, match="une fois le bilan d'entrée remis"):
        start(lina, EXIT)
    assert SkillAssessment.objects.filter(enrolment=lina).count() == 1

    skill_assessment_rate(assessment=entry, levels=dict.fromkeys(grid_ids("CJS"), 2))
    skill_assessment_submit(assessment=entry)
    exit_ = start(lina, EXIT)

    assert (exit_.phase, exit_.status) == (EXIT, AssessmentStatus.DRAFT)


@pytest.mark.parametrize(
    "status", [CohortStatus.DRAFT, CohortStatus.RECRUITING, CohortStatus.ARCHIVED]
)
def test_the_exit_waits_for_the_cooperative_to_run(alpha: Cae, status: str) -> None:
    cohort = running_cohort()
    lina = enrol(cohort, "Lina")
    hand_in(lina, ENTRY)
    Cohort.objects.filter(pk=cohort.pk).update(status=status)
    lina.cohort.refresh_from_db()

    with pytest.raises(ApplicationError):
        start(lina, EXIT)

    assert not SkillAssessment.objects.filter(enrolment=lina, phase=EXIT).exists()


def test_the_exit_rates_the_entrys_skills_whatever_the_grid_became(alpha: Cae) -> None:
    lina = enrol(running_cohort(), "Lina")
    entry = hand_in(lina, ENTRY)
    skill_update(skill=skill("teamwork"), changes={"active": False})
    skill_create(code="ecoute", category="personal", label="Écouter")

    exit_ = start(lina, EXIT)

    assert list(levels_of(exit_)) == list(levels_of(entry)) == STANDARD_CODES


def test_a_submitted_assessment_is_no_longer_filled_in(alpha: Cae) -> None:
    assessment = hand_in(enrol(running_cohort(), "Lina"), ENTRY, default=2)

    with pytest.raises(ApplicationError, match="remis"):
        skill_assessment_rate(assessment=assessment, levels={skill("marketing").pk: 4})
    with pytest.raises(ApplicationError, match="déjà remis"):
        skill_assessment_submit(assessment=assessment)

    assert levels_of(assessment)["marketing"] == (2, None)


def test_the_review_records_the_agreed_levels_defaulting_to_the_members_own(
    alpha: Cae, animateur: User
) -> None:
    assessment = hand_in(enrol(running_cohort(), "Lina"), ENTRY, {"marketing": 1}, default=2)

    reviewed = review(assessment, animateur, {"marketing": 2, "teamwork": 3})

    levels = levels_of(reviewed)
    assert (levels["marketing"], levels["teamwork"], levels["selling"]) == (
        (1, 2),
        (2, 3),
        (2, 2),
    )
    reviewed.refresh_from_db()
    assert reviewed.status == AssessmentStatus.REVIEWED
    assert (reviewed.reviewed_by_id, reviewed.review_comment) == (animateur.pk, "Bel entretien.")
    assert reviewed.reviewed_at is not None


def test_a_draft_is_not_reviewed(alpha: Cae, animateur: User) -> None:
    assessment = start(enrol(running_cohort(), "Lina"))

    with pytest.raises(ApplicationError, match="pas encore remis"):
        review(assessment, animateur)

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_agreed_levels_outside_the_scale_are_refused(alpha: Cae, animateur: User) -> None:
    assessment = hand_in(enrol(running_cohort(), "Lina"), ENTRY)

    with pytest.raises(ApplicationError, match="Un niveau va de 1 à 4"):
        review(assessment, animateur, {"marketing": 5})

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert levels_of(assessment)["marketing"] == (2, None)


def test_a_reviewed_assessment_is_refused_by_the_services(alpha: Cae, animateur: User) -> None:
    assessment = review(hand_in(enrol(running_cohort(), "Lina"), ENTRY), animateur)
    before = levels_of(assessment)

    with pytest.raises(ApplicationError, match="remis"):
        skill_assessment_rate(assessment=assessment, levels={skill("marketing").pk: 4})
    with pytest.raises(ApplicationError, match="déjà remis"):
        skill_assessment_submit(assessment=assessment)
    with pytest.raises(ApplicationError, match="déjà revu"):
        skill_assessment_review(
            assessment=assessment, by=animateur, agreed_levels={skill("marketing").pk: 4}
        )

    assert levels_of(assessment) == before
    assessment.refresh_from_db()
    assert assessment.review_comment == "Bel entretien."


def test_a_reviewed_assessment_is_refused_by_the_database(alpha: Cae, animateur: User) -> None:
    assessment = review(hand_in(enrol(running_cohort(), "Lina"), ENTRY), animateur)
    before = levels_of(assessment)
    ratings = SkillRating.objects.filter(assessment=assessment)

    with pytest.raises(DatabaseError, match="reviewed"), transaction.atomic():
        SkillAssessment.objects.filter(pk=assessment.pk).update(review_comment="Réécrit")
    with pytest.raises(DatabaseError, match="reviewed"), transaction.atomic():
        SkillAssessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.DRAFT)
    with pytest.raises(DatabaseError, match="reviewed"), transaction.atomic():
        ratings.update(agreed_level=4)
    with pytest.raises(DatabaseError, match="reviewed"), transaction.atomic():
        ratings.update(self_level=4)
    with pytest.raises(DatabaseError), transaction.atomic():
        ratings.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        SkillAssessment.objects.filter(pk=assessment.pk).delete()
    with pytest.raises(DatabaseError, match="reviewed"), transaction.atomic():
        SkillRating.objects.create(assessment=assessment, skill=skill("marketing"))

    assert levels_of(assessment) == before
    assessment.refresh_from_db()
    assert (assessment.status, assessment.review_comment) == (
        AssessmentStatus.REVIEWED,
        "Bel entretien.",
    )


def test_a_submitted_self_assessment_keeps_its_levels_in_the_database(alpha: Cae) -> None:
    assessment = hand_in(enrol(running_cohort(), "Lina"), ENTRY, default=2)

    with pytest.raises(DatabaseError, match="keeps its levels"), transaction.atomic():
        SkillRating.objects.filter(assessment=assessment).update(self_level=4)

    assert set(levels_of(assessment).values()) == {(2, None)}


def test_an_archived_cooperative_takes_no_new_assessment(alpha: Cae) -> None:
    cohort = running_cohort(status=CohortStatus.ARCHIVED)
    lina = enrol(cohort, "Lina")

    with pytest.raises(ApplicationError, match="archivée"):
        skill_assessment_start(enrolment=lina, phase=ENTRY, grid_skill_ids=grid_ids("CJS"))

    assert not SkillAssessment.objects.exists()
