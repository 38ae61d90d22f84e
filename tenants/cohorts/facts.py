"""A cohort's facts for the national indicators: counts and sums only, computed in its CAE's
schema and published to the network's store (network/indicators). No person can be told apart
from these numbers alone; the store masks small groups when it shows them (docs/indicators.md).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tenants.billing.models import InvoiceStatus, Payment, Refund
from tenants.cohorts.activity import cohort_activity
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.cohorts.rules import age_on
from tenants.commerce.models import Client, ClientKind, JobStatus
from tenants.governance.models import Meeting
from tenants.ledger.selectors import cohort_profit_and_loss
from tenants.pay.models import PayLine, PayRunStatus
from tenants.people.models import Enrolment, EnrolmentStatus, Gender, Outcome, StatusAtEntry

ZERO = Decimal("0.00")
AMOUNT = DecimalField(max_digits=14, decimal_places=2)
# The whole life of a cohort in its books (invoices may be dated after it ends).
ALL_TIME = (datetime.date(1900, 1, 1), datetime.date(2999, 12, 31))


@dataclass(frozen=True)
class CohortFacts:
    cohort_id: int
    name: str
    programme: str
    status: str
    territory_kind: str
    town: str
    starts_on: datetime.date
    ends_on: datetime.date
    # Recruitment: informed → applicants → members (enrolled) → completed
    people_informed: int
    applicants: int
    members: int
    withdrawn: int
    completed: int  # still enrolled when the cohort closed; 0 until it does
    women: int
    men: int
    gender_other: int  # other or not said
    age_under_18: int  # age at the cohort's start
    age_18_25: int
    age_over_25: int
    qpv_residents: int
    entry_school: int
    entry_jobseeker: int
    entry_employed: int
    entry_other: int
    outcome_job: int
    outcome_training: int
    outcome_business: int
    outcome_other: int  # other or unknown, once recorded
    # Economy
    jobs_done: int
    clients_individual: int
    clients_company: int
    clients_association: int
    clients_public_body: int
    revenue_excl_vat: Decimal  # issued invoices less credit notes
    collected: Decimal  # money received from clients, less refunds (incl. VAT)
    expenses_excl_vat: Decimal  # purchases, payment fees, CAE contribution and members' pay
    pay_total: Decimal  # decided pay runs
    members_paid: int
    hours_worked: Decimal
    # Cooperative life
    training_sessions: int
    training_member_hours: Decimal  # hours attended, summed over members
    meetings: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _age_band(age: int) -> str:
    if age < 18:
        return "age_under_18"
    return "age_18_25" if age <= 25 else "age_over_25"


_GENDER: dict[str, str] = {Gender.FEMALE: "women", Gender.MALE: "men"}
_ENTRY: dict[str, str] = {
    StatusAtEntry.SCHOOL: "entry_school",
    StatusAtEntry.JOBSEEKER: "entry_jobseeker",
    StatusAtEntry.EMPLOYED: "entry_employed",
}
_OUTCOME: dict[str, str] = {
    Outcome.JOB: "outcome_job",
    Outcome.TRAINING: "outcome_training",
    Outcome.BUSINESS: "outcome_business",
}
_CLIENTS: dict[str, str] = {
    ClientKind.INDIVIDUAL: "clients_individual",
    ClientKind.COMPANY: "clients_company",
    ClientKind.ASSOCIATION: "clients_association",
    ClientKind.PUBLIC_BODY: "clients_public_body",
}


def _people(cohort: Cohort) -> Counter[str]:
    """Counts over the cohort's enrolments (one query; a cohort has a few dozen at most)."""
    counts: Counter[str] = Counter()
    closed = cohort.status in {CohortStatus.CLOSED, CohortStatus.ARCHIVED}
    enrolments = Enrolment.objects.filter(cohort=cohort).select_related("member")
    for enrolment in enrolments:
        member = enrolment.member
        withdrawn = enrolment.status == EnrolmentStatus.WITHDRAWN
        counts["members"] += 1
        counts["withdrawn"] += withdrawn
        counts["completed"] += closed and not withdrawn
        counts[_GENDER.get(member.gender, "gender_other")] += 1
        counts[_age_band(age_on(member.birth_date, cohort.starts_on))] += 1
        counts["qpv_residents"] += member.qpv_resident
        counts[_ENTRY.get(member.status_at_entry, "entry_other")] += 1
        if enrolment.outcome:
            counts[_OUTCOME.get(enrolment.outcome, "outcome_other")] += 1
    return counts


