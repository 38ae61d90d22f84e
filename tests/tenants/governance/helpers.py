"""A cohort with enrolled members and proposals to vote on, for the governance tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from coopilote.accounts.models import User
from tenants.cohorts.models import Cohort
from tenants.governance.models import Option, Proposal, ProposalKind
from tenants.governance.services import proposal_create, proposal_open
from tenants.people.models import Enrolment, Member
from tests.tenants.people.factories import MemberFactory, born_aged

D = datetime.date


def member_in(cohort: Cohort, first_name: str, last_name: str, **fields: Any) -> Member:
    member = MemberFactory.create(
        first_name=first_name, last_name=last_name, birth_date=born_aged(17), **fields
    )
    Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=D(2026, 6, 1))
    return member


def in_a_week() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=7)


def proposal(cohort: Cohort, by: User | None, *, open_now: bool = True, **fields: Any) -> Proposal:
    values: dict[str, Any] = {
        "question": "Tondre à 15 € de l'heure ?",
        "kind": ProposalKind.YES_NO,
        "closes_at": in_a_week(),
        "quorum_percent": 50,
        **fields,
    }
    created = proposal_create(cohort=cohort, by=by, **values)
    return proposal_open(proposal=created) if open_now else created


def option(proposal: Proposal, label: str) -> Option:
    return Option.objects.get(proposal=proposal, label=label)
