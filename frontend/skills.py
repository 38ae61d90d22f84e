"""Skills pages. National site: the grid, read by anyone signed in, kept by the national
coordination (SKILL_GRID_MANAGE). A CAE's site: a cohort's progress in aggregates for everyone
who follows it (ACTIVITY_VIEW); a member's own assessments, filled in and handed in there
(SKILL_ASSESS); the members' assessments for the cohort's reviewers (SKILL_REVIEW), who record
the review. Same rules as api/v1/skills.py: another member's assessment is a 404 for a member,
a 403 for partners and the coordinator."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.forms import form_add_errors
from frontend.skill_forms import ReviewForm, SelfAssessmentForm, SkillForm
from network.skillgrid.models import LEVEL_DESCRIPTIONS, SkillCategory, SkillLevel
from network.skillgrid.selectors import skill_get, skill_grid_for, skill_list
from network.skillgrid.services import skill_create, skill_update
from tenants.cohorts.selectors import cohort_get
from tenants.skills.models import (
    AssessmentPhase,
    AssessmentStatus,
    SkillAssessment,
    SkillRating,
)
from tenants.skills.selectors import (
    MINIMUM_GROUP_SIZE,
    skill_assessment_get,
    skill_assessment_list,
    skill_assessment_overview,
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


def _scale() -> list[tuple[int, str, str]]:
    return [(level.value, str(level.label), str(LEVEL_DESCRIPTIONS[level])) for level in SkillLevel]


def _level_name(level: int | None) -> str:
    return f"{level} · {SkillLevel(level).label}" if level is not None else "—"


def _summary(ratings: list[SkillRating]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(category name, [(skill, level estimated, level agreed)]) in the grid's order."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for rating in ratings:
        groups.setdefault(rating.skill.category, []).append(
            (
                rating.skill.label,
                _level_name(rating.self_level),
                _level_name(rating.agreed_level),
            )
        )
    return [(str(SkillCategory(category).label), rows) for category, rows in groups.items()]


# --- National site: the grid ----------------------------------------------------------------


def skill_grid(request: HttpRequest) -> HttpResponse:
    """The network's grid by category, and the form to add a skill (coordination only)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    may_manage = can(request.user, Action.SKILL_GRID_MANAGE, cae=None)
    form = SkillForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                skill = skill_create(**form.cleaned_data)
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(
                    request, _("La compétence « %(label)s » est ajoutée.") % {"label": skill.label}
                )
                return redirect("frontend:skill-grid")
    skills = list(skill_list())
    categories = [
        (label, [skill for skill in skills if skill.category == category])
        for category, label in sorted(SkillCategory.choices, reverse=True)
    ]
    context = {
        "categories": categories,
        "scale": _scale(),
        "may_manage": may_manage,
        "form": form,
    }
    return render(request, "frontend/skill_grid.html", context, status=400 if form.errors else 200)


@require(Action.SKILL_GRID_MANAGE)
def skill_edit(request: HttpRequest, skill_id: int) -> HttpResponse:
    """Change a skill, deactivate it or bring it back (never delete it)."""
    skill = skill_get(skill_id=skill_id)
    if skill is None:
        raise Http404
    step = request.POST.get("step") if request.method == "POST" else None
    form = SkillForm(
        request.POST if step == "save" else None,
        editing=True,
        initial={
            "category": skill.category,
            "label": skill.label,
            "description": skill.description,
            "programmes": skill.programmes,
            "position": skill.position,
        },
    )
    try:
        if step == "save" and form.is_valid():
            skill_update(skill=skill, changes=form.cleaned_data)
            messages.success(request, _("La compétence est modifiée."))
            return redirect("frontend:skill-grid")
        if step in ("deactivate", "activate"):
            skill = skill_update(skill=skill, changes={"active": step == "activate"})
            messages.success(
                request,
                _("La compétence est de nouveau proposée.")
                if skill.active
                else _("La compétence n'est plus proposée aux nouveaux bilans."),
            )
            return redirect("frontend:skill-grid")
    except ApplicationError as error:
        form_add_errors(form, error)
    return render(
        request,
        "frontend/skill_edit.html",
        {"skill": skill, "form": form},
        status=400 if step else 200,
    )


# --- A CAE's site: progress and self-assessments ---------------------------------------------


@dataclass(frozen=True)
class _Access:
    assessment: SkillAssessment
    is_own: bool
    may_review: bool


def _assessment_or_404(request: HttpRequest, assessment_id: int) -> _Access:
    """The assessment if the person may read it: its member, or a reviewer of its cohort."""
    assessment = skill_assessment_get(assessment_id=assessment_id)
    if assessment is None:
        raise Http404
    cohort_id = assessment.enrolment.cohort_id
    require_cohort(request, Action.COHORT_VIEW, cohort_id)
    cae = site_cae()
    may_assess = can(request.user, Action.SKILL_ASSESS, cae=cae, cohort_id=cohort_id)
    may_review = can(request.user, Action.SKILL_REVIEW, cae=cae, cohort_id=cohort_id)
    is_own = may_assess and assessment.enrolment.member.user_id == request.user.pk
    if is_own or may_review:
        return _Access(assessment, is_own=is_own, may_review=may_review)
    if may_assess:
        raise Http404  # another member's answers: not even their existence
    raise PermissionDenied


