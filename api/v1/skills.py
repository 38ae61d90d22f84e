"""The skills grid and members' self-assessments.

National site: the grid, read by anyone signed in and kept by the national coordination
(SKILL_GRID_MANAGE). A CAE's site: the grid read-only; a cohort's progress as aggregates, masked
below five members, for everyone who follows the cohort (ACTIVITY_VIEW); individual assessments
for their member (SKILL_ASSESS, their own only) and for the cohort's reviewers (SKILL_REVIEW:
animateur·rices, CAE staff). Another member's assessment answers 404 to a member; partners and
the coordinator, who see the cohort, get 403; a cohort one cannot see answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, can
from network.skillgrid.models import (
    LEVEL_DESCRIPTIONS,
    Skill,
    SkillCategory,
    SkillLevel,
    SkillProgramme,
)
from network.skillgrid.selectors import skill_get, skill_grid_for, skill_list
from network.skillgrid.services import skill_create, skill_update
from tenants.skills.models import (
    HIGHEST_LEVEL,
    LOWEST_LEVEL,
    AssessmentPhase,
    AssessmentStatus,
    SkillAssessment,
)
from tenants.skills.selectors import (
    MINIMUM_GROUP_SIZE,
    skill_assessment_get,
    skill_assessment_list,
    skill_enrolment_of,
    skill_rating_list,
    skills_progress,
)
from tenants.skills.services import (
    skill_assessment_rate,
    skill_assessment_review,
    skill_assessment_start,
    skill_assessment_submit,
)

# --- The grid -------------------------------------------------------------------------------


def _label_field(**kwargs: Any) -> Any:
    """A serializer field named `label` (typed Any: the stubs take it for `Field.label`)."""
    return serializers.CharField(**kwargs)


class SkillGridPermission(BasePermission):
    """Reading the grid: anyone signed in (on a CAE's site, who sees that CAE). Changing it:
    the national coordination, on the national site only."""

    def has_permission(self, request: Request, view: Any) -> bool:
        site = site_of(request)
        if request.method in SAFE_METHODS:
            return site is None or can(request.user, Action.CAE_VIEW, cae=site)
        return site is None and can(request.user, Action.SKILL_GRID_MANAGE, cae=None)


class SkillOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.SlugField(help_text="Stable name of the skill, set once.")
    category = serializers.ChoiceField(choices=SkillCategory.choices)
    label = _label_field()
    description = serializers.CharField()
    programmes = serializers.ListField(child=serializers.ChoiceField(SkillProgramme.choices))
    position = serializers.IntegerField()
    active = serializers.BooleanField()


class SkillInputSerializer(serializers.Serializer[Any]):
    code = serializers.SlugField(max_length=50)
    category = serializers.ChoiceField(choices=SkillCategory.choices)
    label = _label_field(max_length=150)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    programmes = serializers.ListField(
        child=serializers.ChoiceField(SkillProgramme.choices),
        required=False,
        help_text="The programmes the skill applies to; all of them when left out.",
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class SkillPatchSerializer(serializers.Serializer[Any]):
    code = serializers.SlugField(
        max_length=50, required=False, help_text="Cannot change: refused unless the same."
    )
    category = serializers.ChoiceField(choices=SkillCategory.choices, required=False)
    label = _label_field(max_length=150, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    programmes = serializers.ListField(
        child=serializers.ChoiceField(SkillProgramme.choices), required=False
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    active = serializers.BooleanField(
        required=False, help_text="False deactivates the skill: new assessments leave it out."
    )


class LevelSerializer(serializers.Serializer[Any]):
    level = serializers.IntegerField()
    label = _label_field()
    description = serializers.CharField()


def _scale() -> list[dict[str, Any]]:
    return [
        {"level": level.value, "label": level.label, "description": LEVEL_DESCRIPTIONS[level]}
        for level in SkillLevel
    ]


class SkillListApi(APIView):
    """The network's skills grid (deactivated skills included); the coordination adds to it."""

    permission_classes = [IsAuthenticated, SkillGridPermission]

    @extend_schema(responses=SkillOutputSerializer(many=True), tags=["skills"])
    def get(self, request: Request) -> Response:
        return Response(SkillOutputSerializer(skill_list(), many=True).data)

    @extend_schema(
        request=SkillInputSerializer, responses={201: SkillOutputSerializer}, tags=["skills"]
    )
    def post(self, request: Request) -> Response:
        serializer = SkillInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        skill = skill_create(**serializer.validated_data)
        return Response(SkillOutputSerializer(skill).data, status=status.HTTP_201_CREATED)


class SkillDetailApi(APIView):
    """One skill of the grid: changed or deactivated by the coordination, never deleted."""

    permission_classes = [IsAuthenticated, SkillGridPermission]

    def _skill(self, skill_id: int) -> Skill:
        skill = skill_get(skill_id=skill_id)
        if skill is None:
            raise NotFound
        return skill

    @extend_schema(responses=SkillOutputSerializer, tags=["skills"])
    def get(self, request: Request, skill_id: int) -> Response:
        return Response(SkillOutputSerializer(self._skill(skill_id)).data)

    @extend_schema(request=SkillPatchSerializer, responses=SkillOutputSerializer, tags=["skills"])
    def patch(self, request: Request, skill_id: int) -> Response:
        skill = self._skill(skill_id)
        serializer = SkillPatchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        skill = skill_update(skill=skill, changes=serializer.validated_data)
        return Response(SkillOutputSerializer(skill).data)


class SkillLevelsApi(APIView):
    """The level scale every skill is assessed on."""

    permission_classes = [IsAuthenticated, SkillGridPermission]

    @extend_schema(responses=LevelSerializer(many=True), tags=["skills"])
    def get(self, request: Request) -> Response:
        return Response(LevelSerializer(_scale(), many=True).data)


class SkillGridApi(APIView):
    """The network's skills grid, read-only on a CAE's site."""

    permission_classes = [IsAuthenticated, SkillGridPermission]

    @extend_schema(responses=SkillOutputSerializer(many=True), tags=["skills"])
    def get(self, request: Request) -> Response:
        return Response(SkillOutputSerializer(skill_list(), many=True).data)


# --- Assessments ----------------------------------------------------------------------------


class RatingOutputSerializer(serializers.Serializer[Any]):
    skill = serializers.IntegerField(source="skill_id")
    code = serializers.CharField(source="skill.code")
    label = _label_field(source="skill.label")
    category = serializers.ChoiceField(source="skill.category", choices=SkillCategory.choices)
    self_level = serializers.IntegerField(allow_null=True)
    agreed_level = serializers.IntegerField(
        allow_null=True, help_text="Set at the review; empty until then."
    )


class AssessmentListItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="enrolment.cohort_id")
    member = serializers.IntegerField(source="enrolment.member_id")
    name = serializers.SerializerMethodField()
    phase = serializers.ChoiceField(choices=AssessmentPhase.choices)
    status = serializers.ChoiceField(choices=AssessmentStatus.choices)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_name(self, assessment: SkillAssessment) -> str:
        return assessment.enrolment.member.display_name(full=True)


