"""A cohort with members, jobs done with their hours and an invoice, for the pay tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

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
from tenants.governance.models import Decision, ProposalKind
from tenants.governance.services import (
    ballot_cast,
    proposal_close,
    proposal_create,
    proposal_open,
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


def vote_decision(
    cohort: Cohort,
    by: User,
    *,
    adopted: bool = True,
    question: str = "Répartir au prorata des heures ?",
) -> Decision:
    """A yes/no vote of the cohort, closed: its first member votes "Pour" (adopted) or
    "Contre" (rejected); no quorum, so that one ballot decides."""
    voter = Enrolment.objects.filter(cohort=cohort).order_by("pk").first()
    assert voter is not None, "the cohort needs a member to vote"
    vote = proposal_open(
        proposal=proposal_create(
            cohort=cohort,
            by=by,
            question=question,
            kind=ProposalKind.YES_NO,
            closes_at=timezone.now() + datetime.timedelta(days=7),
            quorum_percent=0,
        )
    )
    choice = vote.options.get(label="Pour" if adopted else "Contre")
    ballot_cast(proposal=vote, member=voter.member, option=choice)
    return proposal_close(proposal=vote)
