"""Reading pay runs, and what a répartition is computed from: the cohort's result (ledger) and
the hours its members worked on the jobs of the period."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from tenants.commerce.models import Job, JobAssignment, JobStatus
from tenants.ledger.selectors import cohort_profit_and_loss
from tenants.pay.computation import MemberHours
from tenants.pay.models import PayLine, PayRun
from tenants.people.models import Enrolment, EnrolmentStatus

ZERO = Decimal("0.00")
COUNTED_JOBS = (JobStatus.DONE, JobStatus.INVOICED)


def pay_result_of_period(*, cohort_id: int, start: datetime.date, end: datetime.date) -> Decimal:
    """The cohort's result over the period, as the ledger reckons it (what may be shared)."""
    return cohort_profit_and_loss(cohort_id=cohort_id, start=start, end=end).result


def pay_hours_of_period(
    *, cohort_id: int, start: datetime.date, end: datetime.date
) -> dict[int, Decimal]:
    """Hours worked per member on the cohort's jobs done or invoiced whose last slot falls in
    the period (one query). A job counts once, in the period it was finished in."""
    rows = (
        JobAssignment.objects.filter(job__in=_jobs_finished_between(cohort_id, start, end))
        .values("member_id")
        .annotate(
            hours=Coalesce(
                Sum("hours_worked"),
                Value(ZERO),
                output_field=DecimalField(max_digits=10, decimal_places=2),
            )
        )
        .order_by("member_id")
    )
    return {row["member_id"]: row["hours"] for row in rows}


def _jobs_finished_between(
    cohort_id: int, start: datetime.date, end: datetime.date
) -> QuerySet[Any, Any]:
    return (
        Job.objects.filter(cohort_id=cohort_id, status__in=COUNTED_JOBS)
        .annotate(last_day=Max("slots__date"))
        .filter(last_day__gte=start, last_day__lte=end)
        .values("pk")
    )


def pay_members_of_period(
    *, cohort_id: int, start: datetime.date, end: datetime.date
) -> list[MemberHours]:
    """Who a répartition of the period pays: every member enrolled at some time during it
    (withdrawn ones too), plus anyone with hours on its jobs, with their hours (two queries)."""
    hours = pay_hours_of_period(cohort_id=cohort_id, start=start, end=end)
    enrolments = Enrolment.objects.filter(cohort_id=cohort_id).filter(
        Q(enrolled_on__lte=end) & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=start))
        | Q(member_id__in=list(hours))
    )
    withdrawn = {
        member_id: status == EnrolmentStatus.WITHDRAWN
        for member_id, status in enrolments.values_list("member_id", "status")
    }
    return [
        MemberHours(
            member_id=member_id,
            hours=hours.get(member_id, ZERO),
            withdrawn=withdrawn.get(member_id, False),
        )
        for member_id in sorted(set(withdrawn) | set(hours))
    ]


def pay_run_list(*, cohort_id: int, settled_only: bool = False) -> QuerySet[PayRun]:
    """A cohort's pay runs, the latest period first (only decided ones with `settled_only`)."""
    runs = PayRun.objects.filter(cohort_id=cohort_id).select_related("cohort", "decision__proposal")
    if settled_only:
        runs = runs.settled()
    return runs.order_by("-period_end", "-pk")


def pay_run_get(*, pay_run_id: int) -> PayRun | None:
    """The run, whoever may see it: callers check its cohort with coopilote.access."""
    return (
        PayRun.objects.select_related("cohort", "decision__proposal").filter(pk=pay_run_id).first()
    )


def pay_line_list(*, pay_run: PayRun, member_user_id: int | None = None) -> QuerySet[PayLine]:
    """The run's lines with their members, by name; only the line of the member whose account
    is `member_user_id` when given (what a coopérant·e sees of a decided run)."""
    lines = PayLine.objects.filter(run=pay_run).select_related("member")
    if member_user_id is not None:
        lines = lines.filter(member__user_id=member_user_id)
    return lines.order_by("member__last_name", "member__first_name", "member_id")
