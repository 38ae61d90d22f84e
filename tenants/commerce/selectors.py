"""Reading services, quotes and jobs (narrowed to the cohorts a person may see), the calendar,
and the CAE's clients."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from coopilote.access import Action, cohort_scope
from coopilote.totals import Totals, totals_of
from tenants.commerce.models import (
    Client,
    ClientContact,
    Job,
    JobAssignment,
    JobSlot,
    JobStatus,
    Quote,
    QuoteLine,
    QuoteStatus,
    Service,
)
from tenants.people.models import Member


def service_list(
    *,
    user: Any,
    cae: Any,
    cohort_id: int | None = None,
    action: Action = Action.COMMERCE_VIEW,
) -> QuerySet[Service]:
    """The services of the cohorts on which `user` may do `action` (of `cohort_id` if given)."""
    scope = cohort_scope(user, action, cae=cae)
    services = Service.objects.all()
    if scope is not None:
        services = services.in_cohorts(scope)
    if cohort_id is not None:
        services = services.filter(cohort_id=cohort_id)
    return services.order_by("name", "pk")


def service_get(*, service_id: int) -> Service | None:
    """The service, whoever may see it: callers check its cohort with coopilote.access."""
    return Service.objects.filter(pk=service_id).first()


def client_list() -> QuerySet[Client]:
    """The CAE's clients, shared by all its cohorts, each with its contacts."""
    contacts = ClientContact.objects.order_by("full_name", "pk")
    return Client.objects.prefetch_related(Prefetch("contacts", queryset=contacts)).order_by(
        "name", "pk"
    )


def client_get(*, client_id: int) -> Client | None:
    return client_list().filter(pk=client_id).first()


def _in_scope(queryset: QuerySet[Any], user: Any, cae: Any, action: Action) -> QuerySet[Any]:
    scope = cohort_scope(user, action, cae=cae)
    return queryset if scope is None else queryset.filter(cohort_id__in=scope)


# --- Quotes --------------------------------------------------------------------------------


def quote_list(
    *,
    user: Any,
    cae: Any,
    cohort_id: int | None = None,
    status: str | None = None,
    action: Action = Action.COMMERCE_VIEW,
) -> QuerySet[Quote]:
    """The quotes of the cohorts on which `user` may do `action`, newest first."""
    quotes = _in_scope(Quote.objects.select_related("client"), user, cae, action)
    if cohort_id is not None:
        quotes = quotes.filter(cohort_id=cohort_id)
    if status is not None:
        quotes = quotes.filter(status=status)
    return quotes.prefetch_related("lines").order_by("-created_at", "-pk")


def quote_get(*, quote_id: int) -> Quote | None:
    """The quote with its client and lines, whoever may see it: callers check its cohort."""
    return (
        Quote.objects.select_related("client", "cohort")
        .prefetch_related("lines")
        .filter(pk=quote_id)
        .first()
    )


def quote_line_get(*, quote_id: int, line_id: int) -> QuoteLine | None:
    return QuoteLine.objects.filter(pk=line_id, quote_id=quote_id).first()


def quote_token_hash(token: str) -> str:
    """What is stored of an answer link's token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def quote_by_token(*, token: str) -> Quote | None:
    """The sent quote a client's answer link is for, while the link is still valid."""
    if not token:
        return None
    return (
        Quote.objects.select_related("client", "cohort")
        .prefetch_related("lines")
        .filter(response_token_hash=quote_token_hash(token), status=QuoteStatus.SENT)
        .first()
    )


def quote_totals(*, quote: Quote) -> Totals:
    """A sent quote's frozen totals, or what a draft's lines add up to now."""
    if quote.status == QuoteStatus.DRAFT:
        return totals_of(quote.lines.all())
    return Totals(excl_vat=quote.total_excl_vat, vat=quote.total_vat)


# --- Jobs and the calendar -----------------------------------------------------------------


def _jobs() -> QuerySet[Job]:
    assignments = JobAssignment.objects.select_related("member").order_by("pk")
    return Job.objects.select_related("client").prefetch_related(
        "slots", Prefetch("assignments", queryset=assignments)
    )


