"""Self-assessments: a member starts, fills in and submits their own, at entry then at exit;
an animateur or the CAE staff review a submitted one with them. A reviewed assessment never
changes (the database refuses it too). Every refusal saves nothing.

Which skills an entry assessment rates is the network's grid for the cohort's programme
(network.skillgrid.selectors.skill_grid_for): the interfaces read it and pass its ids in, since
tenant code does not import network code. The exit assessment rates the entry's skills, so that
the two compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from tenants.cohorts.models import CohortStatus
from tenants.people.models import Enrolment
from tenants.skills.models import (
    HIGHEST_LEVEL,
    LOWEST_LEVEL,
    AssessmentPhase,
    AssessmentStatus,
    SkillAssessment,
    SkillRating,
)

# The exit assessment is filled in while the cooperative runs, towards its end, or after it.
EXIT_COHORT_STATUSES = frozenset({CohortStatus.RUNNING, CohortStatus.CLOSED})


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _check_cohort_not_archived(enrolment: Enrolment) -> None:
    if enrolment.cohort.status == CohortStatus.ARCHIVED:
        raise _refuse(_("Cette coopérative est archivée : ses bilans ne changent plus."))


def _locked(assessment: SkillAssessment) -> SkillAssessment:
    return (
        SkillAssessment.objects.select_for_update(of=("self",))
        .select_related("enrolment__cohort")
        .get(pk=assessment.pk)
    )


def _check_levels(levels: Mapping[Any, Any], known_skill_ids: set[int], field: str) -> None:
    if set(levels) - known_skill_ids:
        raise _refuse(_("Ce bilan ne porte pas sur cette compétence."), field)
    for level in levels.values():
        if (
            not isinstance(level, int)
            or isinstance(level, bool)
            or not LOWEST_LEVEL <= level <= HIGHEST_LEVEL
        ):
            raise _refuse(
                _("Un niveau va de %(lowest)s à %(highest)s.")
                % {"lowest": LOWEST_LEVEL, "highest": HIGHEST_LEVEL},
                field,
            )


@transaction.atomic
def skill_assessment_start(
    *, enrolment: Enrolment, phase: str, grid_skill_ids: Sequence[int] = ()
) -> SkillAssessment:
    """Start the member's assessment for a phase, with one empty rating per skill: the grid's
    (`grid_skill_ids`) at entry, the entry's at exit. The exit needs the entry handed in and
    the cooperative running or closed."""
    if phase not in AssessmentPhase.values:
        raise _refuse(_("Choisissez le bilan d'entrée ou de sortie."), "phase")
    # One member at a time: two starts of the same phase would otherwise both pass the check.
    enrolment = Enrolment.objects.select_for_update().select_related("cohort").get(pk=enrolment.pk)
    _check_cohort_not_archived(enrolment)
    if SkillAssessment.objects.filter(enrolment=enrolment, phase=phase).exists():
        raise _refuse(_("Ce bilan est déjà commencé."), "phase")
    if phase == AssessmentPhase.ENTRY:
        skill_ids = list(dict.fromkeys(grid_skill_ids))
        if not skill_ids:
            raise _refuse(_("La grille de compétences de ce programme est vide."))
    else:
        entry = SkillAssessment.objects.filter(
            enrolment=enrolment, phase=AssessmentPhase.ENTRY
        ).first()
        if entry is None or entry.is_draft:
            raise _refuse(
                _("Le bilan de sortie se fait une fois le bilan d'entrée remis."), "phase"
            )
        if enrolment.cohort.status not in EXIT_COHORT_STATUSES:
            raise _refuse(
                _("Le bilan de sortie se fait quand la coopérative est en activité ou terminée."),
                "phase",
            )
        skill_ids = list(entry.ratings.order_by("pk").values_list("skill_id", flat=True))
    assessment = SkillAssessment.objects.create(enrolment=enrolment, phase=phase)
    SkillRating.objects.bulk_create(
        SkillRating(assessment=assessment, skill_id=skill_id) for skill_id in skill_ids
    )
    return assessment


@transaction.atomic
def skill_assessment_rate(
    *, assessment: SkillAssessment, levels: Mapping[int, int]
) -> SkillAssessment:
    """Record the member's levels (skill id → 1 to 4) on their draft; skills left out keep
    their level."""
    locked = _locked(assessment)
    _check_cohort_not_archived(locked.enrolment)
    if not locked.is_draft:
        raise _refuse(_("Ce bilan est remis : il ne se modifie plus."))
    ratings = {rating.skill_id: rating for rating in locked.ratings.all()}
    _check_levels(levels, set(ratings), "levels")
    changed = []
    for skill_id, level in levels.items():
        rating = ratings[skill_id]
        rating.self_level = level
        changed.append(rating)
    SkillRating.objects.bulk_update(changed, ["self_level"])
    return locked


@transaction.atomic
def skill_assessment_submit(*, assessment: SkillAssessment) -> SkillAssessment:
    """Hand in a draft once every skill has a level; it is then reviewed, not changed."""
    locked = _locked(assessment)
    _check_cohort_not_archived(locked.enrolment)
    if not locked.is_draft:
        raise _refuse(_("Ce bilan est déjà remis."))
    if locked.ratings.filter(self_level__isnull=True).exists():
        raise _refuse(_("Indiquez un niveau pour chaque compétence avant de remettre le bilan."))
    locked.status = AssessmentStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "submitted_at"])
    return locked


@transaction.atomic
def skill_assessment_review(
    *,
    assessment: SkillAssessment,
    by: Any,
    agreed_levels: Mapping[int, int] | None = None,
    comment: str = "",
) -> SkillAssessment:
    """Record the review of a submitted assessment: the levels agreed with the member (their
    own where none is given) and a comment. The assessment is then kept as it is."""
    locked = _locked(assessment)
    _check_cohort_not_archived(locked.enrolment)
    if locked.is_reviewed:
        raise _refuse(_("Ce bilan est déjà revu : il ne se modifie plus."))
    if locked.is_draft:
        raise _refuse(_("Ce bilan n'est pas encore remis par la personne."))
    agreed = dict(agreed_levels or {})
    ratings = list(locked.ratings.all())
    _check_levels(agreed, {rating.skill_id for rating in ratings}, "agreed_levels")
    for rating in ratings:
        rating.agreed_level = agreed.get(rating.skill_id, rating.self_level)
    SkillRating.objects.bulk_update(ratings, ["agreed_level"])
    locked.status = AssessmentStatus.REVIEWED
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = by
    locked.review_comment = comment.strip()
    locked.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment"])
    return locked
