"""Paying an invoice online: the client's side (no account), the dummy provider's checkout page,
and the CAE admin's connection of the CAE's own payment account."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from coopilote.access import Action
from coopilote.errors import ApplicationError
from coopilote.payments import payment_provider
from coopilote.tenancy import current_site_url
from frontend.access import require, site_cae
from frontend.forms import OnlinePaymentForm
from network.payments.services import dummy_payment_events, webhook_receive
from network.registry.services import cae_payment_account_set
from tenants.billing.models import AttemptStatus
from tenants.billing.selectors import (
    invoice_from_link_token,
    invoice_link_url,
    payment_attempt_get,
)
from tenants.billing.services import payment_checkout_start


@require_POST
def invoice_pay(request: HttpRequest, token: str) -> HttpResponse:
    """The client chose to pay (all or part of what is due): off to the checkout page."""
    invoice = invoice_from_link_token(token=token)
    if invoice is None:
        return render(request, "frontend/link_invalid.html", status=404)
    form = OnlinePaymentForm(request.POST)
    if form.is_valid():
        try:
            attempt = payment_checkout_start(invoice=invoice, amount=form.cleaned_data["amount"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            return redirect(attempt.checkout_url)
    else:
        messages.error(request, _("Indiquez un montant en euros, par exemple 45,50."))
    return redirect("frontend:invoice-public", token=token)


def dummy_checkout(request: HttpRequest, public_id: str) -> HttpResponse:
    """The offline provider's checkout page: pay with a test card, or give up."""
    attempt = payment_attempt_get(public_id=public_id)
    if attempt is None or attempt.provider != "dummy":
        raise Http404
    cae: Any = site_cae()
    if request.method == "POST" and attempt.status == AttemptStatus.OPEN:
        metadata = {
            "schema": cae.schema_name,
            "invoice": str(attempt.invoice_id),
            "attempt": str(attempt.public_id),
        }
        if request.POST.get("choice") != "pay":
            return redirect(invoice_link_url(invoice=attempt.invoice))
        events = dummy_payment_events(
            account=cae.payment_account,
            session_id=attempt.session_id,
            amount_cents=int(attempt.amount * 100),
            metadata=metadata,
        )
        with schema_context("public"):  # delivered as the provider would: to the webhook
            for payload, signature in events:
                webhook_receive(provider_name="dummy", payload=payload, signature=signature)
        return redirect(f"{invoice_link_url(invoice=attempt.invoice)}?paiement=merci")
    return render(request, "frontend/dummy_checkout.html", {"attempt": attempt})


@require(Action.CAE_SETTINGS)
def payment_settings(request: HttpRequest) -> HttpResponse:
    """The CAE admin connects the CAE's own payment account (Stripe Connect onboarding)."""
    cae: Any = site_cae()
    if request.method == "POST":
        page = f"{current_site_url()}/parametres/paiement-en-ligne/"
        onboarding = payment_provider().onboarding_start(
            account=cae.payment_account,
            slug=cae.slug,
            email=request.user.email,  # type: ignore[union-attr]
            return_url=page,
            refresh_url=page,
        )
        if onboarding.account != cae.payment_account:
            cae_payment_account_set(cae=cae, account=onboarding.account)
            messages.success(request, _("Le compte de paiement de la CAE est enregistré."))
        return redirect(onboarding.url)
    return render(
        request,
        "frontend/payment_settings.html",
        {"account": cae.payment_account, "provider": payment_provider().name},
    )
