"""A cohort's activity as aggregates: what its local committee partners, the coordinator and
everyone who follows the cohort see (Action.ACTIVITY_VIEW). Counts and sums only: no member,
client or amount of a single person appears here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from tenants.billing.models import CreditNote, Invoice, InvoiceStatus
from tenants.commerce.models import Job, JobAssignment, JobStatus
from tenants.governance.models import Decision
from tenants.governance.selectors import decision_list
from tenants.people.models import Enrolment, EnrolmentStatus
from tenants.trainings.selectors import TrainingIndicators, training_indicators

ZERO = Decimal("0.00")
AMOUNT = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class CohortActivity:
    members_enrolled: int  # ever enrolled in the cohort
    members_withdrawn: int
    jobs_planned: int
    jobs_done: int  # done or invoiced
    clients: int  # distinct clients the cohort worked or invoiced for
    hours_worked: Decimal
    revenue_excl_vat: Decimal  # issued invoices less credit notes
    invoices_issued: int
    trainings: TrainingIndicators
    decisions: list[Decision]  # the decision log: vote results, the latest first


def cohort_activity(*, cohort_id: int, decisions: int = 10) -> CohortActivity:
    """The cohort's figures (a handful of queries whatever its size) and its latest decisions."""
    members = Enrolment.objects.filter(cohort_id=cohort_id).aggregate(
        enrolled=Count("pk"),
        withdrawn=Count("pk", filter=Q(status=EnrolmentStatus.WITHDRAWN)),
    )
    jobs = Job.objects.filter(cohort_id=cohort_id).aggregate(
        planned=Count("pk", filter=Q(status=JobStatus.PLANNED)),
        done=Count("pk", filter=Q(status__in=[JobStatus.DONE, JobStatus.INVOICED])),
    )
    hours = JobAssignment.objects.filter(job__cohort_id=cohort_id).aggregate(
        total=Coalesce(Sum("hours_worked"), Value(ZERO), output_field=AMOUNT)
    )["total"]
    issued = Invoice.objects.filter(cohort_id=cohort_id, status=InvoiceStatus.ISSUED)
    invoiced = issued.aggregate(
        count=Count("pk"),
        total=Coalesce(Sum("total_excl_vat"), Value(ZERO), output_field=AMOUNT),
    )
    credited = CreditNote.objects.filter(invoice__in=issued).aggregate(
        total=Coalesce(Sum("total_excl_vat"), Value(ZERO), output_field=AMOUNT)
    )["total"]
    worked_for = Job.objects.filter(cohort_id=cohort_id).exclude(status=JobStatus.CANCELLED)
    clients = worked_for.values("client_id").union(issued.values("client_id")).count()
    return CohortActivity(
        members_enrolled=members["enrolled"],
        members_withdrawn=members["withdrawn"],
        jobs_planned=jobs["planned"],
        jobs_done=jobs["done"],
        clients=clients,
        hours_worked=hours,
        revenue_excl_vat=invoiced["total"] - credited,
        invoices_issued=invoiced["count"],
        trainings=training_indicators(cohort_id=cohort_id),
        decisions=list(decision_list(cohort_id=cohort_id)[:decisions]) if decisions else [],
    )