class AssessmentDetailSerializer(AssessmentListItemSerializer):
    review_comment = serializers.CharField()
    ratings = RatingOutputSerializer(many=True)
    scale = LevelSerializer(many=True)


class AssessmentStartSerializer(serializers.Serializer[Any]):
    phase = serializers.ChoiceField(choices=AssessmentPhase.choices)


def _levels_field(help_text: str, **kwargs: Any) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.IntegerField(min_value=LOWEST_LEVEL, max_value=HIGHEST_LEVEL),
        help_text=help_text,
        **kwargs,
    )


def _levels_by_skill(value: dict[str, int]) -> dict[int, int]:
    try:
        return {int(skill_id): level for skill_id, level in value.items()}
    except ValueError as error:
        raise ValidationError(_("Les clés sont des identifiants de compétences.")) from error


class AssessmentRateSerializer(serializers.Serializer[Any]):
    levels = _levels_field("The member's level (1 to 4) by skill id; other skills keep theirs.")

    def validate_levels(self, value: dict[str, int]) -> dict[int, int]:
        return _levels_by_skill(value)


class AssessmentReviewSerializer(serializers.Serializer[Any]):
    agreed_levels = _levels_field(
        "The level agreed by skill id; the member's own elsewhere.", required=False, default=dict
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_agreed_levels(self, value: dict[str, int]) -> dict[int, int]:
        return _levels_by_skill(value)


class FiguresFields(serializers.Serializer[Any]):
    members = serializers.IntegerField(help_text="Members with both assessments handed in.")
    mean_entry = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    mean_exit = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    progressed_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, coerce_to_string=True
    )
    masked = serializers.BooleanField(help_text="Too few members: the figures are not given.")


class SkillProgressSerializer(FiguresFields):
    skill = serializers.IntegerField()
    code = serializers.CharField()
    label = _label_field()
    category = serializers.ChoiceField(choices=SkillCategory.choices)


