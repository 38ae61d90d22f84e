"""Governance writes: meetings, proposals opened and closed, ballots cast, decisions logged.

Every step that depends on a proposal's status locks its row first (`select_for_update`), so a
ballot and the closing of its vote never cross: a ballot is either counted or refused.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from tenants.cohorts.models import Cohort
from tenants.cohorts.tasks import facts_publish_on_commit
from tenants.governance.models import (
    Attendance,
    Ballot,
    Decision,
    Elector,
    MajorityRule,
    Meeting,
    MeetingKind,
    Option,
    Participation,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from tenants.governance.rules import Outcome, vote_outcome
from tenants.governance.selectors import ballot_counts, proposals_due
from tenants.people.models import Committee, Enrolment, Member

logger = logging.getLogger(__name__)


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _clean(instance: Meeting | Proposal) -> None:
    try:
        instance.full_clean(exclude=["created_by"])
    except ValidationError as error:
        raise ApplicationError(_("Ces informations sont incomplètes."), errors=error) from error


def _cohort_members(cohort: Cohort, member_ids: Sequence[int]) -> list[int]:
    """The ids, if every one is a member of the cohort (enrolled there, even since withdrawn)."""
    ids = sorted(set(member_ids))
    known = set(
        Enrolment.objects.filter(cohort=cohort, member_id__in=ids).values_list(
            "member_id", flat=True
        )
    )
    if known != set(ids):
        raise _refuse(
            _("Seul·es les coopérant·es de la coopérative peuvent être présent·es."), "attendees"
        )
    return ids


@transaction.atomic
def meeting_create(
    *,
    cohort: Cohort,
    kind: str,
    held_on: datetime.date,
    agenda: str,
    minutes: str = "",
    committee: Committee | None = None,
    attendee_ids: Sequence[int] = (),
) -> Meeting:
    """Record a meeting of the cohort (or of one of its committees) and who attended."""
    if committee is not None and committee.cohort_id != cohort.pk:
        raise _refuse(_("Ce comité n'est pas celui de cette coopérative."), "committee")
    if kind == MeetingKind.COMMITTEE and committee is None:
        raise _refuse(_("Indiquez le comité qui se réunit."), "committee")
    meeting = Meeting(
        cohort=cohort,
        kind=kind,
        held_on=held_on,
        agenda=agenda.strip(),
        minutes=minutes.strip(),
        committee=committee if kind == MeetingKind.COMMITTEE else None,
    )
    _clean(meeting)
    ids = _cohort_members(cohort, attendee_ids)
    meeting.save()
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member_id=pk) for pk in ids)
    facts_publish_on_commit(cohort_id=meeting.cohort_id)
    return meeting


@transaction.atomic
def meeting_minutes_record(
    *, meeting: Meeting, minutes: str, attendee_ids: Sequence[int]
) -> Meeting:
    """Write the minutes and the attendance of a meeting (replacing the previous ones). They
    stay amendable (Coopilote has no approval step: a correction agreed later is written
    here); what a vote decided is in the append-only decision log, which never changes."""
    # One amendment at a time: two people saving the attendance at once never collide.
    meeting = Meeting.objects.select_for_update().select_related("cohort").get(pk=meeting.pk)
    ids = _cohort_members(meeting.cohort, attendee_ids)
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes"])
    Attendance.objects.filter(meeting=meeting).exclude(member_id__in=ids).delete()
    known = set(Attendance.objects.filter(meeting=meeting).values_list("member_id", flat=True))
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member_id=pk) for pk in ids if pk not in known
    )
    return meeting


@transaction.atomic
def proposal_create(
    *,
    cohort: Cohort,
    by: Any,
    question: str,
    kind: str,
    closes_at: datetime.datetime,
    options: Sequence[str] = (),
    details: str = "",
    secret: bool = False,
    quorum_percent: int = 50,
    majority_rule: str = MajorityRule.SIMPLE,
    meeting: Meeting | None = None,
) -> Proposal:
    """Prepare a question for the cohort's vote (a draft: nobody votes until it is opened).
    A yes/no question gets the choices "Pour" and "Contre"; abstaining is always possible."""
    if meeting is not None and meeting.cohort_id != cohort.pk:
        raise _refuse(_("Cette réunion n'est pas celle de cette coopérative."), "meeting")
    if kind == ProposalKind.YES_NO:
        labels = [_("Pour"), _("Contre")]
    else:
        labels = [label.strip() for label in options if label.strip()]
        if len(labels) < 2:
            raise _refuse(_("Proposez au moins deux choix."), "options")
        if len({label.casefold() for label in labels}) != len(labels):
            raise _refuse(_("Deux choix portent le même nom."), "options")
    proposal = Proposal(
        cohort=cohort,
        created_by=by,
        question=question.strip(),
        details=details.strip(),
        kind=kind,
        closes_at=closes_at,
        secret=secret,
        quorum_percent=quorum_percent,
        majority_rule=majority_rule,
        meeting=meeting,
    )
    _clean(proposal)
    proposal.save()
    Option.objects.bulk_create(
        Option(proposal=proposal, label=label, position=position)
        for position, label in enumerate(labels, start=1)
    )
    return proposal


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


@transaction.atomic
def proposal_open(*, proposal: Proposal, now: datetime.datetime | None = None) -> Proposal:
    """Open the vote: the members enrolled in the cohort now become its electorate."""
    now = now or timezone.now()
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.DRAFT:
        raise _refuse(_("Ce vote a déjà été ouvert."))
    if proposal.closes_at <= now:
        raise _refuse(_("La clôture du vote doit être dans le futur."), "closes_at")
    member_ids = list(
        Enrolment.objects.enrolled()
        .filter(cohort_id=proposal.cohort_id)
        .values_list("member_id", flat=True)
        .order_by("member_id")
    )
    if not member_ids:
        raise _refuse(_("Aucun·e coopérant·e n'est inscrit·e : personne ne pourrait voter."))
    Elector.objects.bulk_create(Elector(proposal=proposal, member_id=pk) for pk in member_ids)
    proposal.status = ProposalStatus.OPEN
    proposal.opens_at = now
    proposal.save(update_fields=["status", "opens_at"])
    return proposal


@transaction.atomic
def ballot_cast(
    *,
    proposal: Proposal,
    member: Member,
    option: Option | None,
    now: datetime.datetime | None = None,
) -> Participation:
    """Cast `member`'s one vote for `option` (None: abstain). On a secret vote the ballot is
    stored without the member; only their participation names them."""
    now = now or timezone.now()
    proposal = _locked(proposal)
    if proposal.status == ProposalStatus.DRAFT:
        raise _refuse(_("Ce vote n'est pas encore ouvert."))
    if proposal.status == ProposalStatus.CLOSED or proposal.closes_at <= now:
        raise _refuse(_("Ce vote est clos."))
    if not Elector.objects.filter(proposal=proposal, member=member).exists():
        raise _refuse(_("Seul·es les coopérant·es inscrit·es à l'ouverture du vote peuvent voter."))
    if option is not None and option.proposal_id != proposal.pk:
        raise _refuse(_("Ce choix n'appartient pas à cette proposition."), "option")
    if Participation.objects.filter(proposal=proposal, member=member).exists():
        raise _refuse(_("Vous avez déjà voté."))
    try:
        with transaction.atomic():
            participation = Participation.objects.create(proposal=proposal, member=member)
            Ballot.objects.create(
                proposal=proposal, option=option, member=None if proposal.secret else member
            )
    except IntegrityError as error:  # a concurrent ballot of the same member won the race
        raise _refuse(_("Vous avez déjà voté.")) from error
    return participation


def _decision_text(proposal: Proposal, outcome: Outcome, labels: dict[int, str]) -> str:
    if not outcome.quorum_reached:
        return _(
            "Non adoptée : le quorum n'est pas atteint (%(participants)s votant·es sur "
            "%(needed)s requis·es)."
        ) % {
            "participants": outcome.participants,
            "needed": outcome.quorum_needed,
        }
    if outcome.winning_option is None:
        return _("Non adoptée : aucun choix n'obtient la majorité requise.")
    if proposal.kind == ProposalKind.YES_NO:
        return _("Adoptée.") if outcome.adopted else _("Rejetée.")
    return _("Choix retenu : %(label)s.") % {"label": labels[outcome.winning_option]}


@transaction.atomic
def proposal_close(*, proposal: Proposal, now: datetime.datetime | None = None) -> Decision:
    """Close the vote, count it (tenants.governance.rules) and log the decision."""
    now = now or timezone.now()
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.OPEN:
        raise _refuse(_("Seul un vote ouvert peut être clos."))
    options = list(Option.objects.filter(proposal=proposal).order_by("position", "pk"))
    counts = ballot_counts(proposal=proposal)
    outcome = vote_outcome(
        electorate_size=counts.electorate_size,
        votes=counts.votes,
        abstentions=counts.abstentions,
        quorum_percent=proposal.quorum_percent,
        majority_rule=proposal.majority_rule,
        adopting_option=options[0].pk if proposal.kind == ProposalKind.YES_NO else None,
    )
    proposal.status = ProposalStatus.CLOSED
    proposal.closed_at = now
    proposal.save(update_fields=["status", "closed_at"])
    labels = {option.pk: option.label for option in options}
    return Decision.objects.create(
        proposal=proposal,
        cohort_id=proposal.cohort_id,
        text=_decision_text(proposal, outcome, labels),
        adopted=outcome.adopted,
        quorum_reached=outcome.quorum_reached,
        electorate_size=counts.electorate_size,
        participants=outcome.participants,
        abstentions=counts.abstentions,
        counts=[
            {"option": option.label, "votes": counts.votes.get(option.pk, 0)} for option in options
        ],
        winning_option_id=outcome.winning_option,
        closed_at=now,
    )


def proposals_close_due(*, now: datetime.datetime | None = None) -> list[Decision]:
    """Close every open vote of this schema whose closing time has passed, one transaction
    each (for a periodic task run inside `tenant_context()`)."""
    now = now or timezone.now()
    decisions: list[Decision] = []
    for proposal in proposals_due(now=now):
        try:
            decisions.append(proposal_close(proposal=proposal, now=now))
        except ApplicationError:  # closed meanwhile by someone else
            logger.info("proposal %s was already closed", proposal.pk)
    return decisions
