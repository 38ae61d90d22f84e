"""A cohort with members, jobs done with their hours and an invoice, for the pay tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from coopilote.accounts.models import User
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, Job
from tenants.commerce.services import (
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_slot_add,
)
from tenants.people.models import Enrolment, Member
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.ledger.helpers import issued_invoice
from tests.tenants.people.factories import CohortFactory, MemberFactory, born_aged

D = datetime.date
M = Decimal
JULY = (D(2026, 7, 1), D(2026, 7, 31))


def summer_cohort(**fields: object) -> Cohort:
    return CohortFactory.create(
        starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31), code="cjs-vannes", **fields
    )


def member_in(cohort: Cohort, first_name: str, last_name: str, **fields: object) -> Member:
    member = MemberFactory.create(
        first_name=first_name, last_name=last_name, birth_date=born_aged(17), **fields
    )
    Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=D(2026, 6, 1))
    return member


def job_done(
    cohort: Cohort, day: datetime.date, hours: dict[Member, str], client: Client | None = None
) -> Job:
    """A job of `cohort` on `day`, done, with each member's hours."""
    job = job_create(
        cohort=cohort,
        client=client or ClientFactory.create(),
        quantity=M("3"),
        title="Tonte de pelouse",
        unit="hour",
        unit_price_excl_vat=M("15.00"),
        vat_rate=M("20.0"),
    )
    job_slot_add(job=job, date=day, starts_at=datetime.time(9), ends_at=datetime.time(12))
    for member, worked in hours.items():
        job_hours_record(assignment=job_member_assign(job=job, member=member), hours=M(worked))
    return job_mark_done(job=job)


def revenue(person: User, cohort: Cohort, amount_excl_vat: str, on: datetime.date) -> None:
    """An issued invoice of `amount_excl_vat` HT for the cohort, booked on `on`."""
    issued_invoice(person, cohort=cohort, issued_on=on, lines=(("1", amount_excl_vat, "20.0"),))
