"""Votes through the services: one member one vote, only while open, only the electorate;
secret ballots keep no link between a member and a choice; the decision log is append-only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.governance import selectors
from tenants.governance.models import (
    Ballot,
    Decision,
    Elector,
    MajorityRule,
    MeetingKind,
    Participation,
    ProposalKind,
    ProposalStatus,
)
from tenants.governance.services import (
    ballot_cast,
    meeting_create,
    proposal_close,
    proposals_close_due,
)
from tenants.people.models import Committee, CommitteeKind, Enrolment, Member
from tenants.people.services import enrolment_withdraw
from tests.tenants.governance.helpers import D, member_in, option, proposal
from tests.tenants.people.factories import CohortFactory


@dataclass(frozen=True)
class Coop:
    cohort: Cohort
    lina: Member
    yanis: Member
    zoe: Member
    noah: Member


@pytest.fixture
def coop(in_alpha: Cae) -> Coop:
    cohort = CohortFactory.create()
    return Coop(
        cohort,
        member_in(cohort, "Lina", "Le Goff"),
        member_in(cohort, "Yanis", "Martin"),
        member_in(cohort, "Zoé", "Abadie"),
        member_in(cohort, "Noah", "Bernard"),
    )


def test_a_yes_no_vote_is_counted_and_logged(coop: Coop, person: User) -> None:
    vote = proposal(coop.cohort, person)
    ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))
    ballot_cast(proposal=vote, member=coop.yanis, option=option(vote, "Pour"))
    ballot_cast(proposal=vote, member=coop.zoe, option=None)

    decision = proposal_close(proposal=vote)

    assert (decision.adopted, decision.quorum_reached) == (True, True)
    assert (decision.electorate_size, decision.participants, decision.abstentions) == (4, 3, 1)
    assert decision.counts == [{"option": "Pour", "votes": 2}, {"option": "Contre", "votes": 0}]
    assert decision.text == "Adoptée."
    assert list(selectors.decision_list(cohort_id=coop.cohort.pk)) == [decision]


def test_a_tie_between_options_decides_nothing(coop: Coop, person: User) -> None:
    vote = proposal(
        coop.cohort,
        person,
        kind=ProposalKind.OPTIONS,
        options=["Tonte", "Vitres", "Courses"],
        majority_rule=MajorityRule.SIMPLE,
    )
    for member, label in [(coop.lina, "Tonte"), (coop.yanis, "Vitres")]:
        ballot_cast(proposal=vote, member=member, option=option(vote, label))

    decision = proposal_close(proposal=vote)

    assert (decision.adopted, decision.winning_option) == (False, None)
    assert decision.text == "Non adoptée : aucun choix n'obtient la majorité requise."


def test_below_the_quorum_nothing_is_adopted(coop: Coop, person: User) -> None:
    vote = proposal(coop.cohort, person, quorum_percent=75)
    ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))
    ballot_cast(proposal=vote, member=coop.yanis, option=option(vote, "Pour"))

    decision = proposal_close(proposal=vote)

    assert (decision.quorum_reached, decision.adopted) == (False, False)


def test_one_member_one_vote(coop: Coop, person: User) -> None:
    vote = proposal(coop.cohort, person)
    ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))

    with pytest.raises(ApplicationError, match="déjà voté"):
        ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Contre"))

    assert Ballot.objects.filter(proposal=vote).count() == 1
    assert Participation.objects.filter(proposal=vote).count() == 1


@pytest.mark.parametrize("secret", [False, True])
def test_the_database_refuses_a_second_vote_even_past_the_service(
    coop: Coop, person: User, secret: bool
) -> None:
    """What stops two concurrent requests of one member: the unique participation."""
    vote = proposal(coop.cohort, person, secret=secret)
    ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(proposal=vote, member=coop.lina)

    assert Participation.objects.filter(proposal=vote).count() == 1


def test_no_vote_before_opening_nor_after_closing(coop: Coop, person: User) -> None:
    draft = proposal(coop.cohort, person, open_now=False)
    with pytest.raises(ApplicationError, match="pas encore ouvert"):
        ballot_cast(proposal=draft, member=coop.lina, option=option(draft, "Pour"))

    vote = proposal(coop.cohort, person)
    proposal_close(proposal=vote)
    with pytest.raises(ApplicationError, match="clos"):
        ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))

    assert Participation.objects.count() == 0


def test_no_vote_once_the_closing_time_has_passed_and_due_votes_close(
    coop: Coop, person: User
) -> None:
    vote = proposal(coop.cohort, person)
    later = vote.closes_at + datetime.timedelta(minutes=1)

    with pytest.raises(ApplicationError, match="clos"):
        ballot_cast(proposal=vote, member=coop.lina, option=None, now=later)
    decisions = proposals_close_due(now=later)

    assert [decision.proposal_id for decision in decisions] == [vote.pk]
    vote.refresh_from_db()
    assert vote.status == ProposalStatus.CLOSED
    assert proposals_close_due(now=later) == []


def test_a_withdrawn_member_is_not_in_the_electorate(coop: Coop, person: User) -> None:
    enrolment = Enrolment.objects.get(member=coop.noah, cohort=coop.cohort)
    enrolment_withdraw(enrolment=enrolment, withdrawn_on=D(2026, 7, 1), reason="Déménagement")

    vote = proposal(coop.cohort, person)

    assert set(Elector.objects.filter(proposal=vote).values_list("member_id", flat=True)) == {
        coop.lina.pk,
        coop.yanis.pk,
        coop.zoe.pk,
    }
    with pytest.raises(ApplicationError, match="inscrit·es à l'ouverture"):
        ballot_cast(proposal=vote, member=coop.noah, option=option(vote, "Pour"))
    assert Participation.objects.filter(proposal=vote).count() == 0


def test_a_member_of_another_cohort_cannot_vote(coop: Coop, person: User) -> None:
    stranger = member_in(CohortFactory.create(name="CJS d'Auray"), "Inès", "Roux")
    vote = proposal(coop.cohort, person)

    with pytest.raises(ApplicationError):
        ballot_cast(proposal=vote, member=stranger, option=option(vote, "Pour"))


def test_a_secret_ballot_keeps_who_voted_but_not_what(coop: Coop, person: User) -> None:
    vote = proposal(coop.cohort, person, secret=True)
    ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))
    ballot_cast(proposal=vote, member=coop.yanis, option=option(vote, "Contre"))
    decision = proposal_close(proposal=vote)

    # No ballot row names its voter, and nothing orders ballots like participations.
    assert list(Ballot.objects.filter(proposal=vote).values_list("member_id", flat=True)) == [
        None,
        None,
    ]
    ballot_columns = {field.column for field in Ballot._meta.concrete_fields}
    assert ballot_columns == {"id", "proposal_id", "option_id", "member_id"}
    assert Ballot._meta.pk is not None
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    # Who took part is known; the open list of choices is empty; only counts come out.
    participants = selectors.participant_list(proposal=vote)
    assert [member.first_name for member in participants] == ["Lina", "Yanis"]
    assert selectors.open_ballot_list(proposal=vote) == []
    assert decision.counts == [{"option": "Pour", "votes": 1}, {"option": "Contre", "votes": 1}]


def test_the_database_refuses_a_secret_ballot_naming_its_voter(coop: Coop, person: User) -> None:
    vote = proposal(coop.cohort, person, secret=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(proposal=vote, option=option(vote, "Pour"), member=coop.lina)
    _refused_by_the_database("UPDATE governance_proposal SET secret = false WHERE id = %s", vote.pk)

    assert Ballot.objects.filter(proposal=vote).count() == 0


def test_an_open_ballot_shows_who_chose_what_once_closed(coop: Coop, person: User) -> None:
    vote = proposal(coop.cohort, person, secret=False)
    ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))
    ballot_cast(proposal=vote, member=coop.yanis, option=None)
    assert selectors.open_ballot_list(proposal=vote) == []  # not while the vote runs

    proposal_close(proposal=vote)
    vote.refresh_from_db()

    assert [
        (ballot.first_name, ballot.choice) for ballot in selectors.open_ballot_list(proposal=vote)
    ] == [("Lina", "Pour"), ("Yanis", None)]


def _refused_by_the_database(sql: str, *params: int) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_decision_log_and_the_ballots_cannot_change_even_through_sql(
    coop: Coop, person: User
) -> None:
    vote = proposal(coop.cohort, person, quorum_percent=25)
    ballot_cast(proposal=vote, member=coop.lina, option=option(vote, "Pour"))
    decision = proposal_close(proposal=vote)

    _refused_by_the_database(
        "UPDATE governance_decision SET adopted = NOT adopted WHERE id = %s", decision.pk
    )
    _refused_by_the_database("DELETE FROM governance_decision WHERE id = %s", decision.pk)
    _refused_by_the_database("UPDATE governance_ballot SET option_id = NULL")
    _refused_by_the_database("DELETE FROM governance_participation")
    _refused_by_the_database("DELETE FROM governance_elector")
    _refused_by_the_database(
        "UPDATE governance_proposal SET question = 'Autre' WHERE id = %s", vote.pk
    )

    decision.refresh_from_db()
    assert (decision.adopted, decision.text) == (True, "Adoptée.")
    assert Decision.objects.count() == 1
    assert Ballot.objects.filter(proposal=vote).count() == 1


def test_a_closed_vote_cannot_be_closed_again(coop: Coop, person: User) -> None:
    vote = proposal(coop.cohort, person)
    proposal_close(proposal=vote)

    with pytest.raises(ApplicationError):
        proposal_close(proposal=vote)

    assert Decision.objects.filter(proposal=vote).count() == 1


def test_opening_needs_a_closing_time_in_the_future(coop: Coop, person: User) -> None:
    with pytest.raises(ApplicationError, match="futur"):
        proposal(coop.cohort, person, closes_at=timezone.now() - datetime.timedelta(hours=1))


def test_a_committee_meeting_with_its_attendance(coop: Coop) -> None:
    committee = Committee.objects.create(
        cohort=coop.cohort, kind=CommitteeKind.values[0], name="Finances"
    )

    meeting = meeting_create(
        cohort=coop.cohort,
        kind=MeetingKind.COMMITTEE,
        committee=committee,
        held_on=D(2026, 7, 2),
        agenda="Budget de juillet",
        attendee_ids=[coop.lina.pk, coop.zoe.pk],
    )

    assert sorted(meeting.attendees.values_list("first_name", flat=True)) == ["Lina", "Zoé"]
    stranger = member_in(CohortFactory.create(name="CJS d'Auray"), "Inès", "Roux")
    with pytest.raises(ApplicationError):
        meeting_create(
            cohort=coop.cohort,
            kind=MeetingKind.ASSEMBLY,
            held_on=D(2026, 7, 3),
            agenda="AG",
            attendee_ids=[stranger.pk],
        )
