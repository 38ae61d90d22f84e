"""A cohort's governance on its CAE's site: the "Décisions" page (votes open, the vote form for
coopérant·es, results and the decision log; preparing, opening and closing votes for
animateur·rices and CAE staff) and its meetings, each with its minutes and attendance (amended by
animateur·rices and CAE staff) and the votes linked to it. Same rules as api/v1/governance.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from frontend.access import require, require_cohort, site_cae
from frontend.forms import (
    MeetingForm,
    MeetingMinutesForm,
    ProposalForm,
    VoteForm,
    form_add_errors,
)
from tenants.cohorts.models import Cohort
from tenants.cohorts.selectors import cohort_get
from tenants.governance.models import (
    Decision,
    MajorityRule,
    MeetingKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from tenants.governance.selectors import (
    OpenBallot,
    attendee_candidates,
    committee_list,
    decision_list,
    meeting_attendee_candidates,
    meeting_get,
    meeting_list,
    meeting_proposals,
    open_ballots_by_proposal,
    participant_counts,
    proposal_list,
    voter_for_user,
    voter_standing,
)
from tenants.governance.services import (
    ballot_cast,
    meeting_create,
    meeting_minutes_record,
    proposal_close,
    proposal_create,
    proposal_open,
)
from tenants.people.models import Member


def _cohort_or_404(request: HttpRequest, cohort_id: int, action: Action) -> Cohort:
    require_cohort(request, Action.GOVERNANCE_VIEW, cohort_id)
    require_cohort(request, action, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    return cohort


def _proposal_form(data: Any = None) -> ProposalForm:
    return ProposalForm(data, kinds=ProposalKind.choices, majority_rules=MajorityRule.choices)


@dataclass(frozen=True)
class OpenVote:
    proposal: Proposal
    participants: int
    form: VoteForm | None  # the member's ballot, when they may still vote
    has_voted: bool


def _open_votes(proposals: list[Proposal], voter: Member | None, data: Any) -> list[OpenVote]:
    proposal_ids = [proposal.pk for proposal in proposals]
    participants = participant_counts(proposal_ids=proposal_ids)
    standing = (
        voter_standing(proposal_ids=proposal_ids, member_id=voter.pk) if voter is not None else None
    )
    votes = []
    for proposal in proposals:
        voted = standing is not None and proposal.pk in standing.voted_on
        may_vote = standing is not None and not voted and proposal.pk in standing.elector_of
        votes.append(
            OpenVote(
                proposal=proposal,
                participants=participants[proposal.pk],
                form=VoteForm(data, options=proposal.options.all(), prefix=f"p{proposal.pk}")
                if may_vote
                else None,
                has_voted=voted,
            )
        )
    return votes


def _decisions_with_ballots(cohort_id: int) -> list[tuple[Decision, list[OpenBallot]]]:
    decisions = list(decision_list(cohort_id=cohort_id))
    ballots = open_ballots_by_proposal(proposals=[decision.proposal for decision in decisions])
    return [(decision, ballots[decision.proposal_id]) for decision in decisions]


def _step(request: HttpRequest, cohort: Cohort, proposal_form: ProposalForm) -> str | None:
    """Do the POSTed step; return a success message, or None when a form shows its errors."""
    step = request.POST.get("step")
    cae = site_cae()
    may_manage = can(request.user, Action.GOVERNANCE_MANAGE, cae=cae, cohort_id=cohort.pk)
    if step == "propose":
        if not may_manage:
            raise PermissionDenied
        if not proposal_form.is_valid():
            return None
        data = dict(proposal_form.cleaned_data)
        data["options"] = proposal_form.option_labels()
        try:
            proposal_create(cohort=cohort, by=request.user, **data)
        except ApplicationError as error:
            form_add_errors(proposal_form, error)
            return None
        return _("La proposition est préparée : ouvrez le vote quand la coopérative est prête.")
    proposal_id = request.POST.get("proposal", "")
    proposal = (
        proposal_list(cohort_id=cohort.pk).filter(pk=int(proposal_id)).first()
        if proposal_id.isdigit()
        else None
    )
    if proposal is None or step not in {"open", "close", "vote"}:
        raise Http404
    if step in {"open", "close"}:
        if not may_manage:
            raise PermissionDenied
        if step == "open":
            proposal_open(proposal=proposal)
            return _("Le vote est ouvert.")
        proposal_close(proposal=proposal)
        return _("Le vote est clos ; la décision est inscrite au registre.")
    if not can(request.user, Action.VOTE, cae=cae, cohort_id=cohort.pk):
        raise PermissionDenied
    voter = voter_for_user(cohort_id=cohort.pk, user_id=request.user.pk)
    if voter is None:
        raise PermissionDenied
    form = VoteForm(request.POST, options=proposal.options.all(), prefix=f"p{proposal.pk}")
    if not form.is_valid():
        raise ApplicationError(_("Choisissez une réponse, ou l'abstention."))
    choice = form.cleaned_data["choice"]
    option = None if choice == "abstain" else proposal.options.get(pk=int(choice))
    ballot_cast(proposal=proposal, member=voter, option=option)
    return _("Votre vote est enregistré.")


@require(Action.CAE_VIEW)
def governance_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The cohort's "Décisions" page."""
    cohort = _cohort_or_404(request, cohort_id, Action.GOVERNANCE_VIEW)
    cae = site_cae()
    may_manage = can(request.user, Action.GOVERNANCE_MANAGE, cae=cae, cohort_id=cohort.pk)
    may_vote = can(request.user, Action.VOTE, cae=cae, cohort_id=cohort.pk)
    proposal_form = _proposal_form(request.POST if request.POST.get("step") == "propose" else None)
    refusal: str | None = None
    if request.method == "POST":
        try:
            success = _step(request, cohort, proposal_form)
        except ApplicationError as error:
            refusal = error.message
        else:
            if success is not None:
                messages.success(request, success)
                return redirect("frontend:governance-index", cohort_id=cohort.pk)
    voter = voter_for_user(cohort_id=cohort.pk, user_id=request.user.pk) if may_vote else None
    proposals = list(proposal_list(cohort_id=cohort.pk))
    context = {
        "cohort": cohort,
        "may_manage": may_manage,
        "may_vote": may_vote,
        "voter": voter,
        "drafts": [proposal for proposal in proposals if proposal.status == ProposalStatus.DRAFT],
        "open_votes": _open_votes(
            [proposal for proposal in proposals if proposal.is_open], voter, None
        ),
        # The log, each decision with who chose what (open votes only; empty when secret).
        "decisions": _decisions_with_ballots(cohort.pk),
        "proposal_form": proposal_form,
        "refusal": refusal,
    }
    failed = request.method == "POST"
    return render(request, "frontend/governance_index.html", context, status=400 if failed else 200)


