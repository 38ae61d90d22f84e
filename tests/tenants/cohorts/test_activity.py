"""A cohort's activity in figures: right on a known dataset, and never another cohort's."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.billing.models import Invoice
from tenants.billing.services import credit_note_issue
from tenants.cohorts.activity import cohort_activity
from tenants.commerce.models import JobAssignment, JobStatus
from tenants.people.models import Enrolment, EnrolmentStatus
from tests.conftest import World
from tests.tenants.billing.test_api import _issued
from tests.tenants.commerce.factories import ClientFactory, JobFactory, enrolled_member

pytestmark = pytest.mark.django_db


def test_the_activity_adds_up_jobs_hours_clients_revenue_and_members(world: World) -> None:
    # Two invoices of 60 € excl. VAT (4 h at 15 €), each for a client of its own; one credited.
    credited, _kept = _issued(world), _issued(world)
    with tenant_context(world.cae):
        lina = enrolled_member(world.cohort, first_name="Lina")
        enrolled_member(world.cohort, first_name="Noé")
        Enrolment.objects.filter(member=lina).update(
            status=EnrolmentStatus.WITHDRAWN, withdrawn_on=world.cohort.starts_on
        )
        regular = ClientFactory.create(name="Boulangerie")
        done = JobFactory.create(
            cohort=world.cohort, client=regular, status=JobStatus.DONE, done_at=timezone.now()
        )
        JobFactory.create(cohort=world.cohort, client=regular)  # planned, same client
        JobFactory.create(cohort=world.cohort, status=JobStatus.CANCELLED)  # not a client
        JobAssignment.objects.create(job=done, member=lina, hours_worked=Decimal("3.50"))
        other = JobFactory.create(
            cohort=world.other_cohort, status=JobStatus.DONE, done_at=timezone.now()
        )
        JobAssignment.objects.create(
            job=other, member=enrolled_member(world.other_cohort), hours_worked=Decimal("8")
        )
        credit_note_issue(
            invoice=Invoice.objects.get(pk=credited),
            by=world.personas["staff"],
            reason="Geste commercial",
            issued_on=datetime.date(2026, 8, 2),
        )

        activity = cohort_activity(cohort_id=world.cohort.pk)

    assert activity.members_enrolled == 2
    assert activity.members_withdrawn == 1
    assert activity.jobs_done == 1
    assert activity.jobs_planned == 1
    assert activity.clients == 3  # the two invoiced clients and the bakery, once each
    assert activity.hours_worked == Decimal("3.50")
    assert activity.invoices_issued == 2
    assert activity.revenue_excl_vat == Decimal("60.00")  # 120 € invoiced, 60 € credited
    assert activity.decisions == []
