"""Members' pay on a CAE's site: a cohort's répartitions, the form to propose one, the computed
table, the decision (with the cohort's adopted vote that took it, if any), and the payroll file
for CAE staff. Same rules as api/v1/pay.py: names
and every line for PAY_PREPARE (animateur·rices, staff); a coopérant·e sees their own line."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.forms import PayRunDecideForm, PayRunForm, form_add_errors
from tenants.cohorts.selectors import cohort_get
from tenants.governance.models import Decision
from tenants.governance.selectors import adopted_decision_list
from tenants.pay.export import payroll_export
from tenants.pay.models import PayRun, SharingRule
from tenants.pay.selectors import pay_line_list, pay_run_get, pay_run_list
from tenants.pay.services import pay_run_create, pay_run_decide, pay_run_delete, pay_run_update


def _form(data: Any = None, **kwargs: Any) -> PayRunForm:
    return PayRunForm(data, sharing_rules=SharingRule.choices, **kwargs)


def _decision_label(decision: Decision) -> str:
    closed_on = timezone.localtime(decision.closed_at).strftime("%d/%m/%Y")
    return f"{closed_on} · {decision.proposal.question} · {decision.text}"


def _decide_form(run: PayRun, data: Any = None) -> PayRunDecideForm:
    """The cohort's adopted decisions, the latest first, to say which vote decided the run."""
    return PayRunDecideForm(
        data,
        decisions=adopted_decision_list(cohort_id=run.cohort_id),
        describe=_decision_label,
    )


def _run_fields(form: PayRunForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["above_result_reason"] = data.get("above_result_reason") or ""
    return data


@require(Action.CAE_VIEW)
def pay_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's répartitions, and the form to propose one (this month by default)."""
    require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    cae = site_cae()
    may_prepare = can(request.user, Action.PAY_PREPARE, cae=cae, cohort_id=cohort_id)
    if request.method == "POST":
        if not may_prepare:
            raise PermissionDenied
        form = _form(request.POST)
        if form.is_valid():
            try:
                run = pay_run_create(
                    cohort=cohort,
                    by=request.user,
                    may_exceed_result=can(request.user, Action.PAY_EXPORT, cae=cae),
                    **_run_fields(form),
                )
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("La répartition est calculée."))
                return redirect("frontend:pay-detail", pay_run_id=run.pk)
    else:
        today = timezone.localdate()
        form = _form(initial={"period_start": today.replace(day=1), "period_end": today})
    context = {
        "cohort": cohort,
        "runs": pay_run_list(cohort_id=cohort.pk),
        "may_prepare": may_prepare,
        "form": form,
    }
    return render(request, "frontend/pay_index.html", context, status=400 if form.errors else 200)


def _run_or_404(request: HttpRequest, pay_run_id: int) -> PayRun:
    run = pay_run_get(pay_run_id=pay_run_id)
    if run is None:
        raise Http404
    require_cohort(request, Action.COMMERCE_VIEW, run.cohort_id)
    return run


def _edit_form(run: PayRun, data: Any = None) -> PayRunForm:
    return _form(
        data,
        initial={
            "period_start": run.period_start,
            "period_end": run.period_end,
            "sharing_rule": run.sharing_rule,
            "retained_rate": run.retained_rate,
            "amount_to_share": run.amount_to_share,
            "above_result_reason": run.above_result_reason,
        },
    )


@require(Action.CAE_VIEW)
def pay_detail(request: HttpRequest, pay_run_id: int) -> HttpResponse:
    """The computed table; recompute or change a draft, decide it, or (staff) export it."""
    run = _run_or_404(request, pay_run_id)
    cae = site_cae()
    may_prepare = can(request.user, Action.PAY_PREPARE, cae=cae, cohort_id=run.cohort_id)
    may_export = can(request.user, Action.PAY_EXPORT, cae=cae)
    step = request.POST.get("step") if request.method == "POST" else None
    if (step == "export" and not may_export) or (step and step != "export" and not may_prepare):
        raise PermissionDenied
    form = _edit_form(run, request.POST if step == "update" else None)
    decide_form = _decide_form(run, request.POST if step == "decide" else None)
    refusal: str | None = None
    try:
        if step == "export":
            payroll = payroll_export(pay_run=run, by=request.user)
            response = HttpResponse(payroll.content, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{payroll.filename}"'
            return response
        if step == "update" and form.is_valid():
            pay_run_update(
                pay_run=run,
                changes=_run_fields(form),
                may_exceed_result=may_export,
            )
            messages.success(request, _("La répartition est recalculée."))
            return redirect("frontend:pay-detail", pay_run_id=run.pk)
        if step == "decide" and decide_form.is_valid():
            pay_run_decide(
                pay_run=run, by=request.user, decision=decide_form.cleaned_data["decision"]
            )
            messages.success(request, _("La décision est enregistrée."))
            return redirect("frontend:pay-detail", pay_run_id=run.pk)
        if step == "delete":
            pay_run_delete(pay_run=run)
            messages.success(request, _("La proposition est supprimée."))
            return redirect("frontend:pay-index", cohort_id=run.cohort_id)
    except ApplicationError as error:
        if step == "update":
            form_add_errors(form, error)
        elif step == "decide" and "decision" in error.details:
            for message in error.details["decision"]:
                decide_form.add_error("decision", message)
        else:
            refusal = error.message
    lines = pay_line_list(pay_run=run, member_user_id=None if may_prepare else request.user.pk)
    context = {
        "run": run,
        "cohort": run.cohort,
        "lines": lines,
        "all_lines": may_prepare,
        "may_prepare": may_prepare,
        "may_export": may_export,
        "form": form,
        "decide_form": decide_form,
        "may_see_decision_log": can(
            request.user, Action.GOVERNANCE_VIEW, cae=cae, cohort_id=run.cohort_id
        ),
        "refusal": refusal,
    }
    status = 400 if step else 200
    return render(request, "frontend/pay_detail.html", context, status=status)