def job_list(
    *,
    user: Any,
    cae: Any,
    cohort_id: int | None = None,
    status: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    action: Action = Action.COMMERCE_VIEW,
) -> QuerySet[Job]:
    """The jobs of the cohorts `user` may see; with `start`/`end`, those with a slot between."""
    jobs = _in_scope(_jobs(), user, cae, action)
    if cohort_id is not None:
        jobs = jobs.filter(cohort_id=cohort_id)
    if status is not None:
        jobs = jobs.filter(status=status)
    if start is not None or end is not None:
        slots = JobSlot.objects.filter(job=OuterRef("pk"))
        if start is not None:
            slots = slots.filter(date__gte=start)
        if end is not None:
            slots = slots.filter(date__lte=end)
        jobs = jobs.filter(Exists(slots))
    return jobs.order_by("-created_at", "-pk")


def job_get(*, job_id: int) -> Job | None:
    """The job with its slots and assignments, whoever may see it: callers check its cohort."""
    return _jobs().filter(pk=job_id).first()


def job_slot_get(*, job_id: int, slot_id: int) -> JobSlot | None:
    return JobSlot.objects.filter(pk=slot_id, job_id=job_id).first()


def job_assignment_get(*, job_id: int, assignment_id: int) -> JobAssignment | None:
    return JobAssignment.objects.filter(pk=assignment_id, job_id=job_id).first()


def job_member_candidate_get(*, job: Job, member_id: int) -> Member | None:
    """A member who is (or was) enrolled in the job's cohort; others stay unknown."""
    return Member.objects.filter(pk=member_id, enrolments__cohort_id=job.cohort_id).first()


def calendar_slots(
    *,
    user: Any,
    cae: Any,
    start: datetime.date,
    end: datetime.date,
    cohort_id: int | None = None,
) -> QuerySet[JobSlot]:
    """The slots between `start` and `end` (inclusive) of the jobs `user` may see, in time
    order, with their job, client and members; cancelled jobs are left out."""
    scope = cohort_scope(user, Action.COMMERCE_VIEW, cae=cae)
    slots = JobSlot.objects.filter(date__gte=start, date__lte=end).exclude(
        job__status=JobStatus.CANCELLED
    )
    if scope is not None:
        slots = slots.filter(job__cohort_id__in=scope)
    if cohort_id is not None:
        slots = slots.filter(job__cohort_id=cohort_id)
    assignments = JobAssignment.objects.select_related("member").order_by("pk")
    return (
        slots.select_related("job", "job__client", "job__cohort")
        .prefetch_related(Prefetch("job__assignments", queryset=assignments))
        .order_by("date", "starts_at", "ends_at", "pk")
    )


# --- A client's history --------------------------------------------------------------------


@dataclass(frozen=True)
class ClientHistory:
    client: Client
    quotes: QuerySet[Quote]
    jobs: QuerySet[Job]
    invoices: QuerySet[Any]


def client_history(
    *, client_id: int, cohort_ids: Iterable[int] | None = None
) -> ClientHistory | None:
    """What the CAE did with a client: quotes, jobs and invoices, newest first (narrowed to
    `cohort_ids` unless None: a client is shared, a cohort's business is its own)."""
    from tenants.billing.models import Invoice  # billing's models import this app's

    client = client_get(client_id=client_id)
    if client is None:
        return None
    quotes = Quote.objects.filter(client_id=client_id).select_related("cohort")
    jobs = Job.objects.filter(client_id=client_id).select_related("cohort")
    invoices = Invoice.objects.filter(client_id=client_id).select_related("cohort")
    if cohort_ids is not None:
        cohorts = frozenset(cohort_ids)
        quotes = quotes.filter(cohort_id__in=cohorts)
        jobs = jobs.filter(cohort_id__in=cohorts)
        invoices = invoices.filter(cohort_id__in=cohorts)
    return ClientHistory(
        client=client,
        quotes=quotes.order_by("-created_at", "-pk"),
        jobs=jobs.order_by("-created_at", "-pk"),
        invoices=invoices.order_by("-created_at", "-pk"),
    )