def _clients(cohort_id: int) -> Counter[str]:
    """The clients the cohort worked or invoiced for, once each, by kind (one query)."""
    worked_for = Q(jobs__cohort_id=cohort_id) & ~Q(jobs__status=JobStatus.CANCELLED)
    invoiced = Q(invoices__cohort_id=cohort_id, invoices__status=InvoiceStatus.ISSUED)
    ids = Client.objects.filter(worked_for | invoiced).values("pk")
    rows = Client.objects.filter(pk__in=ids).values("kind").annotate(count=Count("pk"))
    return Counter({_CLIENTS[row["kind"]]: row["count"] for row in rows})


def cohort_facts(*, cohort: Cohort) -> CohortFacts:
    """Everything the national indicators need about one cohort (about a dozen queries)."""
    activity = cohort_activity(cohort_id=cohort.pk, decisions=0)
    pnl = cohort_profit_and_loss(cohort_id=cohort.pk, start=ALL_TIME[0], end=ALL_TIME[1])
    pay = PayLine.objects.filter(
        run__cohort_id=cohort.pk, run__status__in=[PayRunStatus.DECIDED, PayRunStatus.EXPORTED]
    ).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT),
        paid=Count("member", filter=Q(amount__gt=0), distinct=True),
    )
    received = Payment.objects.filter(invoice__cohort_id=cohort.pk).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT)
    )["total"]
    refunded = Refund.objects.filter(payment__invoice__cohort_id=cohort.pk).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT)
    )["total"]
    people, clients = _people(cohort), _clients(cohort.pk)
    return CohortFacts(
        cohort_id=cohort.pk,
        name=cohort.name,
        programme=cohort.programme,
        status=cohort.status,
        territory_kind=cohort.territory_kind,
        town=cohort.town,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        people_informed=cohort.people_informed,
        applicants=cohort.applicants,
        members=people["members"],
        withdrawn=people["withdrawn"],
        completed=people["completed"],
        women=people["women"],
        men=people["men"],
        gender_other=people["gender_other"],
        age_under_18=people["age_under_18"],
        age_18_25=people["age_18_25"],
        age_over_25=people["age_over_25"],
        qpv_residents=people["qpv_residents"],
        entry_school=people["entry_school"],
        entry_jobseeker=people["entry_jobseeker"],
        entry_employed=people["entry_employed"],
        entry_other=people["entry_other"],
        outcome_job=people["outcome_job"],
        outcome_training=people["outcome_training"],
        outcome_business=people["outcome_business"],
        outcome_other=people["outcome_other"],
        jobs_done=activity.jobs_done,
        clients_individual=clients["clients_individual"],
        clients_company=clients["clients_company"],
        clients_association=clients["clients_association"],
        clients_public_body=clients["clients_public_body"],
        revenue_excl_vat=activity.revenue_excl_vat,
        collected=received - refunded,
        expenses_excl_vat=pnl.purchases + pnl.fees + pnl.contribution + pay["total"],
        pay_total=pay["total"],
        members_paid=pay["paid"],
        hours_worked=activity.hours_worked,
        training_sessions=activity.trainings.sessions,
        training_member_hours=activity.trainings.member_hours_attended,
        meetings=Meeting.objects.filter(cohort_id=cohort.pk).count(),
    )


def facts_of_schema(cohort_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The facts of the current CAE's cohorts (those given, or all): the indicators' source."""
    cohorts = Cohort.objects.order_by("pk")
    if cohort_ids is not None:
        cohorts = cohorts.filter(pk__in=cohort_ids)
    computed_at = timezone.now()  # read before: a later computation always has a later stamp
    return [
        {**cohort_facts(cohort=cohort).as_dict(), "computed_at": computed_at} for cohort in cohorts
    ]
