"""Pages of a CAE's site about its coopérant·es: members, guardians, enrolments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coopilote.access import Action, can, cohort_scope
from coopilote.documents import DocumentRenderingError, pdf_response
from coopilote.errors import ApplicationError
from frontend.access import require, site_cae
from frontend.forms import (
    DateInput,
    EnrolForm,
    GuardianForm,
    MemberAccountForm,
    MemberForm,
    OutcomeForm,
    WithdrawForm,
    form_add_errors,
)
from network.registry.services import cae_member_invite
from tenants.cohorts.selectors import cohort_list_open_for_enrolment
from tenants.people.documents import member_export_pdf
from tenants.people.models import Consent, ConsentPurpose, Enrolment, Member
from tenants.people.privacy import (
    consent_record,
    consent_withdraw,
    member_erase,
    member_export,
    member_is_erased,
    personal_data_settings_get,
    personal_data_settings_update,
)
from tenants.people.selectors import enrolment_get, member_get, member_list
from tenants.people.services import (
    enrolment_record_outcome,
    enrolment_withdraw,
    guardian_record,
    member_account_link,
    member_create,
    member_enrol,
)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Finalité"), choices=ConsentPurpose.choices)
    given_on = forms.DateField(label=_("Donné le"), widget=DateInput())


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Retiré le"), widget=DateInput())


class ErasureForm(forms.Form):
    reason = forms.CharField(label=_("Motif de l'effacement"), max_length=200)
    confirm = forms.BooleanField(
        label=_("Je confirme : l'effacement est définitif."),
        required=True,
    )


class PersonalDataSettingsForm(forms.Form):
    social_data_retention_months = forms.IntegerField(
        label=_("Durée de conservation des données sociales (mois)"),
        min_value=1,
        max_value=120,
        help_text=_(
            "Comptée depuis la fin de la dernière coopérative de la personne ; ses données "
            "sont ensuite anonymisées automatiquement."
        ),
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
            "can_configure": can(request.user, Action.CAE_SETTINGS, cae=cae),
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
    consent_form = ConsentForm(data if step == "consent" else None, prefix="consent")
    consent_withdraw_form = ConsentWithdrawForm(
        data if step == "consent_withdraw" else None, prefix="consent-withdraw"
    )
    account_form = MemberAccountForm(
        data if step == "account" else None,
        prefix="account",
        enrolments=Enrolment.objects.enrolled().filter(member=member).select_related("cohort"),
        initial={"email": member.user.email if member.user else member.email},
    )
    forms_by_step: dict[str, forms.BaseForm] = {
        "account": account_form,
        "guardian": guardian_form,
        "enrol": enrol_form,
        "withdraw": withdraw_form,
        "outcome": outcome_form,
        "consent": consent_form,
        "consent_withdraw": consent_withdraw_form,
    }
    if step in forms_by_step:
        form = forms_by_step[step]
        if form.is_valid():
            try:
                _apply(step, member, form.cleaned_data, request.POST, request.user)
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
            "consents": member.consents.all(),
            "export": manage and can(request.user, Action.MEMBER_MANAGE, cae=cae),
            "erase": can(request.user, Action.CAE_SETTINGS, cae=cae),
            "erased": member_is_erased(member=member),
        },
        status=400 if step else 200,
    )


def _apply(step: str, member: Any, data: dict[str, Any], post: Any, user: Any) -> None:
    if step == "account":
        cae: Any = site_cae()
        with transaction.atomic():  # the role (public schema) and the link (the CAE's) together
            membership = cae_member_invite(
                cae=cae,
                email=data["email"],
                cohort_id=data["enrolment"].cohort_id,
                first_name=member.first_name,
                last_name=member.last_name,
            )
            member_account_link(member=member, user_id=membership.user_id)
        return
    if step == "consent":
        consent_record(member=member, by=user, **data)
        return
    if step == "consent_withdraw":
        consent_id = post.get("consent", "")
        consent = (
            Consent.objects.filter(pk=int(consent_id), member=member).first()
            if consent_id.isdigit()
            else None
        )
        if consent is None:
            raise Http404
        consent_withdraw(consent=consent, **data)
        return
    enrolment_id = post.get("enrolment")
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


def _member_or_404(request: HttpRequest, member_id: int) -> Member:
    """The member, if the person may see them; 404 otherwise."""
    member = member_get(user=request.user, cae=site_cae(), member_id=member_id)
    if member is None:
        raise Http404
    return member


def _member_for_staff(request: HttpRequest, member_id: int) -> Member:
    """The member, for the CAE's staff (404 if unseen, 403 for a cohort role only)."""
    member = _member_or_404(request, member_id)
    if not can(request.user, Action.MEMBER_MANAGE, cae=site_cae()):
        raise PermissionDenied
    return member


@require(Action.CAE_VIEW)
def member_data(request: HttpRequest, member_id: int) -> HttpResponse:
    """Everything the CAE holds about a member (RGPD right of access): a printable page, or
    the JSON file with ?format=json, a PDF with ?format=pdf."""
    member = _member_for_staff(request, member_id)
    export = member_export(member=member)
    if request.GET.get("format") == "json":
        response = JsonResponse(export.as_json(), json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="donnees-{member.pk}.json"'
        return response
    if request.GET.get("format") == "pdf":
        try:
            content = member_export_pdf(member=member, export=export)
        except DocumentRenderingError:
            messages.error(request, _("Le PDF n'a pas pu être produit ; imprimez cette page."))
        else:
            return pdf_response(content, f"donnees-{member.pk}.pdf")
    return render(request, "frontend/member_data.html", {"member": member, "export": export})


@require(Action.CAE_SETTINGS)
def member_erase_page(request: HttpRequest, member_id: int) -> HttpResponse:
    """Anonymise a member, after confirmation and with a reason (the CAE's admins)."""
    member = _member_or_404(request, member_id)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_erase(member=member, by=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Les données personnelles sont effacées."))
            return redirect("frontend:member-detail", member_id=member.pk)
    return render(
        request,
        "frontend/member_erase.html",
        {"member": member, "form": form, "erased": member_is_erased(member=member)},
        status=400 if form.errors else 200,
    )


@require(Action.CAE_SETTINGS)
def personal_data_settings(request: HttpRequest) -> HttpResponse:
    """How long the CAE keeps its members' social data."""
    current = personal_data_settings_get()
    form = PersonalDataSettingsForm(
        request.POST or None,
        initial={"social_data_retention_months": current.social_data_retention_months},
    )
    if request.method == "POST" and form.is_valid():
        try:
            personal_data_settings_update(**form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La durée de conservation est enregistrée."))
            return redirect("frontend:personal-data-settings")
    return render(
        request,
        "frontend/personal_data_settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
