"""Cohort purchases on a CAE's site: the cohort's people request them with a receipt, CAE staff
approve or refuse them and record their payment (which books them). Receipts are downloaded
only through a view that checks who asks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.forms import PurchaseForm, PurchasePayForm, PurchaseRefuseForm, form_add_errors
from tenants.cohorts.selectors import cohort_get
from tenants.ledger.models import Purchase
from tenants.ledger.selectors import purchase_get, purchase_list, purchase_receipt
from tenants.ledger.services import (
    purchase_approve,
    purchase_pay,
    purchase_refuse,
    purchase_request,
)


@require(Action.CAE_VIEW)
def cohort_purchases(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's purchases, and the form to request a new one."""
    require_cohort(request, Action.PURCHASE_REQUEST, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    is_post = request.method == "POST"
    form = PurchaseForm(request.POST if is_post else None, request.FILES if is_post else None)
    if is_post and form.is_valid():
        try:
            purchase = purchase_request(cohort=cohort, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La demande d'achat est envoyée à la CAE."))
            return redirect("frontend:purchase-detail", purchase_id=purchase.pk)
    purchases = purchase_list(user=request.user, cae=site_cae(), cohort_id=cohort.pk)
    return render(
        request,
        "frontend/purchase_list.html",
        {"cohort": cohort, "purchases": purchases, "form": form},
        status=400 if is_post else 200,
    )


def _purchase_or_404(request: HttpRequest, purchase_id: int) -> Purchase:
    purchase = purchase_get(purchase_id=purchase_id)
    if purchase is None:
        raise Http404
    require_cohort(request, Action.PURCHASE_REQUEST, purchase.cohort_id)
    return purchase


@require(Action.CAE_VIEW)
def purchase_detail(request: HttpRequest, purchase_id: int) -> HttpResponse:
    """One purchase; CAE staff approve or refuse it, then record its payment."""
    purchase = _purchase_or_404(request, purchase_id)
    may_decide = can(request.user, Action.PURCHASE_DECIDE, cae=site_cae())
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step and not may_decide:
        raise PermissionDenied
    data = request.POST if step else None
    step_forms: dict[str, forms.Form] = {
        "refuse": PurchaseRefuseForm(data if step == "refuse" else None, prefix="refuse"),
        "pay": PurchasePayForm(
            data if step == "pay" else None,
            prefix="pay",
            initial={"paid_on": timezone.localdate()},
        ),
    }
    if step:
        form = step_forms.get(step)
        if step not in ("approve", *step_forms):
            raise Http404
        if form is None or form.is_valid():
            try:
                done = _apply(request, purchase, step, form.cleaned_data if form else {})
            except ApplicationError as error:
                if form is None:
                    messages.error(request, error.message)
                    return redirect("frontend:purchase-detail", purchase_id=purchase.pk)
                form_add_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("frontend:purchase-detail", purchase_id=purchase.pk)
    return render(
        request,
        "frontend/purchase_detail.html",
        {"purchase": purchase, "may_decide": may_decide, "forms": step_forms},
        status=400 if step else 200,
    )


def _apply(request: HttpRequest, purchase: Purchase, step: str, data: dict[str, Any]) -> str:
    """Run the service behind `step`; return the message that says it is done."""
    if step == "approve":
        purchase_approve(purchase=purchase, by=request.user)
        return _("L'achat est accepté.")
    if step == "refuse":
        purchase_refuse(purchase=purchase, by=request.user, reason=data["reason"])
        return _("L'achat est refusé.")
    purchase_pay(purchase=purchase, by=request.user, paid_on=data["paid_on"], method=data["method"])
    return _("Le paiement de l'achat est enregistré et comptabilisé.")


@require(Action.CAE_VIEW)
def purchase_receipt_view(request: HttpRequest, purchase_id: int) -> HttpResponse:
    """The receipt, as an attachment, for the people who may see the purchase."""
    purchase = _purchase_or_404(request, purchase_id)
    receipt = purchase_receipt(purchase=purchase)
    response = HttpResponse(receipt.content, content_type=receipt.content_type)
    response["Content-Disposition"] = f'attachment; filename="{receipt.filename}"'
    return response
