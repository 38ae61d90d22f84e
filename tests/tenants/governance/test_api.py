"""The governance API by role: the animateur·rice prepares, opens and closes votes, coopérant·es
vote once, CAE staff follow but never vote, other cohorts answer 404; no answer links a member
to a secret choice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient
from django_tenants.utils import tenant_context

from tenants.governance.models import Ballot, Decision, Participation, Proposal, ProposalStatus
from tenants.people.models import Member
from tests.conftest import World
from tests.tenants.governance.helpers import in_a_week, member_in


def _send(client: HttpClient, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


@dataclass
class Voting:
    world: World
    lina: Member  # the coop_member's account
    yanis: Member


@pytest.fixture
def voting(world: World) -> Voting:
    with tenant_context(world.cae):
        lina = member_in(world.cohort, "Lina", "Le Goff", user=world.personas["coop_member"])
        yanis = member_in(world.cohort, "Yanis", "Martin")
    return Voting(world, lina, yanis)


def _proposal(world: World, **fields: Any) -> dict[str, Any]:
    data = {"question": "Tondre à 15 € de l'heure ?", "kind": "yes_no", "quorum_percent": 50}
    data["closes_at"] = in_a_week().isoformat()
    response = _send(
        world.client("animateur"),
        f"/api/v1/cohorts/{world.cohort.pk}/proposals/",
        {**data, **fields},
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _opened(world: World, **fields: Any) -> dict[str, Any]:
    created = _proposal(world, **fields)
    response = _send(world.client("animateur"), f"/api/v1/proposals/{created['id']}/open/")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_a_vote_from_proposal_to_decision(voting: Voting) -> None:
    world = voting.world
    opened = _opened(world)
    yes = opened["options"][0]["id"]

    voted = _send(
        world.client("coop_member"), f"/api/v1/proposals/{opened['id']}/vote/", {"option": yes}
    )
    again = _send(
        world.client("coop_member"), f"/api/v1/proposals/{opened['id']}/vote/", {"option": None}
    )
    closed = _send(world.client("animateur"), f"/api/v1/proposals/{opened['id']}/close/")
    late = _send(
        world.client("coop_member"), f"/api/v1/proposals/{opened['id']}/vote/", {"option": yes}
    )
    log = world.client("coop_member").get(f"/api/v1/cohorts/{world.cohort.pk}/decisions/")

    assert (voted.status_code, voted.json()) == (201, {"proposal": opened["id"], "has_voted": True})
    assert (again.status_code, again.json()["detail"]) == (400, "Vous avez déjà voté.")
    assert closed.status_code == 200
    assert (closed.json()["adopted"], closed.json()["participants"]) == (True, 1)
    assert (late.status_code, late.json()["detail"]) == (400, "Ce vote est clos.")
    assert [entry["text"] for entry in log.json()] == ["Adoptée."]
    with tenant_context(world.cae):
        assert Participation.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coop_member", 201),
        ("animateur", 403),
        ("staff", 403),
        ("cae_admin", 403),
        ("other_member", 404),
        ("other_animateur", 404),
        ("coordinator", 403),
        ("anonymous", 403),
    ],
)
def test_only_the_cohorts_members_vote(voting: Voting, persona: str, status: int) -> None:
    opened = _opened(voting.world)

    response = _send(
        voting.world.client(persona),
        f"/api/v1/proposals/{opened['id']}/vote/",
        {"option": opened["options"][0]["id"]},
    )

    assert response.status_code == status
    with tenant_context(voting.world.cae):
        assert Participation.objects.count() == (1 if status == 201 else 0)


def test_a_member_account_without_a_member_record_cannot_vote(world: World) -> None:
    with tenant_context(world.cae):
        member_in(world.cohort, "Yanis", "Martin")
    opened = _opened(world)

    response = _send(
        world.client("coop_member"), f"/api/v1/proposals/{opened['id']}/vote/", {"option": None}
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("animateur", 201),
        ("staff", 201),
        ("coop_member", 403),
        ("other_animateur", 404),
        ("other_member", 404),
        ("coordinator", 403),
    ],
)
def test_who_prepares_a_vote(voting: Voting, persona: str, status: int) -> None:
    world = voting.world
    response = _send(
        world.client(persona),
        f"/api/v1/cohorts/{world.cohort.pk}/proposals/",
        {"question": "Q ?", "kind": "yes_no", "closes_at": in_a_week().isoformat()},
    )

    assert response.status_code == status
    with tenant_context(world.cae):
        assert Proposal.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("animateur", 200), ("staff", 200), ("coop_member", 403), ("other_animateur", 404)],
)
def test_who_opens_and_closes(voting: Voting, persona: str, status: int) -> None:
    world = voting.world
    created = _proposal(world)

    opened = _send(world.client(persona), f"/api/v1/proposals/{created['id']}/open/")
    if status == 200:
        closed = _send(world.client(persona), f"/api/v1/proposals/{created['id']}/close/")
        assert closed.status_code == 200
    assert opened.status_code == status
    with tenant_context(world.cae):
        expected = ProposalStatus.CLOSED if status == 200 else ProposalStatus.DRAFT
        assert Proposal.objects.get(pk=created["id"]).status == expected
        assert Decision.objects.count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coop_member", 200),
        ("animateur", 200),
        ("staff", 200),
        ("other_member", 404),
        ("other_animateur", 404),
    ],
)
def test_who_reads_the_proposals_and_the_log(voting: Voting, persona: str, status: int) -> None:
    world = voting.world
    _opened(world)

    proposals = world.client(persona).get(f"/api/v1/cohorts/{world.cohort.pk}/proposals/")
    log = world.client(persona).get(f"/api/v1/cohorts/{world.cohort.pk}/decisions/")

    assert (proposals.status_code, log.status_code) == (status, status)
    if status == 200:
        assert [proposal["status"] for proposal in proposals.json()] == ["open"]


def test_no_api_answer_links_a_member_to_a_secret_choice(voting: Voting) -> None:
    world = voting.world
    opened = _opened(world, secret=True)
    against = opened["options"][1]["id"]
    _send(
        world.client("coop_member"), f"/api/v1/proposals/{opened['id']}/vote/", {"option": against}
    )
    _send(world.client("animateur"), f"/api/v1/proposals/{opened['id']}/close/")

    results = world.client("animateur").get(f"/api/v1/proposals/{opened['id']}/results/").json()
    listing = world.client("animateur").get(f"/api/v1/cohorts/{world.cohort.pk}/proposals/")

    assert results["participants"] == [{"first_name": "Lina"}]
    assert results["ballots"] == []
    assert results["decision"]["counts"] == [
        {"option": "Pour", "votes": 0},
        {"option": "Contre", "votes": 1},
    ]
    assert "Lina" not in listing.content.decode()
    with tenant_context(world.cae):
        assert list(Ballot.objects.values_list("member_id", flat=True)) == [None]


def test_an_open_vote_shows_who_chose_what_once_closed(voting: Voting) -> None:
    world = voting.world
    opened = _opened(world, secret=False)
    _send(
        world.client("coop_member"),
        f"/api/v1/proposals/{opened['id']}/vote/",
        {"option": opened["options"][0]["id"]},
    )
    _send(world.client("animateur"), f"/api/v1/proposals/{opened['id']}/close/")

    results = world.client("coop_member").get(f"/api/v1/proposals/{opened['id']}/results/")

    assert results.json()["ballots"] == [
        {"first_name": "Lina", "last_name": "Le Goff", "choice": "Pour"}
    ]


def test_the_animateur_records_a_meeting_with_attendance(voting: Voting) -> None:
    world = voting.world
    response = _send(
        world.client("animateur"),
        f"/api/v1/cohorts/{world.cohort.pk}/meetings/",
        {
            "kind": "assembly",
            "held_on": "2026-07-02",
            "agenda": "Choix des prix",
            "attendees": [voting.lina.pk, voting.yanis.pk],
        },
    )
    refused = _send(
        world.client("coop_member"),
        f"/api/v1/cohorts/{world.cohort.pk}/meetings/",
        {"kind": "assembly", "held_on": "2026-07-02", "agenda": "AG"},
    )
    listed = world.client("coop_member").get(f"/api/v1/cohorts/{world.cohort.pk}/meetings/")

    assert response.status_code == 201, response.content
    assert sorted(response.json()["attendees"]) == ["Lina", "Yanis"]
    assert refused.status_code == 403
    assert [meeting["agenda"] for meeting in listed.json()] == ["Choix des prix"]


def _meeting(voting: Voting) -> dict[str, Any]:
    world = voting.world
    response = _send(
        world.client("animateur"),
        f"/api/v1/cohorts/{world.cohort.pk}/meetings/",
        {
            "kind": "assembly",
            "held_on": "2026-07-02",
            "agenda": "Choix de la règle de répartition",
            "attendees": [voting.lina.pk],
        },
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _patch(client: HttpClient, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def test_a_meeting_with_its_votes_and_their_decisions(voting: Voting) -> None:
    world = voting.world
    meeting = _meeting(voting)
    linked = _opened(world, question="Parts égales ?", meeting=meeting["id"])
    _send(world.client("coop_member"), f"/api/v1/proposals/{linked['id']}/vote/", {"option": None})
    _send(world.client("animateur"), f"/api/v1/proposals/{linked['id']}/close/")
    _proposal(world, question="Sans réunion ?")

    response = world.client("coop_member").get(f"/api/v1/meetings/{meeting['id']}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["agenda"], body["attendees"], body["attendee_ids"]) == (
        "Choix de la règle de répartition",
        ["Lina"],
        [voting.lina.pk],
    )
    assert [(vote["question"], vote["status"]) for vote in body["proposals"]] == [
        ("Parts égales ?", "closed")
    ]
    assert body["proposals"][0]["decision"]["text"].startswith("Non adoptée")


def test_the_animateur_amends_minutes_and_attendance(voting: Voting) -> None:
    world = voting.world
    meeting = _meeting(voting)
    url = f"/api/v1/meetings/{meeting['id']}/"

    minutes_only = _patch(world.client("animateur"), url, {"minutes": "Prorata retenu."})
    attendance = _patch(
        world.client("staff"), url, {"attendees": [voting.lina.pk, voting.yanis.pk]}
    )

    assert minutes_only.status_code == 200, minutes_only.content
    assert minutes_only.json()["attendee_ids"] == [voting.lina.pk]
    assert attendance.status_code == 200
    assert (attendance.json()["minutes"], attendance.json()["attendee_ids"]) == (
        "Prorata retenu.",
        sorted([voting.lina.pk, voting.yanis.pk]),
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coop_member", 403), ("other_animateur", 404), ("other_member", 404), ("coordinator", 403)],
)
def test_only_animateurs_and_staff_amend_a_meeting(
    voting: Voting, persona: str, status: int
) -> None:
    meeting = _meeting(voting)

    response = _patch(
        voting.world.client(persona), f"/api/v1/meetings/{meeting['id']}/", {"minutes": "X"}
    )

    assert response.status_code == status
    read = voting.world.client("animateur").get(f"/api/v1/meetings/{meeting['id']}/")
    assert read.json()["minutes"] == ""


def test_an_attendee_from_another_cohort_is_refused(voting: Voting) -> None:
    world = voting.world
    meeting = _meeting(voting)
    with tenant_context(world.cae):
        stranger = member_in(world.other_cohort, "Inès", "Roux")

    response = _patch(
        world.client("animateur"),
        f"/api/v1/meetings/{meeting['id']}/",
        {"minutes": "AG", "attendees": [stranger.pk]},
    )

    assert response.status_code == 400
    assert "coopérant·es de la coopérative" in response.content.decode()
    read = world.client("animateur").get(f"/api/v1/meetings/{meeting['id']}/").json()
    assert (read["minutes"], read["attendee_ids"]) == ("", [voting.lina.pk])