class CategoryProgressSerializer(FiguresFields):
    category = serializers.ChoiceField(choices=SkillCategory.choices)


class CohortProgressSerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField()
    members = serializers.IntegerField()
    masked = serializers.BooleanField()
    minimum_group_size = serializers.IntegerField()
    categories = CategoryProgressSerializer(many=True)
    skills = SkillProgressSerializer(many=True)


@dataclass(frozen=True)
class _Access:
    assessment: SkillAssessment
    is_own: bool


def _assessment_or_404(request: Request, assessment_id: int) -> _Access:
    """The assessment if the person may read it: its member, or a reviewer of its cohort."""
    assessment = skill_assessment_get(assessment_id=assessment_id)
    if assessment is None:
        raise NotFound
    cohort_id = assessment.enrolment.cohort_id
    require_cohort(request, Action.COHORT_VIEW, cohort_id)
    cae = site_of(request)
    may_assess = can(request.user, Action.SKILL_ASSESS, cae=cae, cohort_id=cohort_id)
    if may_assess and assessment.enrolment.member.user_id == request.user.pk:
        return _Access(assessment, is_own=True)
    if can(request.user, Action.SKILL_REVIEW, cae=cae, cohort_id=cohort_id):
        return _Access(assessment, is_own=False)
    if may_assess:
        raise NotFound  # another member's answers: not even their existence
    raise PermissionDenied


def _own_assessment(request: Request, assessment_id: int) -> SkillAssessment:
    access = _assessment_or_404(request, assessment_id)
    if not access.is_own:
        raise PermissionDenied(_("Seule la personne concernée remplit son bilan."))
    return access.assessment


def _detail(assessment: SkillAssessment) -> dict[str, Any]:
    data: dict[str, Any] = dict(AssessmentListItemSerializer(assessment).data)
    data["review_comment"] = assessment.review_comment
    data["ratings"] = RatingOutputSerializer(
        skill_rating_list(assessment=assessment), many=True
    ).data
    data["scale"] = LevelSerializer(_scale(), many=True).data
    return data


