"""Reading a cohort's governance: meetings, proposals, who took part, results, decision log.

No selector links a member to a secret choice: ballots are only ever read as counts, and the
list of who chose what exists for open (non-secret) votes only.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tenants.governance.models import (
    Attendance,
    Ballot,
    Decision,
    Elector,
    Meeting,
    Option,
    Participation,
    Proposal,
    ProposalStatus,
)
from tenants.people.models import Committee, EnrolmentStatus, Member


def meeting_list(*, cohort_id: int) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(cohort_id=cohort_id)
        .select_related("committee")
        .prefetch_related("attendees")
        .order_by("-held_on", "-pk")
    )


def meeting_get(*, cohort_id: int, meeting_id: int) -> Meeting | None:
    return (
        Meeting.objects.select_related("committee")
        .filter(cohort_id=cohort_id, pk=meeting_id)
        .first()
    )


def meeting_find(*, meeting_id: int) -> Meeting | None:
    """The meeting, whoever may see it: callers check its cohort with coopilote.access."""
    return (
        Meeting.objects.select_related("cohort", "committee")
        .prefetch_related("attendees")
        .filter(pk=meeting_id)
        .first()
    )


def meeting_proposals(*, meeting: Meeting) -> QuerySet[Proposal]:
    """The votes held at (or for) the meeting, with their decision once closed."""
    return (
        Proposal.objects.filter(meeting=meeting)
        .select_related("decision")
        .prefetch_related("options")
        .order_by("created_at", "pk")
    )


def committee_get(*, cohort_id: int, committee_id: int) -> Committee | None:
    """One of the cohort's committees (people.Committee), for a committee meeting."""
    return Committee.objects.filter(cohort_id=cohort_id, pk=committee_id).first()


def committee_list(*, cohort_id: int) -> QuerySet[Committee]:
    return Committee.objects.filter(cohort_id=cohort_id).order_by("name", "pk")