@require(Action.CAE_VIEW)
def governance_meetings(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The cohort's meetings (assemblées, committee meetings); animateur·rices record them."""
    cohort = _cohort_or_404(request, cohort_id, Action.GOVERNANCE_VIEW)
    may_manage = can(request.user, Action.GOVERNANCE_MANAGE, cae=site_cae(), cohort_id=cohort.pk)
    form = MeetingForm(
        request.POST if request.method == "POST" else None,
        kinds=MeetingKind.choices,
        committees=committee_list(cohort_id=cohort.pk),
        members=attendee_candidates(cohort_id=cohort.pk),
    )
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting_create(
                    cohort=cohort,
                    kind=data["kind"],
                    committee=data["committee"],
                    held_on=data["held_on"],
                    agenda=data["agenda"],
                    minutes=data["minutes"],
                    attendee_ids=[member.pk for member in data["attendees"]],
                )
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("La réunion est enregistrée."))
                return redirect("frontend:governance-meetings", cohort_id=cohort.pk)
    context = {
        "cohort": cohort,
        "meetings": meeting_list(cohort_id=cohort.pk),
        "may_manage": may_manage,
        "form": form,
    }
    return render(
        request, "frontend/governance_meetings.html", context, status=400 if form.errors else 200
    )


@require(Action.CAE_VIEW)
def governance_meeting_detail(
    request: HttpRequest, cohort_id: int, meeting_id: int
) -> HttpResponse:
    """One meeting: agenda, attendance, minutes and the votes linked to it; animateur·rices and
    CAE staff record or amend the minutes and the attendance, the others read."""
    cohort = _cohort_or_404(request, cohort_id, Action.GOVERNANCE_VIEW)
    meeting = meeting_get(cohort_id=cohort.pk, meeting_id=meeting_id)
    if meeting is None:
        raise Http404
    may_manage = can(request.user, Action.GOVERNANCE_MANAGE, cae=site_cae(), cohort_id=cohort.pk)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied
    form = MeetingMinutesForm(
        request.POST if request.method == "POST" else None,
        initial={"minutes": meeting.minutes, "attendees": list(meeting.attendees.all())},
        members=meeting_attendee_candidates(meeting=meeting),
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting_minutes_record(
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                attendee_ids=[member.pk for member in form.cleaned_data["attendees"]],
            )
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Le compte rendu et les présences sont enregistrés."))
            return redirect(
                "frontend:governance-meeting-detail", cohort_id=cohort.pk, meeting_id=meeting.pk
            )
    context = {
        "cohort": cohort,
        "meeting": meeting,
        "attendees": [
            member.display_name(full=False)
            for member in meeting.attendees.order_by("first_name", "last_name", "pk")
        ],
        "proposals": meeting_proposals(meeting=meeting),
        "may_manage": may_manage,
        "form": form,
    }
    return render(
        request,
        "frontend/governance_meeting_detail.html",
        context,
        status=400 if form.errors else 200,
    )