class CohortSkillsProgressApi(APIView):
    """A cohort's progress between entry and exit, per skill and per category: aggregates
    only, masked below `minimum_group_size` members."""

    required_actions = {"GET": Action.ACTIVITY_VIEW}
    cohort_scoped = True

    @extend_schema(responses=CohortProgressSerializer, tags=["skills"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.ACTIVITY_VIEW, cohort_id)
        progress = skills_progress(cohort_id=cohort.pk)

        def figures(row: Any) -> dict[str, Any]:
            return {
                "members": row.figures.members,
                "mean_entry": row.figures.mean_entry,
                "mean_exit": row.figures.mean_exit,
                "progressed_share": row.figures.progressed_share,
                "masked": row.figures.masked,
            }

        data = {
            "cohort": cohort.pk,
            "members": progress.members,
            "masked": progress.masked,
            "minimum_group_size": MINIMUM_GROUP_SIZE,
            "categories": [
                {"category": row.category, **figures(row)} for row in progress.categories
            ],
            "skills": [
                {
                    "skill": row.skill_id,
                    "code": row.code,
                    "label": row.label,
                    "category": row.category,
                    **figures(row),
                }
                for row in progress.skills
            ],
        }
        return Response(CohortProgressSerializer(data).data)


class CohortSkillAssessmentListApi(APIView):
    """A cohort's assessments: all of them for its reviewers, one's own for a member; a member
    starts their own, for the entry or, once it is handed in, the exit."""

    required_actions = {"GET": Action.COHORT_VIEW, "POST": Action.SKILL_ASSESS}
    cohort_scoped = True

    @extend_schema(responses=AssessmentListItemSerializer(many=True), tags=["skills"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COHORT_VIEW, cohort_id)
        cae = site_of(request)
        if can(request.user, Action.SKILL_REVIEW, cae=cae, cohort_id=cohort.pk):
            assessments = skill_assessment_list(cohort_id=cohort.pk)
        elif can(request.user, Action.SKILL_ASSESS, cae=cae, cohort_id=cohort.pk):
            enrolment = skill_enrolment_of(cohort_id=cohort.pk, user_id=request.user.pk)
            assessments = (
                skill_assessment_list(cohort_id=cohort.pk, enrolment_id=enrolment.pk)
                if enrolment is not None
                else skill_assessment_list(cohort_id=cohort.pk).none()
            )
        else:
            raise PermissionDenied
        return Response(AssessmentListItemSerializer(assessments, many=True).data)

    @extend_schema(
        request=AssessmentStartSerializer,
        responses={201: AssessmentDetailSerializer},
        tags=["skills"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.SKILL_ASSESS, cohort_id)
        serializer = AssessmentStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = skill_enrolment_of(cohort_id=cohort.pk, user_id=request.user.pk)
        if enrolment is None:
            raise PermissionDenied(
                _("Votre compte n'est lié à aucun·e coopérant·e inscrit·e dans cette coopérative.")
            )
        assessment = skill_assessment_start(
            enrolment=enrolment,
            phase=serializer.validated_data["phase"],
            grid_skill_ids=list(
                skill_grid_for(programme=cohort.programme).values_list("pk", flat=True)
            ),
        )
        return Response(_detail(assessment), status=status.HTTP_201_CREATED)


class SkillAssessmentDetailApi(APIView):
    """One assessment with its ratings; its member fills in their levels while it is a draft."""

    required_actions = {"GET": Action.COHORT_VIEW, "PATCH": Action.SKILL_ASSESS}
    cohort_scoped = True

    @extend_schema(responses=AssessmentDetailSerializer, tags=["skills"])
    def get(self, request: Request, assessment_id: int) -> Response:
        return Response(_detail(_assessment_or_404(request, assessment_id).assessment))

    @extend_schema(
        request=AssessmentRateSerializer, responses=AssessmentDetailSerializer, tags=["skills"]
    )
    def patch(self, request: Request, assessment_id: int) -> Response:
        assessment = _own_assessment(request, assessment_id)
        serializer = AssessmentRateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = skill_assessment_rate(
            assessment=assessment, levels=serializer.validated_data["levels"]
        )
        return Response(_detail(assessment))


class SkillAssessmentSubmitApi(APIView):
    """The member hands in their assessment once every skill has a level."""

    required_actions = {"POST": Action.SKILL_ASSESS}
    cohort_scoped = True

    @extend_schema(request=None, responses=AssessmentDetailSerializer, tags=["skills"])
    def post(self, request: Request, assessment_id: int) -> Response:
        assessment = skill_assessment_submit(assessment=_own_assessment(request, assessment_id))
        return Response(_detail(assessment))


class SkillAssessmentReviewApi(APIView):
    """A reviewer records the review of a handed-in assessment: it is then kept as it is."""

    required_actions = {"POST": Action.SKILL_REVIEW}
    cohort_scoped = True

    @extend_schema(
        request=AssessmentReviewSerializer, responses=AssessmentDetailSerializer, tags=["skills"]
    )
    def post(self, request: Request, assessment_id: int) -> Response:
        assessment = _assessment_or_404(request, assessment_id).assessment
        require_cohort(request, Action.SKILL_REVIEW, assessment.enrolment.cohort_id)
        serializer = AssessmentReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = skill_assessment_review(
            assessment=assessment,
            by=request.user,
            agreed_levels=serializer.validated_data["agreed_levels"],
            comment=serializer.validated_data["comment"],
        )
        return Response(_detail(assessment))


public_urlpatterns: list[URLPattern] = [
    path("skills/", SkillListApi.as_view(), name="skill-list"),
    path("skills/levels/", SkillLevelsApi.as_view(), name="skill-levels"),
    path("skills/<int:skill_id>/", SkillDetailApi.as_view(), name="skill-detail"),
]

urlpatterns: list[URLPattern] = [
    path("skills/", SkillGridApi.as_view(), name="skill-list"),
    path("skills/levels/", SkillLevelsApi.as_view(), name="skill-levels"),
    path(
        "cohorts/<int:cohort_id>/skills/progress/",
        CohortSkillsProgressApi.as_view(),
        name="cohort-skills-progress",
    ),
    path(
        "cohorts/<int:cohort_id>/skills/assessments/",
        CohortSkillAssessmentListApi.as_view(),
        name="cohort-skill-assessments",
    ),
    path(
        "skill-assessments/<int:assessment_id>/",
        SkillAssessmentDetailApi.as_view(),
        name="skill-assessment-detail",
    ),
    path(
        "skill-assessments/<int:assessment_id>/submit/",
        SkillAssessmentSubmitApi.as_view(),
        name="skill-assessment-submit",
    ),
    path(
        "skill-assessments/<int:assessment_id>/review/",
        SkillAssessmentReviewApi.as_view(),
        name="skill-assessment-review",
    ),
]
