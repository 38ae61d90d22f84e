"""A pay run linked to the cohort's vote that decided it: an adopted decision of the same
cohort, whose closing time becomes the run's decision time; deciding without a vote stays
possible. Through the service, the database, the API and the pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.governance.models import Decision
from tenants.pay.models import PayRun, PayRunStatus, SharingRule
from tenants.pay.services import pay_run_create, pay_run_decide
from tenants.people.models import Member
from tests.conftest import World
from tests.tenants.pay.helpers import (
    JULY,
    D,
    M,
    job_done,
    member_in,
    revenue,
    summer_cohort,
    vote_decision,
)
from tests.tenants.people.factories import CohortFactory


@dataclass(frozen=True)
class Voted:
    cohort: Cohort
    lina: Member
    run: PayRun


def _draft(cohort: Cohort, person: User) -> PayRun:
    return pay_run_create(
        cohort=cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        retained_rate=M("10"),
        by=person,
    )


@pytest.fixture
def voted(in_alpha: Cae, person: User) -> Voted:
    """July: Lina 6 h, Yanis 4 h, 500 € HT; a draft run of the period."""
    cohort = summer_cohort()
    lina = member_in(cohort, "Lina", "Le Goff")
    yanis = member_in(cohort, "Yanis", "Martin")
    job_done(cohort, D(2026, 7, 3), {lina: "6", yanis: "4"})
    revenue(person, cohort, "500.00", D(2026, 7, 20))
    return Voted(cohort=cohort, lina=lina, run=_draft(cohort, person))


def _unchanged(run: PayRun) -> None:
    run.refresh_from_db()
    assert (run.status, run.decision_id, run.decided_at) == (PayRunStatus.DRAFT, None, None)


# --- The service ----------------------------------------------------------------------------


def test_a_run_decided_by_an_adopted_vote_is_linked_to_it(voted: Voted, person: User) -> None:
    decision = vote_decision(voted.cohort, person)

    run = pay_run_decide(pay_run=voted.run, by=person, decision=decision)

    run.refresh_from_db()
    assert run.status == PayRunStatus.DECIDED
    assert run.decision == decision
    assert run.decided_at == decision.closed_at
    assert run.decided_by == person
    assert list(decision.pay_runs.all()) == [run]


def test_a_run_may_still_be_decided_without_a_vote(voted: Voted, person: User) -> None:
    run = pay_run_decide(pay_run=voted.run, by=person)

    run.refresh_from_db()
    assert (run.status, run.decision_id, run.decided_by) == (PayRunStatus.DECIDED, None, person)
    assert run.decided_at is not None


def test_a_decision_of_another_cohort_is_refused(voted: Voted, person: User) -> None:
    other = CohortFactory.create(name="CJS d'Auray")
    member_in(other, "Noah", "Bernard")
    elsewhere = vote_decision(other, person)

    with pytest.raises(ApplicationError) as refused:
        pay_run_decide(pay_run=voted.run, by=person, decision=elsewhere)

    assert refused.value.message == (
        "Cette décision n'est pas dans le registre de cette coopérative."
    )
    assert refused.value.details == {"decision": [refused.value.message]}
    _unchanged(voted.run)


def test_a_rejected_decision_is_refused(voted: Voted, person: User) -> None:
    rejected = vote_decision(voted.cohort, person, adopted=False)

    with pytest.raises(ApplicationError) as refused:
        pay_run_decide(pay_run=voted.run, by=person, decision=rejected)

    assert refused.value.message == (
        "Cette décision n'a pas été adoptée (« Rejetée. ») : une répartition ne peut "
        "s'appuyer que sur une décision adoptée."
    )
    _unchanged(voted.run)


def test_a_decided_run_keeps_its_decision(voted: Voted, person: User) -> None:
    decision = vote_decision(voted.cohort, person)
    another = vote_decision(voted.cohort, person, question="Garder 10 % pour le fonds ?")
    pay_run_decide(pay_run=voted.run, by=person, decision=decision)

    with pytest.raises(ApplicationError, match="ne change plus"):
        pay_run_decide(pay_run=voted.run, by=person, decision=another)

    voted.run.refresh_from_db()
    assert voted.run.decision == decision


# --- The database ---------------------------------------------------------------------------


def _refused_by_the_database(sql: str, *params: int) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_linked_decision_cannot_be_deleted(voted: Voted, person: User) -> None:
    decision = vote_decision(voted.cohort, person)
    pay_run_decide(pay_run=voted.run, by=person, decision=decision)

    with pytest.raises(ProtectedError), transaction.atomic():
        decision.delete()
    _refused_by_the_database("DELETE FROM governance_decision WHERE id = %s", decision.pk)

    assert Decision.objects.filter(pk=decision.pk).exists()
    voted.run.refresh_from_db()
    assert voted.run.decision_id == decision.pk


def test_the_database_links_only_an_adopted_decision_of_the_same_cohort(
    voted: Voted, person: User
) -> None:
    rejected = vote_decision(voted.cohort, person, adopted=False)
    other = CohortFactory.create(name="CJS d'Auray")
    member_in(other, "Noah", "Bernard")
    elsewhere = vote_decision(other, person)

    _refused_by_the_database(
        "UPDATE pay_payrun SET decision_id = %s WHERE id = %s", rejected.pk, voted.run.pk
    )
    _refused_by_the_database(
        "UPDATE pay_payrun SET decision_id = %s WHERE id = %s", elsewhere.pk, voted.run.pk
    )
    _unchanged(voted.run)


# --- The API and the pages ------------------------------------------------------------------


def _send(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


@dataclass(frozen=True)
class Online:
    world: World
    run: PayRun
    adopted: Decision
    older: Decision
    rejected: Decision
    elsewhere: Decision


@pytest.fixture
def online(world: World) -> Online:
    """The world's cohort in July (Lina 10 h, 500 € HT), a draft run, two adopted decisions,
    a rejected one, and an adopted one of the other cohort."""
    staff = world.personas["staff"]
    assert isinstance(staff, User)
    with tenant_context(world.cae):
        Cohort.objects.filter(pk=world.cohort.pk).update(
            starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31), code="cjs-vannes"
        )
        cohort = Cohort.objects.get(pk=world.cohort.pk)
        lina = member_in(cohort, "Lina", "Le Goff", user=world.personas["coop_member"])
        job_done(cohort, D(2026, 7, 3), {lina: "10"})
        revenue(staff, cohort, "500.00", D(2026, 7, 20))
        older = vote_decision(cohort, staff, question="Parts égales ?")
        adopted = vote_decision(cohort, staff, question="Répartir au prorata des heures ?")
        rejected = vote_decision(cohort, staff, adopted=False, question="Tout garder ?")
        member_in(world.other_cohort, "Noah", "Bernard")
        elsewhere = vote_decision(world.other_cohort, staff, question="Au prorata à Auray ?")
        run = _draft(cohort, staff)
    return Online(world, run, adopted, older, rejected, elsewhere)


def test_the_api_decides_with_the_vote(online: Online) -> None:
    client = online.world.client("animateur")

    decided = _send(
        client, f"/api/v1/pay-runs/{online.run.pk}/decide/", {"decision": online.adopted.pk}
    )

    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert body["status"] == "decided"
    assert body["decision"] == online.adopted.pk
    assert body["vote"] == {
        "decision": online.adopted.pk,
        "proposal": online.adopted.proposal_id,
        "question": "Répartir au prorata des heures ?",
        "text": "Adoptée.",
        "closed_at": body["vote"]["closed_at"],
    }
    detail = client.get(f"/api/v1/pay-runs/{online.run.pk}/").json()
    assert detail["vote"]["decision"] == online.adopted.pk
    assert detail["decided_at"] == body["vote"]["closed_at"]
    listed = client.get(f"/api/v1/cohorts/{online.world.cohort.pk}/pay-runs/").json()
    assert [run["decision"] for run in listed] == [online.adopted.pk]


@pytest.mark.parametrize("which", ["rejected", "elsewhere", "unknown"])
def test_the_api_refuses_a_decision_that_cannot_ground_the_run(online: Online, which: str) -> None:
    decision_id = 999_999 if which == "unknown" else getattr(online, which).pk

    response = _send(
        online.world.client("animateur"),
        f"/api/v1/pay-runs/{online.run.pk}/decide/",
        {"decision": decision_id},
    )

    assert response.status_code == 400
    assert "décision" in response.content.decode()
    with tenant_context(online.world.cae):
        _unchanged(online.run)


def test_the_api_still_decides_without_a_vote(online: Online) -> None:
    response = _send(online.world.client("animateur"), f"/api/v1/pay-runs/{online.run.pk}/decide/")

    assert response.status_code == 200
    assert (response.json()["decision"], response.json()["vote"]) == (None, None)


def test_the_page_lists_the_cohorts_adopted_decisions_newest_first(online: Online) -> None:
    page = online.world.client("animateur").get(f"/repartitions/{online.run.pk}/")

    html = page.content.decode()
    assert html.index("Répartir au prorata des heures ?") < html.index("Parts égales ?")
    assert f'value="{online.adopted.pk}"' in html
    assert f'value="{online.older.pk}"' in html
    assert f'value="{online.rejected.pk}"' not in html
    assert f'value="{online.elsewhere.pk}"' not in html


def test_the_page_decides_with_the_vote_and_shows_it(online: Online) -> None:
    animateur = online.world.client("animateur")

    refused = animateur.post(
        f"/repartitions/{online.run.pk}/", {"step": "decide", "decision": online.rejected.pk}
    )
    with tenant_context(online.world.cae):
        _unchanged(online.run)
    decided = animateur.post(
        f"/repartitions/{online.run.pk}/", {"step": "decide", "decision": online.adopted.pk}
    )
    member_page = online.world.client("coop_member").get(f"/repartitions/{online.run.pk}/")

    assert refused.status_code == 400
    assert decided.status_code == 302
    with tenant_context(online.world.cae):
        online.run.refresh_from_db()
        assert online.run.decision_id == online.adopted.pk
        assert online.run.decided_at == online.adopted.closed_at
    html = member_page.content.decode()
    assert "Répartir au prorata des heures ? — Adoptée." in html
    link = f"/cooperatives/{online.world.cohort.pk}/decisions/#decision-{online.adopted.pk}"
    assert link in html
    log = online.world.client("coop_member").get(
        f"/cooperatives/{online.world.cohort.pk}/decisions/"
    )
    assert f'id="decision-{online.adopted.pk}"' in log.content.decode()


def test_the_page_still_decides_without_a_vote(online: Online) -> None:
    decided = online.world.client("animateur").post(
        f"/repartitions/{online.run.pk}/", {"step": "decide", "decision": ""}
    )

    assert decided.status_code == 302
    with tenant_context(online.world.cae):
        online.run.refresh_from_db()
        assert (online.run.status, online.run.decision_id) == (PayRunStatus.DECIDED, None)
