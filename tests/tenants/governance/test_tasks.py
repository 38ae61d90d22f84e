"""Votes close on time without anyone clicking: the periodic task closes, in its CAE's schema,
the votes whose closing time has passed; Celery beat sends it to every CAE."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import User
from coopilote.celery import app
from coopilote.tasking.base import MissingTenantError
from network.registry.models import Cae
from tenants.governance.models import Decision, Proposal, ProposalStatus
from tenants.governance.services import ballot_cast, proposal_create, proposal_open
from tenants.governance.tasks import proposals_close_due_task
from tests.tenants.governance.helpers import member_in, option
from tests.tenants.people.factories import CohortFactory


def _due_vote(by: User) -> Proposal:
    """A vote opened an hour ago, where Lina voted "Pour", whose closing time just passed."""
    cohort = CohortFactory.create()
    lina = member_in(cohort, "Lina", "Le Goff")
    now = timezone.now()
    created = proposal_create(
        cohort=cohort,
        by=by,
        question="Tondre à 15 € de l'heure ?",
        kind="yes_no",
        closes_at=now - datetime.timedelta(minutes=1),
    )
    vote = proposal_open(proposal=created, now=now - datetime.timedelta(hours=1))
    ballot_cast(
        proposal=vote,
        member=lina,
        option=option(vote, "Pour"),
        now=now - datetime.timedelta(minutes=30),
    )
    return vote


def test_the_task_closes_the_due_votes_of_its_own_schema(
    cae_alpha: Cae, cae_beta: Cae, person: User
) -> None:
    with tenant_context(cae_alpha):
        due = _due_vote(person)
        not_yet = proposal_open(
            proposal=proposal_create(
                cohort=due.cohort,
                by=person,
                question="Garder 10 % pour le fonds ?",
                kind="yes_no",
                closes_at=timezone.now() + datetime.timedelta(days=1),
            )
        )
    with tenant_context(cae_beta):
        elsewhere = _due_vote(person)

    with tenant_context(cae_alpha):
        closed = proposals_close_due_task()
        again = proposals_close_due_task()

        assert (closed, again) == (1, 0)
        assert Proposal.objects.get(pk=due.pk).status == ProposalStatus.CLOSED
        decision = Decision.objects.get(proposal=due)
        assert (decision.text, decision.participants) == ("Adoptée.", 1)
        assert Proposal.objects.get(pk=not_yet.pk).status == ProposalStatus.OPEN
    with tenant_context(cae_beta):
        assert Proposal.objects.get(pk=elsewhere.pk).status == ProposalStatus.OPEN
        assert not Decision.objects.exists()


def test_the_task_refuses_to_run_without_a_cae(db: None) -> None:
    with schema_context("public"), pytest.raises(MissingTenantError):
        proposals_close_due_task()


def test_beat_sends_the_task_to_every_cae_every_five_minutes() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["close-due-votes"]
    app.loader.import_default_modules()

    assert entry["task"] == "registry.tenant_fanout"
    assert entry["task"] in app.tasks
    kwargs = entry["kwargs"]
    assert isinstance(kwargs, dict)
    assert kwargs["task_name"] == "governance.proposals_close_due"
    assert kwargs["task_name"] in app.tasks
    schedule = entry["schedule"]
    assert getattr(schedule, "minute", None) == set(range(0, 60, 5))