def attendee_candidates(*, cohort_id: int) -> QuerySet[Member]:
    """The members enrolled in the cohort today, by name (who may attend its meetings)."""
    return (
        Member.objects.filter(
            enrolments__cohort_id=cohort_id, enrolments__status=EnrolmentStatus.ENROLLED
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def meeting_attendee_candidates(*, meeting: Meeting) -> QuerySet[Member]:
    """Who may be marked present at the meeting: the members enrolled in the cohort today, and
    those already marked present (who may have withdrawn since)."""
    return (
        Member.objects.filter(
            Q(enrolments__cohort_id=meeting.cohort_id, enrolments__status=EnrolmentStatus.ENROLLED)
            | Q(pk__in=Attendance.objects.filter(meeting=meeting).values("member_id"))
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def proposal_list(*, cohort_id: int, status: str | None = None) -> QuerySet[Proposal]:
    proposals = Proposal.objects.filter(cohort_id=cohort_id).prefetch_related("options")
    if status is not None:
        proposals = proposals.filter(status=status)
    return proposals.select_related("decision").order_by("-created_at", "-pk")


def proposal_get(*, proposal_id: int) -> Proposal | None:
    """The proposal, whoever may see it: callers check its cohort with coopilote.access."""
    return Proposal.objects.select_related("cohort").filter(pk=proposal_id).first()


def proposals_due(*, now: datetime.datetime) -> QuerySet[Proposal]:
    """Open votes whose closing time has passed."""
    return Proposal.objects.open().filter(closes_at__lte=now).order_by("closes_at", "pk")


def voter_for_user(*, cohort_id: int, user_id: int | None) -> Member | None:
    """The member of the cohort whose account is `user_id` (enrolled there, withdrawn or not)."""
    if user_id is None:
        return None
    return (
        Member.objects.filter(user_id=user_id, enrolments__cohort_id=cohort_id)
        .order_by("pk")
        .first()
    )


def elector_exists(*, proposal: Proposal, member_id: int) -> bool:
    return Elector.objects.filter(proposal=proposal, member_id=member_id).exists()


def has_voted(*, proposal: Proposal, member_id: int) -> bool:
    return Participation.objects.filter(proposal=proposal, member_id=member_id).exists()


@dataclass(frozen=True)
class VoterStanding:
    """Of several proposals, those where a member is an elector and those where they voted."""

    elector_of: frozenset[int]
    voted_on: frozenset[int]


def voter_standing(*, proposal_ids: Sequence[int], member_id: int) -> VoterStanding:
    """elector_exists and has_voted for several proposals at once (two queries)."""
    electors = Elector.objects.filter(proposal_id__in=proposal_ids, member_id=member_id)
    voted = Participation.objects.filter(proposal_id__in=proposal_ids, member_id=member_id)
    return VoterStanding(
        elector_of=frozenset(electors.values_list("proposal_id", flat=True)),
        voted_on=frozenset(voted.values_list("proposal_id", flat=True)),
    )


def participant_counts(*, proposal_ids: Sequence[int]) -> dict[int, int]:
    """How many people voted on each proposal (one query); 0 when nobody did."""
    rows = (
        Participation.objects.filter(proposal_id__in=proposal_ids)
        .values("proposal_id")
        .annotate(participants=Count("pk"))
        .order_by()
    )
    counted = {row["proposal_id"]: row["participants"] for row in rows}
    return {proposal_id: counted.get(proposal_id, 0) for proposal_id in proposal_ids}


def participant_list(*, proposal: Proposal) -> QuerySet[Member]:
    """Who voted (not what), by name: public to the cohort, secret vote or not."""
    return Member.objects.filter(
        pk__in=Participation.objects.filter(proposal=proposal).values("member_id")
    ).order_by("last_name", "first_name", "pk")


@dataclass(frozen=True)
class OpenBallot:
    first_name: str
    last_name: str
    choice: str | None  # None: abstention


def open_ballot_list(*, proposal: Proposal) -> list[OpenBallot]:
    """Who chose what on an open vote, once it is closed; always empty for a secret vote."""
    return open_ballots_by_proposal(proposals=[proposal])[proposal.pk]


def open_ballots_by_proposal(*, proposals: Sequence[Proposal]) -> dict[int, list[OpenBallot]]:
    """open_ballot_list of several proposals, by proposal id, in one query."""
    found: dict[int, list[OpenBallot]] = {proposal.pk: [] for proposal in proposals}
    shown = [
        proposal.pk
        for proposal in proposals
        if not proposal.secret and proposal.status == ProposalStatus.CLOSED
    ]
    if not shown:
        return found
    ballots = (
        Ballot.objects.filter(proposal_id__in=shown, member__isnull=False)
        .select_related("member", "option")
        .order_by("proposal_id", "member__last_name", "member__first_name", "member_id")
    )
    for ballot in ballots:
        if ballot.member is not None:
            found[ballot.proposal_id].append(
                OpenBallot(
                    first_name=ballot.member.first_name,
                    last_name=ballot.member.last_name,
                    choice=ballot.option.label if ballot.option else None,
                )
            )
    return found


@dataclass(frozen=True)
class Counts:
    electorate_size: int
    votes: dict[int, int]  # option id → votes
    abstentions: int


def ballot_counts(*, proposal: Proposal) -> Counts:
    """The ballots counted per option (two queries); no member is read."""
    rows = (
        Ballot.objects.filter(proposal=proposal)
        .values("option_id")
        .annotate(votes=Count("pk"))
        .order_by()
    )
    per_option: dict[int | None, int] = {row["option_id"]: row["votes"] for row in rows}
    option_ids = Option.objects.filter(proposal=proposal).values_list("pk", flat=True)
    return Counts(
        electorate_size=Elector.objects.filter(proposal=proposal).count(),
        votes={option_id: per_option.get(option_id, 0) for option_id in option_ids},
        abstentions=per_option.get(None, 0),
    )


def decision_list(*, cohort_id: int) -> QuerySet[Decision]:
    """The cohort's decision log, the latest first."""
    return (
        Decision.objects.filter(cohort_id=cohort_id)
        .select_related("proposal", "winning_option")
        .order_by("-closed_at", "-pk")
    )


def adopted_decision_list(*, cohort_id: int) -> QuerySet[Decision]:
    """The cohort's adopted decisions, the latest first: what a pay run may say it applies."""
    return decision_list(cohort_id=cohort_id).filter(adopted=True)


def decision_find(*, decision_id: int) -> Decision | None:
    """The decision, whatever its cohort: callers check it is the one they expect."""
    return Decision.objects.select_related("proposal").filter(pk=decision_id).first()
