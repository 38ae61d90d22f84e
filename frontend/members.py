"""Pages of a CAE's site about its coopérant·es: members, guardians, enrolments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coopilote.access import Action, can, cohort_scope
from coopilote.errors import ApplicationError
from frontend.access import require, site_cae
from frontend.forms import (
    EnrolForm,
    GuardianForm,
    MemberForm,
    OutcomeForm,
    WithdrawForm,
    form_add_errors,
)
from tenants.cohorts.selectors import cohort_list_open_for_enrolment
from tenants.people.selectors import enrolment_get, member_get, member_list
from tenants.people.services import (
    enrolment_record_outcome,
    enrolment_withdraw,
    guardian_record,
    member_create,
    member_enrol,
)


@require(Action.CAE_VIEW)
def member_index(request: HttpRequest) -> HttpResponse:
    cae = site_cae()
    if cohort_scope(request.user, Action.MEMBER_VIEW, cae=cae) == frozenset():
        raise PermissionDenied
    members = member_list(user=request.user, cae=cae)
    return render(
        request,
        "frontend/member_index.html",
        {
            "members": members,
            "can_create": can(request.user, Action.MEMBER_MANAGE, cae=cae),
        },
    )


@require(Action.MEMBER_MANAGE)
def member_new(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_create(**form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La fiche est créée."))
            return redirect("frontend:member-detail", member_id=member.pk)
    return render(
        request, "frontend/member_new.html", {"form": form}, status=400 if form.errors else 200
    )


@require(Action.CAE_VIEW)
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    cae = site_cae()
    member = member_get(user=request.user, cae=cae, member_id=member_id)
    if member is None:
        raise Http404
    manage = (
        member_get(user=request.user, cae=cae, member_id=member_id, action=Action.MEMBER_MANAGE)
        is not None
    )
    step = request.POST.get("step") if request.method == "POST" else None
    if step and not manage:
        raise Http404
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    guardian_form = GuardianForm(
        data if step == "guardian" else None,
        files if step == "guardian" else None,
        prefix="guardian",
    )
    enrol_form = EnrolForm(
        data if step == "enrol" else None, prefix="enrol", cohorts=cohort_list_open_for_enrolment()
    )
    withdraw_form = WithdrawForm(data if step == "withdraw" else None, prefix="withdraw")
    outcome_form = OutcomeForm(data if step == "outcome" else None, prefix="outcome")
    forms_by_step: dict[str, forms.BaseForm] = {
        "guardian": guardian_form,
        "enrol": enrol_form,
        "withdraw": withdraw_form,
        "outcome": outcome_form,
    }
    if step in forms_by_step:
        form = forms_by_step[step]
        if form.is_valid():
            try:
                _apply(step, member, form.cleaned_data, request.POST.get("enrolment"))
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("C'est enregistré."))
                return redirect("frontend:member-detail", member_id=member.pk)
    return render(
        request,
        "frontend/member_detail.html",
        {
            "member": member,
            "manage": manage,
            "forms": forms_by_step,
            "failed_step": step,
        },
        status=400 if step else 200,
    )


def _apply(step: str, member: Any, data: dict[str, Any], enrolment_id: str | None) -> None:
    if step == "guardian":
        guardian_record(member=member, **data)
        return
    if step == "enrol":
        member_enrol(member=member, **data)
        return
    enrolment = (
        enrolment_get(enrolment_id=int(enrolment_id))
        if (enrolment_id and enrolment_id.isdigit())
        else None
    )
    if enrolment is None or enrolment.member_id != member.pk:
        raise Http404
    if step == "withdraw":
        enrolment_withdraw(enrolment=enrolment, **data)
    else:
        enrolment_record_outcome(enrolment=enrolment, **data)
