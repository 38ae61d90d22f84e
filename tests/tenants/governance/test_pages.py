"""The "Décisions" and meetings pages by role: the animateur·rice prepares, opens and closes a
vote, a coopérant·e votes from the page, CAE staff follow without voting, other cohorts 404."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from tenants.governance.models import (
    Ballot,
    Decision,
    Meeting,
    MeetingKind,
    Participation,
    Proposal,
    ProposalStatus,
)
from tenants.governance.services import ballot_cast, meeting_create, proposal_close
from tests.conftest import World
from tests.tenants.governance.helpers import D, in_a_week, member_in, option, proposal


def _url(world: World, page: str = "decisions") -> str:
    return f"/cooperatives/{world.cohort.pk}/{page}/"


@pytest.fixture
def voting(world: World) -> World:
    with tenant_context(world.cae):
        member_in(world.cohort, "Lina", "Le Goff", user=world.personas["coop_member"])
        member_in(world.cohort, "Yanis", "Martin")
    return world


def _open_vote(world: World, **fields: Any) -> Proposal:
    with tenant_context(world.cae):
        return proposal(world.cohort, world.personas["animateur"], **fields)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coop_member", 200),
        ("animateur", 200),
        ("staff", 200),
        ("other_member", 404),
        ("other_animateur", 404),
        ("coordinator", 403),
    ],
)
def test_who_sees_the_decisions_page(voting: World, persona: str, status: int) -> None:
    _open_vote(voting)

    response = voting.client(persona).get(_url(voting))

    assert response.status_code == status
    if status == 200:
        assert "Tondre à 15 € de l&#x27;heure ?" in response.content.decode()


def test_the_animateur_prepares_opens_and_closes_a_vote_from_the_page(voting: World) -> None:
    client = voting.client("animateur")

    prepared = client.post(
        _url(voting),
        {
            "step": "propose",
            "question": "Quel nom pour la coopérative ?",
            "kind": "options",
            "options": "Les Débrouillards\nCoop'Vannes",
            "quorum_percent": "50",
            "majority_rule": "simple",
            "closes_at": in_a_week().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    with tenant_context(voting.cae):
        created = Proposal.objects.get()
    opened = client.post(_url(voting), {"step": "open", "proposal": created.pk})
    closed = client.post(_url(voting), {"step": "close", "proposal": created.pk})

    assert (prepared.status_code, opened.status_code, closed.status_code) == (302, 302, 302)
    with tenant_context(voting.cae):
        created.refresh_from_db()
        assert created.status == ProposalStatus.CLOSED
        assert list(created.options.values_list("label", flat=True)) == [
            "Les Débrouillards",
            "Coop'Vannes",
        ]
        assert Decision.objects.filter(proposal=created).exists()


def test_a_member_votes_from_the_page_once(voting: World) -> None:
    vote = _open_vote(voting)
    with tenant_context(voting.cae):
        yes = option(vote, "Pour")
    client = voting.client("coop_member")

    page = client.get(_url(voting))
    voted = client.post(
        _url(voting), {"step": "vote", "proposal": vote.pk, f"p{vote.pk}-choice": str(yes.pk)}
    )
    again = client.post(
        _url(voting), {"step": "vote", "proposal": vote.pk, f"p{vote.pk}-choice": "abstain"}
    )
    after = client.get(_url(voting))

    assert f'name="p{vote.pk}-choice"' in page.content.decode()
    assert voted.status_code == 302
    assert again.status_code == 400
    assert "Vous avez déjà voté." in again.content.decode()
    assert "Vous avez voté." in after.content.decode()
    with tenant_context(voting.cae):
        assert Participation.objects.filter(proposal=vote).count() == 1
        assert Ballot.objects.get(proposal=vote).option_id == yes.pk


@pytest.mark.parametrize("persona", ["staff", "animateur", "cae_admin"])
def test_the_cae_and_animateurs_cannot_vote(voting: World, persona: str) -> None:
    vote = _open_vote(voting)

    page = voting.client(persona).get(_url(voting))
    response = voting.client(persona).post(
        _url(voting), {"step": "vote", "proposal": vote.pk, f"p{vote.pk}-choice": "abstain"}
    )

    assert f'name="p{vote.pk}-choice"' not in page.content.decode()
    assert response.status_code == 403
    with tenant_context(voting.cae):
        assert Participation.objects.count() == 0


def test_a_member_cannot_open_nor_close(voting: World) -> None:
    vote = _open_vote(voting)

    response = voting.client("coop_member").post(
        _url(voting), {"step": "close", "proposal": vote.pk}
    )

    assert response.status_code == 403
    with tenant_context(voting.cae):
        assert Proposal.objects.get(pk=vote.pk).status == ProposalStatus.OPEN


def test_a_member_of_another_cohort_cannot_vote_here(voting: World) -> None:
    vote = _open_vote(voting)

    response = voting.client("other_member").post(
        _url(voting), {"step": "vote", "proposal": vote.pk, f"p{vote.pk}-choice": "abstain"}
    )

    assert response.status_code == 404


def test_the_animateur_records_a_meeting_and_members_read_it(voting: World) -> None:
    with tenant_context(voting.cae):
        lina_pk = voting.cohort.enrolments.get(member__first_name="Lina").member_id

    recorded = voting.client("animateur").post(
        _url(voting, "reunions"),
        {
            "kind": "assembly",
            "held_on": "2026-07-02",
            "agenda": "Choix des prix",
            "attendees": [lina_pk],
        },
    )
    refused = voting.client("coop_member").post(
        _url(voting, "reunions"), {"kind": "assembly", "held_on": "2026-07-02", "agenda": "AG"}
    )
    page = voting.client("coop_member").get(_url(voting, "reunions"))

    assert (recorded.status_code, refused.status_code) == (302, 403)
    assert "Choix des prix" in page.content.decode()
    with tenant_context(voting.cae):
        assert list(Meeting.objects.get().attendees.values_list("first_name", flat=True)) == [
            "Lina"
        ]


def _assembly(world: World, **fields: Any) -> Meeting:
    with tenant_context(world.cae):
        lina = world.cohort.enrolments.get(member__first_name="Lina").member
        return meeting_create(
            cohort=world.cohort,
            kind=MeetingKind.ASSEMBLY,
            held_on=D(2026, 7, 2),
            agenda="Choix de la règle de répartition",
            attendee_ids=[lina.pk],
            **fields,
        )


def test_each_meeting_of_the_list_links_to_its_page(voting: World) -> None:
    meeting = _assembly(voting)

    page = voting.client("coop_member").get(_url(voting, "reunions"))

    assert f'href="/cooperatives/{voting.cohort.pk}/reunions/{meeting.pk}/"' in (
        page.content.decode()
    )


def test_the_meeting_page_shows_agenda_attendance_minutes_and_its_votes(voting: World) -> None:
    meeting = _assembly(voting, minutes="Deux règles proposées.")
    with tenant_context(voting.cae):
        animateur = voting.personas["animateur"]
        vote = proposal(voting.cohort, animateur, question="Parts égales ?", meeting=meeting)
        ballot_cast(
            proposal=vote,
            member=voting.cohort.enrolments.get(member__first_name="Lina").member,
            option=option(vote, "Pour"),
        )
        decision = proposal_close(proposal=vote)
        proposal(voting.cohort, animateur, question="Sans réunion ?")

    page = voting.client("coop_member").get(_url(voting, f"reunions/{meeting.pk}"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Choix de la règle de répartition" in html
    assert "Lina L." in html
    assert "Deux règles proposées." in html
    assert "Parts égales ?" in html
    assert "Adoptée." in html
    assert f"/cooperatives/{voting.cohort.pk}/decisions/#decision-{decision.pk}" in html
    assert "Sans réunion ?" not in html
    assert 'name="minutes"' not in html  # a coopérant·e reads only


def test_the_animateur_amends_the_minutes_and_the_attendance(voting: World) -> None:
    meeting = _assembly(voting)
    with tenant_context(voting.cae):
        yanis = voting.cohort.enrolments.get(member__first_name="Yanis").member

    page = voting.client("animateur").get(_url(voting, f"reunions/{meeting.pk}"))
    amended = voting.client("animateur").post(
        _url(voting, f"reunions/{meeting.pk}"),
        {"minutes": "Règle au prorata des heures retenue.", "attendees": [yanis.pk]},
    )

    assert 'name="minutes"' in page.content.decode()
    assert amended.status_code == 302
    with tenant_context(voting.cae):
        meeting.refresh_from_db()
        assert meeting.minutes == "Règle au prorata des heures retenue."
        assert list(meeting.attendees.values_list("first_name", flat=True)) == ["Yanis"]


def test_a_member_of_another_cohort_is_refused_as_attendee(voting: World) -> None:
    meeting = _assembly(voting)
    with tenant_context(voting.cae):
        stranger = member_in(voting.other_cohort, "Inès", "Roux")

    response = voting.client("animateur").post(
        _url(voting, f"reunions/{meeting.pk}"), {"minutes": "AG", "attendees": [stranger.pk]}
    )

    assert response.status_code == 400
    with tenant_context(voting.cae):
        meeting.refresh_from_db()
        assert meeting.minutes == ""
        assert list(meeting.attendees.values_list("first_name", flat=True)) == ["Lina"]


@pytest.mark.parametrize(
    ("persona", "get_status", "post_status"),
    [
        ("coop_member", 200, 403),
        ("staff", 200, 302),
        ("other_animateur", 404, 404),
        ("other_member", 404, 404),
        ("coordinator", 403, 403),
    ],
)
def test_who_reads_and_who_amends_a_meeting(
    voting: World, persona: str, get_status: int, post_status: int
) -> None:
    meeting = _assembly(voting)
    url = _url(voting, f"reunions/{meeting.pk}")

    read = voting.client(persona).get(url)
    amended = voting.client(persona).post(url, {"minutes": "Modifié", "attendees": []})

    assert (read.status_code, amended.status_code) == (get_status, post_status)
    with tenant_context(voting.cae):
        meeting.refresh_from_db()
        assert meeting.minutes == ("Modifié" if post_status == 302 else "")


def test_a_meeting_of_another_cohort_is_not_found_here(voting: World) -> None:
    with tenant_context(voting.cae):
        elsewhere = meeting_create(
            cohort=voting.other_cohort,
            kind=MeetingKind.ASSEMBLY,
            held_on=D(2026, 7, 2),
            agenda="AG d'Auray",
        )

    response = voting.client("animateur").get(_url(voting, f"reunions/{elsewhere.pk}"))

    assert response.status_code == 404
