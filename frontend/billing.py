"""Invoices on a CAE's site: a cohort prepares them, CAE staff issue them, record payments and
credit notes; the client opens the invoice through a link, without an account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.access import Action, can, cohort_scope
from coopilote.documents import pdf_response
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.commerce import site_vat_rates
from frontend.forms import (
    CreditNoteForm,
    InvoiceFromJobsForm,
    InvoiceIssueForm,
    InvoiceLineForm,
    InvoiceNewForm,
    InvoiceSendForm,
    NumberingForm,
    PaymentForm,
    form_add_errors,
)
from tenants.billing.documents import invoice_preview_pdf
from tenants.billing.models import CreditNote, Invoice, InvoiceLine, InvoiceStatus
from tenants.billing.selectors import (
    SETTLEMENT_LABELS,
    Settlement,
    invoice_balance,
    invoice_from_link_token,
    invoice_get,
    invoice_link_token,
    invoice_list,
    jobs_to_invoice,
)
from tenants.billing.services import (
    CreditLine,
    credit_note_issue,
    credit_note_pdf_archive,
    invoice_draft_create,
    invoice_draft_delete,
    invoice_draft_from_jobs,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_pdf_archive,
    invoice_return_to_draft,
    invoice_send,
    invoice_submit,
    numbering_settings_get,
    numbering_settings_update,
    payment_record,
)
from tenants.cohorts.selectors import cohort_get
from tenants.commerce.selectors import client_list


@require(Action.CAE_VIEW)
def invoice_index(request: HttpRequest) -> HttpResponse:
    """Every invoice the person may see; CAE staff start with those waiting for validation."""
    cae = site_cae()
    if cohort_scope(request.user, Action.COMMERCE_VIEW, cae=cae) == frozenset():
        raise PermissionDenied
    wanted = request.GET.get("statut") or None
    if wanted not in (None, *InvoiceStatus.values):
        wanted = None
    invoices = invoice_list(user=request.user, cae=cae, status=wanted)
    context = {
        "rows": [(invoice, invoice_balance(invoice=invoice)) for invoice in invoices],
        "statuses": InvoiceStatus.choices,
        "wanted": wanted,
    }
    template = "frontend/invoice_index.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#invoice-table"
    return render(request, template, context)


@require(Action.CAE_VIEW)
def cohort_invoices(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's invoices, and the forms to start one (blank, or from the jobs done)."""
    require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    cae = site_cae()
    may_prepare = can(request.user, Action.BILLING_PREPARE, cae=cae, cohort_id=cohort_id)
    step = request.POST.get("step") if request.method == "POST" else None
    if step and not may_prepare:
        raise PermissionDenied
    data = request.POST if step else None
    new_form = InvoiceNewForm(data if step == "new" else None, prefix="new", clients=client_list())
    jobs_form = InvoiceFromJobsForm(
        data if step == "jobs" else None, prefix="jobs", jobs=jobs_to_invoice(cohort_id=cohort_id)
    )
    form: forms.Form | None = {"new": new_form, "jobs": jobs_form}.get(step or "")
    if form is not None and form.is_valid():
        try:
            if step == "new":
                invoice = invoice_draft_create(cohort=cohort, **form.cleaned_data)
            else:
                invoice = invoice_draft_from_jobs(
                    cohort=cohort, job_ids=[job.pk for job in form.cleaned_data["jobs"]]
                )
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Le brouillon de facture est prêt."))
            return redirect("frontend:invoice-detail", invoice_id=invoice.pk)
    invoices = invoice_list(user=request.user, cae=cae, cohort_id=cohort_id)
    return render(
        request,
        "frontend/cohort_invoices.html",
        {
            "cohort": cohort,
            "rows": [(invoice, invoice_balance(invoice=invoice)) for invoice in invoices],
            "may_prepare": may_prepare,
            "new_form": new_form,
            "jobs_form": jobs_form,
        },
        status=400 if step else 200,
    )


