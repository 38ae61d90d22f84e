"""The CAE's books on its site: the "Comptabilité" page (FEC download, unpaid invoices of every
cohort) for CAE staff, and each cohort's "Résultat" page (P&L and unpaid invoices by age) for
CAE staff and the cohort's own people, who already see its invoices (COMMERCE_VIEW)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.forms import ContributionRateForm, DateInput, form_add_errors
from tenants.cohorts.selectors import cohort_get
from tenants.cohorts.services import cohort_update
from tenants.ledger.fec import fec_export
from tenants.ledger.selectors import (
    AGEING_LABELS,
    UnpaidReport,
    cohort_profit_and_loss,
    unpaid_invoices,
)


class FecForm(forms.Form):
    year_end = forms.DateField(label=_("Date de clôture de l'exercice"), widget=DateInput())
    year_start = forms.DateField(
        label=_("Date d'ouverture de l'exercice"),
        required=False,
        help_text=_("Laissez vide pour un exercice de douze mois."),
        widget=DateInput(),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("year_start"), data.get("year_end")
        if start and end and start > end:
            self.add_error("year_start", _("L'exercice commence après sa clôture."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("Du"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Au"), required=False, widget=DateInput())


def _ageing_rows(report: UnpaidReport) -> list[tuple[Any, Any]]:
    return [(AGEING_LABELS[bucket], amount) for bucket, amount in report.by_ageing.items()]


@require(Action.LEDGER_VIEW)
def ledger_home(request: HttpRequest) -> HttpResponse:
    """The FEC of a fiscal year, and what the clients of every cohort still owe."""
    today = timezone.localdate()
    form = FecForm(
        request.GET if "year_end" in request.GET else None,
        initial={"year_end": datetime.date(today.year - 1, 12, 31)},
    )
    if form.is_bound and form.is_valid():
        try:
            fec = fec_export(
                fiscal_year_end=form.cleaned_data["year_end"],
                fiscal_year_start=form.cleaned_data["year_start"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            response = HttpResponse(fec.content, content_type="text/plain; charset=iso-8859-15")
            response["Content-Disposition"] = f'attachment; filename="{fec.filename}"'
            return response
    report = unpaid_invoices()
    context = {"form": form, "report": report, "ageing": _ageing_rows(report)}
    return render(request, "frontend/ledger_home.html", context, status=400 if form.errors else 200)


@require(Action.CAE_VIEW)
def cohort_result(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's profit and loss over a period (this year by default) and its unpaid invoices;
    CAE staff set the CAE's contribution rate here."""
    require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    may_set_rate = can(request.user, Action.COHORT_MANAGE, cae=site_cae(), cohort_id=cohort.pk)
    rate_form = ContributionRateForm(
        request.POST if request.method == "POST" else None,
        initial={"cae_contribution_rate": cohort.cae_contribution_rate},
    )
    if request.method == "POST":
        if not may_set_rate:
            raise PermissionDenied
        if rate_form.is_valid():
            try:
                cohort_update(cohort=cohort, **rate_form.cleaned_data)
            except ApplicationError as error:
                form_add_errors(rate_form, error)
            else:
                messages.success(request, _("La contribution de la CAE est enregistrée."))
                return redirect(request.get_full_path())
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    period = form.cleaned_data if form.is_bound and form.is_valid() else {}
    end = period.get("end") or today
    start = period.get("start") or datetime.date(end.year, 1, 1)
    if start > end:
        start, end = end, start
    report = unpaid_invoices(cohort_id=cohort.pk)
    context = {
        "cohort": cohort,
        "form": form if form.is_bound else PeriodForm(initial={"start": start, "end": end}),
        "pnl": cohort_profit_and_loss(cohort_id=cohort.pk, start=start, end=end),
        "report": report,
        "ageing": _ageing_rows(report),
        "may_set_rate": may_set_rate,
        "rate_form": rate_form,
    }
    return render(
        request,
        "frontend/ledger_cohort_result.html",
        context,
        status=400 if rate_form.is_bound else 200,
    )