@require(Action.CAE_VIEW)
def skill_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's skills: its progress in aggregates; one's own assessments (members); the
    members' assessments to review (animateur·rices, CAE staff)."""
    require_cohort(request, Action.ACTIVITY_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    cae = site_cae()
    may_review = can(request.user, Action.SKILL_REVIEW, cae=cae, cohort_id=cohort.pk)
    may_assess = can(request.user, Action.SKILL_ASSESS, cae=cae, cohort_id=cohort.pk)
    enrolment = (
        skill_enrolment_of(cohort_id=cohort.pk, user_id=request.user.pk) if may_assess else None
    )
    start_error = None
    if request.method == "POST":
        if enrolment is None:
            raise PermissionDenied
        try:
            assessment = skill_assessment_start(
                enrolment=enrolment,
                phase=request.POST.get("phase", ""),
                grid_skill_ids=list(
                    skill_grid_for(programme=cohort.programme).values_list("pk", flat=True)
                ),
            )
        except ApplicationError as error:
            start_error = error.message
        else:
            return redirect("frontend:skill-assessment", assessment_id=assessment.pk)
    own = (
        {a.phase: a for a in skill_assessment_list(cohort_id=cohort.pk, enrolment_id=enrolment.pk)}
        if enrolment is not None
        else {}
    )
    full = can(request.user, Action.MEMBER_VIEW, cae=cae, cohort_id=cohort.pk)
    context = {
        "cohort": cohort,
        "progress": skills_progress(cohort_id=cohort.pk),
        "minimum_group_size": MINIMUM_GROUP_SIZE,
        "enrolment": enrolment,
        "own_phases": [
            (AssessmentPhase.ENTRY, _("Bilan d'entrée"), own.get(AssessmentPhase.ENTRY)),
            (AssessmentPhase.EXIT, _("Bilan de sortie"), own.get(AssessmentPhase.EXIT)),
        ],
        "start_error": start_error,
        "overview": [
            (row.enrolment.member.display_name(full=full), row)
            for row in skill_assessment_overview(cohort_id=cohort.pk)
        ]
        if may_review
        else None,
    }
    return render(request, "frontend/skill_index.html", context, status=400 if start_error else 200)


@require(Action.CAE_VIEW)
def skill_assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """One assessment: its member fills it in and hands it in; a reviewer records the review;
    anyone else allowed reads it."""
    access = _assessment_or_404(request, assessment_id)
    assessment = access.assessment
    ratings = list(skill_rating_list(assessment=assessment))
    step = request.POST.get("step") if request.method == "POST" else None
    if step in ("save", "submit") and not access.is_own:
        raise PermissionDenied
    if step == "review" and not access.may_review:
        raise PermissionDenied
    fill_form = SelfAssessmentForm(
        request.POST if step in ("save", "submit") else None, ratings=ratings
    )
    review_form = ReviewForm(request.POST if step == "review" else None, ratings=ratings)
    try:
        if step in ("save", "submit") and fill_form.is_valid():
            assessment = skill_assessment_rate(assessment=assessment, levels=fill_form.levels())
            if step == "submit":
                skill_assessment_submit(assessment=assessment)
                messages.success(request, _("Votre bilan est remis."))
            else:
                messages.success(request, _("Vos réponses sont enregistrées."))
            return redirect("frontend:skill-assessment", assessment_id=assessment.pk)
        if step == "review" and review_form.is_valid():
            skill_assessment_review(
                assessment=assessment,
                by=request.user,
                agreed_levels=review_form.levels(),
                comment=review_form.cleaned_data["comment"],
            )
            messages.success(request, _("L'entretien est enregistré : le bilan est revu."))
            return redirect("frontend:skill-assessment", assessment_id=assessment.pk)
    except ApplicationError as error:
        form_add_errors(review_form if step == "review" else fill_form, error)
    if step:
        # A refused step: show the page as it stands in the database, with the answers given.
        assessment.refresh_from_db()
    full = access.is_own or can(
        request.user, Action.MEMBER_VIEW, cae=site_cae(), cohort_id=assessment.enrolment.cohort_id
    )
    context = {
        "assessment": assessment,
        "cohort": assessment.enrolment.cohort,
        "member_name": assessment.enrolment.member.display_name(full=full),
        "summary": _summary(ratings),
        "scale": _scale(),
        "is_own": access.is_own,
        "may_fill": access.is_own and assessment.status == AssessmentStatus.DRAFT,
        "may_review": access.may_review and assessment.status == AssessmentStatus.SUBMITTED,
        "fill_form": fill_form,
        "review_form": review_form,
    }
    return render(request, "frontend/skill_assessment.html", context, status=400 if step else 200)
