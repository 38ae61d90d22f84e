"""Ateliers on a CAE's site: a cohort's list with its totals and the form to plan one, and a
session's page with the attendance form and each member's hours. Same rules as
api/v1/trainings.py: TRAINING_MANAGE plans and records, TRAINING_VIEW reads; without
MEMBER_VIEW, members appear as first name and last initial."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.forms import TrainingAttendanceForm, TrainingSessionForm, form_add_errors
from tenants.cohorts.selectors import cohort_get
from tenants.people.models import Member
from tenants.trainings.models import TrainingSession, TrainingTopic
from tenants.trainings.selectors import (
    training_attendance_list,
    training_hours_per_member,
    training_indicators,
    training_session_get,
    training_session_list,
    training_session_members,
)
from tenants.trainings.services import (
    attendance_record,
    training_session_create,
    training_session_delete,
)


@require(Action.CAE_VIEW)
def training_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's ateliers and totals, and the form to plan one."""
    require_cohort(request, Action.TRAINING_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    may_manage = can(request.user, Action.TRAINING_MANAGE, cae=site_cae(), cohort_id=cohort_id)
    form = TrainingSessionForm(
        request.POST if request.method == "POST" else None, topics=TrainingTopic.choices
    )
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                session = training_session_create(cohort=cohort, **form.cleaned_data)
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("L'atelier est planifié."))
                return redirect("frontend:training-detail", session_id=session.pk)
    context = {
        "cohort": cohort,
        "sessions": training_session_list(cohort_id=cohort.pk),
        "indicators": training_indicators(cohort_id=cohort.pk),
        "may_manage": may_manage,
        "form": form,
    }
    return render(
        request, "frontend/training_index.html", context, status=400 if form.errors else 200
    )


def _session_or_404(request: HttpRequest, session_id: int) -> TrainingSession:
    session = training_session_get(session_id=session_id)
    if session is None:
        raise Http404
    require_cohort(request, Action.COHORT_VIEW, session.cohort_id)
    require_cohort(request, Action.TRAINING_VIEW, session.cohort_id)
    return session


def _attendance_form(
    session: TrainingSession, members: list[Member], full: bool, data: Any = None
) -> TrainingAttendanceForm:
    recorded = {row.member_id: row for row in training_attendance_list(session=session)}
    initial: dict[str, Any] = {}
    for member_id, row in recorded.items():
        initial[f"present_{member_id}"] = row.present
        if row.present and row.hours != session.duration_hours:
            initial[f"hours_{member_id}"] = row.hours
    return TrainingAttendanceForm(
        data,
        members=[(member.pk, member.display_name(full=full)) for member in members],
        max_hours=session.duration_hours,
        initial=initial,
    )


@require(Action.CAE_VIEW)
def training_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """One atelier: record who attended (TRAINING_MANAGE), see each member's hours."""
    session = _session_or_404(request, session_id)
    cae = site_cae()
    may_manage = can(request.user, Action.TRAINING_MANAGE, cae=cae, cohort_id=session.cohort_id)
    full = can(request.user, Action.MEMBER_VIEW, cae=cae, cohort_id=session.cohort_id)
    step = request.POST.get("step") if request.method == "POST" else None
    if step and not may_manage:
        raise PermissionDenied
    members = list(training_session_members(session=session))
    form = _attendance_form(session, members, full, request.POST if step == "attendance" else None)
    try:
        if step == "attendance" and form.is_valid():
            attendance_record(
                session=session,
                present_member_ids=form.present_member_ids(),
                hours_by_member=form.hours_by_member(),
            )
            messages.success(request, _("Les présences sont enregistrées."))
            return redirect("frontend:training-detail", session_id=session.pk)
        if step == "delete":
            training_session_delete(session=session)
            messages.success(request, _("L'atelier est supprimé."))
            return redirect("frontend:training-index", cohort_id=session.cohort_id)
    except ApplicationError as error:
        form_add_errors(form, error)
    attendance = list(training_attendance_list(session=session))
    hours = training_hours_per_member(cohort_id=session.cohort_id)
    totals = [
        (member.display_name(full=full), hours.get(member.pk))
        for member in Member.objects.enrolled_in([session.cohort_id]).order_by(
            "last_name", "first_name", "pk"
        )
    ]
    context = {
        "session": session,
        "cohort": session.cohort,
        "attendance": [(row.member.display_name(full=full), row) for row in attendance],
        "totals": totals,
        "may_manage": may_manage,
        "form": form,
    }
    return render(request, "frontend/training_detail.html", context, status=400 if step else 200)