def _invoice_or_404(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = invoice_get(invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    require_cohort(request, Action.COMMERCE_VIEW, invoice.cohort_id)
    return invoice


# What each form of the invoice page needs (the action) and does (the service call).
_STEP_ACTIONS = {
    "line": Action.BILLING_PREPARE,
    "remove-line": Action.BILLING_PREPARE,
    "submit": Action.BILLING_PREPARE,
    "delete": Action.BILLING_PREPARE,
    "send": Action.BILLING_PREPARE,
    "return": Action.BILLING_ISSUE,
    "issue": Action.BILLING_ISSUE,
    "payment": Action.BILLING_ISSUE,
    "credit": Action.BILLING_ISSUE,
}


@require(Action.CAE_VIEW)
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_id)
    cae = site_cae()
    allowed = {
        step
        for step, action in _STEP_ACTIONS.items()
        if can(request.user, action, cae=cae, cohort_id=invoice.cohort_id)
    }
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step and step not in allowed:
        raise PermissionDenied
    data = request.POST if step else None
    today = timezone.localdate()
    rates = site_vat_rates()
    step_forms: dict[str, forms.Form] = {
        "line": InvoiceLineForm(data if step == "line" else None, prefix="line", vat_rates=rates),
        "issue": InvoiceIssueForm(
            data if step == "issue" else None, prefix="issue", initial={"issued_on": today}
        ),
        "send": InvoiceSendForm(data if step == "send" else None, prefix="send"),
        "payment": PaymentForm(
            data if step == "payment" else None,
            prefix="payment",
            initial={"received_on": today, "amount": invoice_balance(invoice=invoice).outstanding},
        ),
        "credit": CreditNoteForm(
            data if step == "credit" else None,
            prefix="credit",
            vat_rates=rates,
            initial={"issued_on": today},
        ),
    }
    if step:
        form = step_forms.get(step)
        if form is None or form.is_valid():
            try:
                done = _apply(request, invoice, step, form.cleaned_data if form else {})
            except ApplicationError as error:
                if form is None:
                    messages.error(request, error.message)
                    return redirect("frontend:invoice-detail", invoice_id=invoice.pk)
                form_add_errors(form, error)
            else:
                messages.success(request, done)
                if step == "delete":
                    return redirect("frontend:cohort-invoices", cohort_id=invoice.cohort_id)
                return redirect("frontend:invoice-detail", invoice_id=invoice.pk)
    return render(
        request,
        "frontend/invoice_detail.html",
        {
            "invoice": invoice,
            "balance": invoice_balance(invoice=invoice),
            "client_token": (
                invoice_link_token(invoice=invoice)
                if invoice.status == InvoiceStatus.ISSUED
                else ""
            ),
            "allowed": allowed,
            "forms": step_forms,
            "failed_step": step,
        },
        status=400 if step else 200,
    )


def _apply(request: HttpRequest, invoice: Invoice, step: str, data: dict[str, Any]) -> str:
    """Run the service behind `step`; return the message that says it is done."""
    user = request.user
    if step == "line":
        invoice_line_add(invoice=invoice, **data)
        return _("La ligne est ajoutée.")
    if step == "remove-line":
        line_id = request.POST.get("line", "")
        line = (
            InvoiceLine.objects.filter(invoice=invoice, pk=int(line_id)).first()
            if line_id.isdigit()
            else None
        )
        if line is None:
            raise Http404
        invoice_line_remove(line=line)
        return _("La ligne est retirée.")
    if step == "submit":
        invoice_submit(invoice=invoice, by=user)
        return _("La facture est soumise à la CAE, qui va la vérifier puis l'émettre.")
    if step == "delete":
        invoice_draft_delete(invoice=invoice)
        return _("Le brouillon est supprimé.")
    if step == "return":
        invoice_return_to_draft(invoice=invoice)
        return _("La facture est renvoyée à la coopérative pour correction.")
    if step == "issue":
        issued = invoice_issue(invoice=invoice, by=user, issued_on=data["issued_on"])
        return _("La facture %(number)s est émise.") % {"number": issued.number}
    if step == "send":
        dispatch = invoice_send(invoice=invoice, by=user, recipient=data["recipient"] or None)
        return _("La facture part par e-mail à %(to)s.") % {"to": dispatch.recipient}
    if step == "payment":
        payment_record(invoice=invoice, by=user, **data)
        return _("Le paiement est enregistré.")
    amount = data["amount_excl_vat"]
    lines = (
        None
        if amount is None
        else [
            CreditLine(
                description=data["reason"],
                quantity=Decimal(1),
                unit="flat",
                unit_price_excl_vat=amount,
                vat_rate=data["vat_rate"],
            )
        ]
    )
    note = credit_note_issue(
        invoice=invoice,
        by=user,
        reason=data["reason"],
        issued_on=data["issued_on"],
        lines=lines,
    )
    return _("L'avoir %(number)s est émis.") % {"number": note.number}


@require(Action.CAE_VIEW)
def invoice_pdf_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_id)
    if invoice.status == InvoiceStatus.ISSUED:
        return pdf_response(invoice_pdf_archive(invoice=invoice), f"Facture-{invoice.number}.pdf")
    return pdf_response(invoice_preview_pdf(invoice=invoice), f"Apercu-{invoice.pk}.pdf")


@require(Action.CAE_VIEW)
def credit_note_pdf_view(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    note = CreditNote.objects.select_related("invoice").filter(pk=credit_note_id).first()
    if note is None:
        raise Http404
    require_cohort(request, Action.COMMERCE_VIEW, note.invoice.cohort_id)
    return pdf_response(credit_note_pdf_archive(credit_note=note), f"Avoir-{note.number}.pdf")


@require(Action.CAE_SETTINGS)
def numbering(request: HttpRequest) -> HttpResponse:
    """The CAE's invoice and credit note numbering templates."""
    current = numbering_settings_get()
    form = NumberingForm(
        request.POST or None,
        initial={
            "invoice_template": current.invoice_template,
            "credit_note_template": current.credit_note_template,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            numbering_settings_update(**form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La numérotation est enregistrée."))
            return redirect("frontend:numbering")
    return render(
        request, "frontend/numbering.html", {"form": form}, status=400 if form.errors else 200
    )


# --- The client's side: no account, a signed link ------------------------------------------


def invoice_public(request: HttpRequest, token: str) -> HttpResponse:
    """What the client sees from the link in the invoice email."""
    invoice = invoice_from_link_token(token=token)
    if invoice is None:
        return render(request, "frontend/link_invalid.html", status=404)
    balance = invoice_balance(invoice=invoice)
    return render(
        request,
        "frontend/invoice_public.html",
        {
            "invoice": invoice,
            "balance": balance,
            "token": token,
            "settled": balance.settlement in (Settlement.PAID, Settlement.CANCELLED),
            "settlement_label": SETTLEMENT_LABELS[balance.settlement],
            "can_pay_online": bool(getattr(site_cae(), "payment_account", "")),
            "thanks": request.GET.get("paiement") == "merci",
        },
    )


def invoice_public_pdf(request: HttpRequest, token: str) -> HttpResponse:
    invoice = invoice_from_link_token(token=token)
    if invoice is None:
        return render(request, "frontend/link_invalid.html", status=404)
    return pdf_response(invoice_pdf_archive(invoice=invoice), f"Facture-{invoice.number}.pdf")
