"""Reading self-assessments: a member's own, a cohort's for its reviewers, and the cohort's
progress as aggregates (the only figures partners and the network see)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from tenants.people.models import Enrolment
from tenants.skills.models import AssessmentPhase, AssessmentStatus, SkillAssessment, SkillRating

# Below this many members with both assessments, a group's figures are not shown: with fewer
# people, averages give away individual answers.
MINIMUM_GROUP_SIZE = 5
# Assessments whose levels count in the aggregates: the member has handed them in.
COUNTED_STATUSES = (AssessmentStatus.SUBMITTED, AssessmentStatus.REVIEWED)


def skill_enrolment_of(*, cohort_id: int, user_id: int | None) -> Enrolment | None:
    """The enrolment in the cohort of the member linked to this account, if any."""
    if user_id is None:
        return None
    return (
        Enrolment.objects.select_related("member", "cohort")
        .filter(cohort_id=cohort_id, member__user_id=user_id)
        .first()
    )


def skill_assessment_get(*, assessment_id: int) -> SkillAssessment | None:
    """The assessment, whoever may see it: callers check its cohort and its member."""
    return (
        SkillAssessment.objects.select_related("enrolment__member", "enrolment__cohort")
        .filter(pk=assessment_id)
        .first()
    )


def skill_assessment_list(
    *, cohort_id: int, enrolment_id: int | None = None
) -> QuerySet[SkillAssessment]:
    """A cohort's assessments (one enrolment's when given), by member then phase."""
    assessments = SkillAssessment.objects.in_cohort(cohort_id).select_related("enrolment__member")
    if enrolment_id is not None:
        assessments = assessments.filter(enrolment_id=enrolment_id)
    return assessments.order_by(
        "enrolment__member__last_name", "enrolment__member__first_name", "enrolment_id", "phase"
    )


def skill_rating_list(*, assessment: SkillAssessment) -> QuerySet[SkillRating]:
    """An assessment's ratings with their skills, in the grid's order (technical first)."""
    return (
        SkillRating.objects.filter(assessment=assessment)
        .select_related("skill")
        .order_by("-skill__category", "skill__position", "skill_id")
    )


@dataclass(frozen=True)
class MemberAssessments:
    """One enrolled member of a cohort and their assessments (None: not started)."""

    enrolment: Enrolment
    entry: SkillAssessment | None
    exit: SkillAssessment | None


def skill_assessment_overview(*, cohort_id: int) -> list[MemberAssessments]:
    """Every member of the cohort (withdrawn ones too) with each phase's assessment, by name
    (two queries): what the animateur follows."""
    enrolments = (
        Enrolment.objects.filter(cohort_id=cohort_id)
        .select_related("member")
        .order_by("member__last_name", "member__first_name", "pk")
    )
    by_enrolment: dict[tuple[int, str], SkillAssessment] = {
        (assessment.enrolment_id, assessment.phase): assessment
        for assessment in SkillAssessment.objects.in_cohort(cohort_id)
    }
    return [
        MemberAssessments(
            enrolment=enrolment,
            entry=by_enrolment.get((enrolment.pk, AssessmentPhase.ENTRY)),
            exit=by_enrolment.get((enrolment.pk, AssessmentPhase.EXIT)),
        )
        for enrolment in enrolments
    ]


# --- Aggregates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressFigures:
    """A group's progress between entry and exit. `members` counts the members with both
    assessments handed in; below MINIMUM_GROUP_SIZE the figures are None and `masked` is set.
    Levels are those agreed at the review, else the member's own."""

    members: int
    mean_entry: Decimal | None
    mean_exit: Decimal | None
    progressed_share: Decimal | None  # members whose level rose, over `members`
    masked: bool


@dataclass(frozen=True)
class SkillProgress:
    skill_id: int
    code: str
    label: str
    category: str
    figures: ProgressFigures


@dataclass(frozen=True)
class CategoryProgress:
    """A category's progress: each member's level in it is their mean over its skills."""

    category: str
    figures: ProgressFigures


@dataclass(frozen=True)
class CohortSkillsProgress:
    cohort_id: int
    members: int  # members with both assessments handed in
    masked: bool
    skills: list[SkillProgress]
    categories: list[CategoryProgress]


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


def _figures(pairs: Iterable[tuple[Decimal, Decimal]]) -> ProgressFigures:
    """The figures for a group from each member's (entry, exit) level."""
    pairs = list(pairs)
    if len(pairs) < MINIMUM_GROUP_SIZE:
        return ProgressFigures(
            members=len(pairs), mean_entry=None, mean_exit=None, progressed_share=None, masked=True
        )
    progressed = sum(1 for entry, exit_ in pairs if exit_ > entry)
    return ProgressFigures(
        members=len(pairs),
        mean_entry=_mean([entry for entry, _ in pairs]),
        mean_exit=_mean([exit_ for _, exit_ in pairs]),
        progressed_share=(Decimal(progressed) / len(pairs)).quantize(Decimal("0.0001")),
        masked=False,
    )


def skills_progress(*, cohort_id: int) -> CohortSkillsProgress:
    """The cohort's progress per skill and per category, from the members who handed in both
    their entry and exit assessments (one query). Groups of fewer than MINIMUM_GROUP_SIZE
    members are masked; individual answers never leave this function."""
    counted_level = Coalesce(F("agreed_level"), F("self_level"))
    entry_level = (
        SkillRating.objects.filter(
            assessment__enrolment_id=OuterRef("assessment__enrolment_id"),
            assessment__phase=AssessmentPhase.ENTRY,
            assessment__status__in=COUNTED_STATUSES,
            skill_id=OuterRef("skill_id"),
        )
        .annotate(counted=counted_level)
        .values("counted")[:1]
    )
    rows = (
        SkillRating.objects.filter(
            assessment__enrolment__cohort_id=cohort_id,
            assessment__phase=AssessmentPhase.EXIT,
            assessment__status__in=COUNTED_STATUSES,
        )
        .annotate(
            exit_level=counted_level,
            entry_level=Subquery(entry_level, output_field=IntegerField()),
        )
        .filter(exit_level__isnull=False, entry_level__isnull=False)
        .order_by("-skill__category", "skill__position", "skill_id")
        .values_list(
            "assessment__enrolment_id",
            "skill_id",
            "skill__code",
            "skill__label",
            "skill__category",
            "entry_level",
            "exit_level",
        )
    )
    skills: dict[int, tuple[str, str, str]] = {}
    per_skill: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    # category -> enrolment -> the member's (entry, exit) levels on the category's skills
    per_category: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    enrolments: set[int] = set()
    for enrolment_id, skill_id, code, label, category, entry, exit_ in rows:
        skills[skill_id] = (code, label, category)
        per_skill[skill_id].append((Decimal(entry), Decimal(exit_)))
        per_category[category][enrolment_id].append((entry, exit_))
        enrolments.add(enrolment_id)
    masked = len(enrolments) < MINIMUM_GROUP_SIZE
    return CohortSkillsProgress(
        cohort_id=cohort_id,
        members=len(enrolments),
        masked=masked,
        skills=[
            SkillProgress(
                skill_id=skill_id,
                code=code,
                label=label,
                category=category,
                figures=_figures(per_skill[skill_id]),
            )
            for skill_id, (code, label, category) in skills.items()
        ],
        categories=[
            CategoryProgress(
                category=category,
                figures=_figures(
                    (
                        Decimal(sum(entry for entry, _ in levels)) / len(levels),
                        Decimal(sum(exit_ for _, exit_ in levels)) / len(levels),
                    )
                    for levels in members.values()
                ),
            )
            for category, members in per_category.items()
        ],
    )
