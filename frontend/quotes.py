"""Quotes on a CAE's site: a cohort drafts and sends them; the client answers through the
single-use link of the email, without an account (the same decisions as api/v1/quotes.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.documents import pdf_response
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.commerce import site_vat_rates
from frontend.forms import (
    InvoiceLineForm,
    QuoteAnswerForm,
    QuoteForm,
    QuoteSendForm,
    QuoteServiceLineForm,
    form_add_errors,
)
from tenants.cohorts.selectors import cohort_get
from tenants.commerce.documents import quote_pdf
from tenants.commerce.models import Quote
from tenants.commerce.selectors import (
    client_list,
    quote_by_token,
    quote_get,
    quote_line_get,
    quote_list,
    quote_totals,
    service_list,
)
from tenants.commerce.services import (
    quote_answer,
    quote_create,
    quote_line_add,
    quote_line_remove,
    quote_resend,
    quote_send,
)


def _pdf_name(quote: Quote) -> str:
    return f"Devis-{quote.number}.pdf" if quote.number else f"Devis-brouillon-{quote.pk}.pdf"


# --- The cohort's side ---------------------------------------------------------------------


@require(Action.CAE_VIEW)
def quote_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's quotes, newest first, and the form to start one."""
    require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    cae = site_cae()
    can_manage = can(request.user, Action.COMMERCE_MANAGE, cae=cae, cohort_id=cohort_id)
    if request.method == "POST":
        require_cohort(request, Action.COMMERCE_MANAGE, cohort_id)
    form = QuoteForm(
        request.POST or None,
        clients=client_list(),
        initial={"valid_until": timezone.localdate() + datetime.timedelta(days=30)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            quote = quote_create(cohort=cohort, **form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Le brouillon de devis est prêt : ajoutez-y des lignes."))
            return redirect("frontend:quote-detail", quote_id=quote.pk)
    quotes = quote_list(user=request.user, cae=cae, cohort_id=cohort_id)
    return render(
        request,
        "frontend/quote_index.html",
        {
            "cohort": cohort,
            "rows": [(quote, quote_totals(quote=quote)) for quote in quotes],
            "can_manage": can_manage,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _quote_or_404(request: HttpRequest, quote_id: int) -> Quote:
    quote = quote_get(quote_id=quote_id)
    if quote is None:
        raise Http404
    require_cohort(request, Action.COMMERCE_VIEW, quote.cohort_id)
    return quote


_STEPS = frozenset({"service", "free", "remove-line", "send", "resend"})


@require(Action.CAE_VIEW)
def quote_detail(request: HttpRequest, quote_id: int) -> HttpResponse:
    """A quote: its lines while a draft, sending it, and the client's answer once given."""
    quote = _quote_or_404(request, quote_id)
    cae: Any = site_cae()
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step:
        require_cohort(request, Action.COMMERCE_MANAGE, quote.cohort_id)
        if step not in _STEPS:
            return HttpResponseBadRequest()
    data = request.POST if step else None
    services = service_list(user=request.user, cae=cae, cohort_id=quote.cohort_id).filter(
        is_active=True
    )
    step_forms: dict[str, forms.Form] = {
        "service": QuoteServiceLineForm(
            data if step == "service" else None, prefix="service", services=services
        ),
        "free": InvoiceLineForm(
            data if step == "free" else None,
            prefix="free",
            vat_rates=site_vat_rates(),
        ),
        "send": QuoteSendForm(
            data if step == "send" else None,
            prefix="send",
            initial={"recipient_email": quote.client.email},
        ),
    }
    if step:
        form = step_forms.get(step)
        if form is None or form.is_valid():
            try:
                done = _apply(request, quote, step, form.cleaned_data if form else {})
            except ApplicationError as error:
                if form is None:
                    messages.error(request, error.message)
                    return redirect("frontend:quote-detail", quote_id=quote.pk)
                form_add_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("frontend:quote-detail", quote_id=quote.pk)
    return render(
        request,
        "frontend/quote_detail.html",
        {
            "quote": quote,
            "totals": quote_totals(quote=quote),
            "can_manage": can(
                request.user, Action.COMMERCE_MANAGE, cae=cae, cohort_id=quote.cohort_id
            ),
            "forms": step_forms,
        },
        status=400 if step else 200,
    )


def _apply(request: HttpRequest, quote: Quote, step: str, data: dict[str, Any]) -> str:
    """Run the service behind `step`; return the message that says it is done."""
    if step in ("service", "free"):
        quote_line_add(quote=quote, **data)
        return _("La ligne est ajoutée.")
    if step == "remove-line":
        line_id = request.POST.get("line", "")
        line = (
            quote_line_get(quote_id=quote.pk, line_id=int(line_id)) if line_id.isdigit() else None
        )
        if line is None:
            raise Http404
        quote_line_remove(line=line)
        return _("La ligne est retirée.")
    if step == "send":
        sending = quote_send(
            quote=quote, by=request.user, recipient_email=data["recipient_email"] or None
        )
        return _("Le devis %(number)s part par e-mail à %(to)s.") % {
            "number": sending.quote.number,
            "to": sending.quote.recipient_email,
        }
    sending = quote_resend(quote=quote, by=request.user)
    return _("Le devis part à nouveau à %(to)s ; le lien précédent ne fonctionne plus.") % {
        "to": sending.quote.recipient_email
    }


@require(Action.CAE_VIEW)
def quote_pdf_view(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote_or_404(request, quote_id)
    return pdf_response(quote_pdf(quote=quote), _pdf_name(quote))


# --- The client's side: no account, the single-use link of the email -----------------------


def _expiry_message(quote: Quote) -> str:
    # The words of quote_answer's refusal, shown before the client tries to answer.
    return _(
        "Ce devis a expiré le %(date)s : contactez la coopérative pour en obtenir un nouveau."
    ) % {"date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")}


def _public_page(
    request: HttpRequest, quote: Quote, token: str, form: QuoteAnswerForm, status: int = 200
) -> HttpResponse:
    expired = quote.valid_until < timezone.localdate()
    return render(
        request,
        "frontend/quote_public.html",
        {
            "quote": quote,
            "token": token,
            "totals": quote_totals(quote=quote),
            "seller": site_cae(),
            "form": form,
            "expiry_message": _expiry_message(quote) if expired else "",
        },
        status=status,
    )


def quote_public(request: HttpRequest, token: str) -> HttpResponse:
    """What the client sees from the link in the quote email, and their answer."""
    quote = quote_by_token(token=token)
    if quote is None:
        return render(request, "frontend/link_invalid.html", status=404)
    if request.method != "POST":
        return _public_page(request, quote, token, QuoteAnswerForm())
    form = QuoteAnswerForm(request.POST)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        form.add_error(None, _("Choisissez d'accepter ou de refuser le devis."))
    if form.is_valid():
        try:
            answered = quote_answer(
                token=token, accept=answer == "accept", comment=form.cleaned_data["comment"]
            )
        except ApplicationError as error:
            if quote_by_token(token=token) is None:  # answered meanwhile, or a newer link
                return render(request, "frontend/link_invalid.html", status=404)
            form_add_errors(form, error)
        else:
            return render(
                request,
                "frontend/quote_answered.html",
                {"quote": answered, "seller": site_cae()},
            )
    return _public_page(request, quote, token, form, status=400)


def quote_public_pdf(request: HttpRequest, token: str) -> HttpResponse:
    quote = quote_by_token(token=token)
    if quote is None:
        return render(request, "frontend/link_invalid.html", status=404)
    return pdf_response(quote_pdf(quote=quote), _pdf_name(quote))
