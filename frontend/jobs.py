"""Jobs (prestations réalisées) on a CAE's site: planned in slots, done by the cohort's members,
then invoiced; and the cohort's week planning (the same decisions as api/v1/jobs.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.commerce import site_vat_rates
from frontend.forms import (
    JobAssignForm,
    JobForm,
    JobHoursForm,
    JobSlotForm,
    PlanningWeekForm,
    form_add_errors,
)
from frontend.views import HtmxHttpRequest
from tenants.cohorts.models import Cohort
from tenants.cohorts.selectors import cohort_get
from tenants.commerce.models import Job, JobAssignment, JobSlot, JobStatus
from tenants.commerce.selectors import (
    calendar_slots,
    client_list,
    job_assignment_get,
    job_get,
    job_list,
    job_slot_get,
    service_list,
)
from tenants.commerce.services import (
    job_cancel,
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_member_unassign,
    job_slot_add,
    job_slot_remove,
)
from tenants.people.models import Enrolment, Member

# The order in which a cohort's jobs are listed: what is still to do first.
STATUS_ORDER = (JobStatus.PLANNED, JobStatus.DONE, JobStatus.INVOICED, JobStatus.CANCELLED)


def _cohort_or_404(request: HttpRequest, cohort_id: int) -> Cohort:
    require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    return cohort


@require(Action.CAE_VIEW)
def job_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's jobs by status, and the form to plan one without a quote."""
    cohort = _cohort_or_404(request, cohort_id)
    cae: Any = site_cae()
    if request.method == "POST":
        require_cohort(request, Action.COMMERCE_MANAGE, cohort_id)
    form = JobForm(
        request.POST or None,
        clients=client_list(),
        services=service_list(user=request.user, cae=cae, cohort_id=cohort_id).filter(
            is_active=True
        ),
        vat_rates=site_vat_rates(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = job_create(cohort=cohort, **form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request, _("La prestation « %(title)s » est prévue.") % {"title": job.title}
            )
            return redirect("frontend:job-detail", job_id=job.pk)
    jobs = list(job_list(user=request.user, cae=cae, cohort_id=cohort_id))
    groups = [
        (status.label, [job for job in jobs if job.status == status]) for status in STATUS_ORDER
    ]
    return render(
        request,
        "frontend/job_index.html",
        {
            "cohort": cohort,
            "groups": groups,
            "can_manage": can(request.user, Action.COMMERCE_MANAGE, cae=cae, cohort_id=cohort_id),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _job_or_404(request: HttpRequest, job_id: int) -> Job:
    job = job_get(job_id=job_id)
    if job is None:
        raise Http404
    require_cohort(request, Action.COMMERCE_VIEW, job.cohort_id)
    return job


def _candidates(job: Job) -> QuerySet[Member]:
    """The members enrolled (not withdrawn) in the job's cohort, not yet on the job."""
    enrolled = Enrolment.objects.enrolled().filter(cohort_id=job.cohort_id)
    return (
        Member.objects.filter(pk__in=enrolled.values("member_id"))
        .exclude(pk__in=job.assignments.values("member_id"))
        .order_by("first_name", "last_name", "pk")
    )


def _posted_id(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else None


_STEPS = frozenset({"slot", "remove-slot", "assign", "unassign", "hours", "done", "cancel"})


@require(Action.CAE_VIEW)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job: its slots, its members and their hours, marking it done or cancelling it."""
    job = _job_or_404(request, job_id)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step:
        require_cohort(request, Action.COMMERCE_MANAGE, job.cohort_id)
        if step not in _STEPS:
            return HttpResponseBadRequest()
    data = request.POST if step else None
    assignments = list(job.assignments.all())
    posted_assignment = _posted_id(request, "assignment") if step == "hours" else None
    hours_forms = [
        (
            assignment,
            JobHoursForm(
                data if assignment.pk == posted_assignment else None,
                prefix=f"hours-{assignment.pk}",
                initial={"hours": assignment.hours_worked},
            ),
        )
        for assignment in assignments
    ]
    step_forms: dict[str, forms.Form] = {
        "slot": JobSlotForm(data if step == "slot" else None, prefix="slot"),
        "assign": JobAssignForm(
            data if step == "assign" else None, prefix="assign", members=_candidates(job)
        ),
    }
    if step == "hours":
        chosen = [form for assignment, form in hours_forms if assignment.pk == posted_assignment]
        if not chosen:
            raise Http404
        step_forms["hours"] = chosen[0]
    if step:
        form = step_forms.get(step)
        if form is None or form.is_valid():
            try:
                done = _apply(request, job, step, form.cleaned_data if form else {})
            except ApplicationError as error:
                if form is None:
                    messages.error(request, error.message)
                    return redirect("frontend:job-detail", job_id=job.pk)
                form_add_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("frontend:job-detail", job_id=job.pk)
    return render(
        request,
        "frontend/job_detail.html",
        {
            "job": job,
            "can_manage": can(
                request.user, Action.COMMERCE_MANAGE, cae=site_cae(), cohort_id=job.cohort_id
            ),
            "full_names": can(
                request.user, Action.MEMBER_VIEW, cae=site_cae(), cohort_id=job.cohort_id
            ),
            "forms": step_forms,
            "hours_forms": hours_forms,
            "invoices": _invoices_of(job),
        },
        status=400 if step else 200,
    )


def _invoices_of(job: Job) -> list[Any]:
    """The invoices that bill the job (one, unless a credit note led to invoicing it again)."""
    seen: dict[int, Any] = {}
    for line in job.invoice_lines.select_related("invoice").order_by("pk"):
        seen.setdefault(line.invoice_id, line.invoice)
    return list(seen.values())


def _slot(job: Job, request: HttpRequest) -> JobSlot:
    slot_id = _posted_id(request, "slot")
    slot = job_slot_get(job_id=job.pk, slot_id=slot_id) if slot_id else None
    if slot is None:
        raise Http404
    return slot


def _assignment(job: Job, request: HttpRequest) -> JobAssignment:
    assignment_id = _posted_id(request, "assignment")
    assignment = (
        job_assignment_get(job_id=job.pk, assignment_id=assignment_id) if assignment_id else None
    )
    if assignment is None:
        raise Http404
    return assignment


def _apply(request: HttpRequest, job: Job, step: str, data: dict[str, Any]) -> str:
    """Run the service behind `step`; return the message that says it is done."""
    if step == "slot":
        job_slot_add(job=job, **data)
        return _("Le créneau est ajouté au planning.")
    if step == "remove-slot":
        job_slot_remove(slot=_slot(job, request))
        return _("Le créneau est retiré du planning.")
    if step == "assign":
        job_member_assign(job=job, member=data["member"])
        return _("%(name)s est affecté·e à la prestation.") % {"name": data["member"].first_name}
    if step == "unassign":
        job_member_unassign(assignment=_assignment(job, request))
        return _("La personne est retirée de la prestation.")
    if step == "hours":
        job_hours_record(assignment=_assignment(job, request), hours=data["hours"])
        return _("Les heures sont enregistrées.")
    if step == "done":
        job_mark_done(job=job)
        return _("La prestation est marquée réalisée : elle peut être facturée.")
    job_cancel(job=job)
    return _("La prestation est annulée.")


# --- The planning --------------------------------------------------------------------------


@require(Action.CAE_VIEW)
def planning(request: HtmxHttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's slots, one week (Monday to Sunday) at a time; htmx swaps only the week."""
    cohort = _cohort_or_404(request, cohort_id)
    week_form = PlanningWeekForm(request.GET)
    day = timezone.localdate()
    if week_form.is_valid() and week_form.cleaned_data["semaine"]:
        day = week_form.cleaned_data["semaine"]
    monday = day - datetime.timedelta(days=day.weekday())
    sunday = monday + datetime.timedelta(days=6)
    slots = list(
        calendar_slots(
            user=request.user, cae=site_cae(), start=monday, end=sunday, cohort_id=cohort_id
        )
    )
    days = [
        (date, [slot for slot in slots if slot.date == date])
        for date in (monday + datetime.timedelta(days=offset) for offset in range(7))
    ]
    context = {
        "cohort": cohort,
        "days": days,
        "monday": monday,
        "sunday": sunday,
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "week_form": week_form,
        "today": timezone.localdate(),
    }
    status = 400 if week_form.errors else 200
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "frontend/planning.html#calendar", context, status=status)
    return render(request, "frontend/planning.html", context, status=status)
