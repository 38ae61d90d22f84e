"""A cohort's governance: meetings, proposals put to the vote, ballots, results, decision log.

Everyone who follows the cohort's governance (GOVERNANCE_VIEW: its animateur·rices, its
coopérant·es, CAE staff) reads meetings, proposals, results and the decision log; animateur·rices
and CAE staff (GOVERNANCE_MANAGE) record meetings and amend their minutes and attendance,
prepare, open and close votes; only the
cohort's coopérant·es vote (VOTE), once, with the member record linked to their account. No
answer ever links a member to a secret choice. A cohort the person cannot see answers 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort
from coopilote.access import Action
from coopilote.errors import ApplicationError
from tenants.governance.models import (
    MajorityRule,
    Meeting,
    MeetingKind,
    Option,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from tenants.governance.selectors import (
    committee_get,
    decision_list,
    has_voted,
    meeting_find,
    meeting_get,
    meeting_list,
    meeting_proposals,
    open_ballot_list,
    participant_list,
    proposal_get,
    proposal_list,
    voter_for_user,
)
from tenants.governance.services import (
    ballot_cast,
    meeting_create,
    meeting_minutes_record,
    proposal_close,
    proposal_create,
    proposal_open,
)


class MeetingOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    committee = serializers.IntegerField(source="committee_id", allow_null=True)
    held_on = serializers.DateField()
    agenda = serializers.CharField()
    minutes = serializers.CharField()
    attendees = serializers.SerializerMethodField()
    attendee_ids = serializers.SerializerMethodField(
        help_text="The members present (ids), for amending the attendance."
    )

    def get_attendees(self, meeting: Any) -> list[str]:
        return [member.first_name for member in meeting.attendees.all()]

    def get_attendee_ids(self, meeting: Any) -> list[int]:
        return sorted(member.pk for member in meeting.attendees.all())


class MeetingInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    committee = serializers.IntegerField(required=False, allow_null=True, default=None)
    held_on = serializers.DateField()
    agenda = serializers.CharField(max_length=5000)
    minutes = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    attendees = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class MeetingMinutesInputSerializer(serializers.Serializer[Any]):
    """Either or both; what is left out stays as it is. `attendees` replaces the attendance."""

    minutes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    attendees = serializers.ListField(child=serializers.IntegerField(), required=False)


class OptionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label


class DecisionSerializer(serializers.Serializer[Any]):
    proposal = serializers.IntegerField(source="proposal_id")
    question = serializers.CharField(source="proposal.question")
    text = serializers.CharField()
    adopted = serializers.BooleanField()
    quorum_reached = serializers.BooleanField()
    electorate_size = serializers.IntegerField()
    participants = serializers.IntegerField()
    abstentions = serializers.IntegerField()
    counts = serializers.ListField(child=serializers.DictField())
    winning_option = serializers.IntegerField(source="winning_option_id", allow_null=True)
    closed_at = serializers.DateTimeField()


class ProposalOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    question = serializers.CharField()
    details = serializers.CharField()
    kind = serializers.ChoiceField(choices=ProposalKind.choices)
    secret = serializers.BooleanField()
    quorum_percent = serializers.IntegerField()
    majority_rule = serializers.ChoiceField(choices=MajorityRule.choices)
    status = serializers.ChoiceField(choices=ProposalStatus.choices)
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    options = OptionSerializer(many=True)


class ProposalInputSerializer(serializers.Serializer[Any]):
    """`options` only for several choices; a yes/no question gets "Pour" and "Contre"."""

    question = serializers.CharField(max_length=300)
    details = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=ProposalKind.choices)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    secret = serializers.BooleanField(default=False)
    quorum_percent = serializers.IntegerField(min_value=0, max_value=100, default=50)
    majority_rule = serializers.ChoiceField(
        choices=MajorityRule.choices, default=MajorityRule.SIMPLE
    )
    closes_at = serializers.DateTimeField()
    meeting = serializers.IntegerField(required=False, allow_null=True, default=None)


class MeetingProposalSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    question = serializers.CharField()
    status = serializers.ChoiceField(choices=ProposalStatus.choices)
    closes_at = serializers.DateTimeField()
    decision = serializers.SerializerMethodField()

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, proposal: Proposal) -> dict[str, Any] | None:
        decision = getattr(proposal, "decision", None)
        return None if decision is None else dict(DecisionSerializer(decision).data)


class MeetingDetailSerializer(MeetingOutputSerializer):
    proposals = MeetingProposalSerializer(
        many=True, help_text="The votes linked to the meeting, with their decision once closed."
    )


class VoteInputSerializer(serializers.Serializer[Any]):
    option = serializers.IntegerField(
        allow_null=True, help_text="The chosen option's id; null to abstain."
    )


class VoteOutputSerializer(serializers.Serializer[Any]):
    proposal = serializers.IntegerField()
    has_voted = serializers.BooleanField()


class ParticipantSerializer(serializers.Serializer[Any]):
    first_name = serializers.CharField()


class OpenBallotSerializer(serializers.Serializer[Any]):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    choice = serializers.CharField(allow_null=True, help_text="null: abstention")


class ResultsSerializer(serializers.Serializer[Any]):
    proposal = ProposalOutputSerializer()
    participants = ParticipantSerializer(many=True, help_text="Who voted, never what.")
    decision = DecisionSerializer(allow_null=True)
    ballots = OpenBallotSerializer(
        many=True, help_text="Who chose what: open votes, once closed; always empty if secret."
    )


def _proposal_or_404(request: Request, proposal_id: int, action: Action) -> Proposal:
    proposal = proposal_get(proposal_id=proposal_id)
    if proposal is None:
        raise NotFound
    require_cohort(request, Action.GOVERNANCE_VIEW, proposal.cohort_id)
    require_cohort(request, action, proposal.cohort_id)
    return proposal


class CohortMeetingListApi(APIView):
    required_actions = {"GET": Action.GOVERNANCE_VIEW, "POST": Action.GOVERNANCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=MeetingOutputSerializer(many=True), tags=["governance"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.GOVERNANCE_VIEW, cohort_id)
        return Response(MeetingOutputSerializer(meeting_list(cohort_id=cohort.pk), many=True).data)

    @extend_schema(
        request=MeetingInputSerializer,
        responses={201: MeetingOutputSerializer},
        tags=["governance"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.GOVERNANCE_MANAGE, cohort_id)
        serializer = MeetingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        committee = None
        if data["committee"] is not None:
            committee = committee_get(cohort_id=cohort.pk, committee_id=data["committee"])
            if committee is None:
                raise ApplicationError(_("Ce comité n'est pas celui de cette coopérative."))
        meeting = meeting_create(
            cohort=cohort,
            kind=data["kind"],
            committee=committee,
            held_on=data["held_on"],
            agenda=data["agenda"],
            minutes=data["minutes"],
            attendee_ids=data["attendees"],
        )
        return Response(MeetingOutputSerializer(meeting).data, status=status.HTTP_201_CREATED)


def _meeting_detail(meeting: Meeting) -> dict[str, Any]:
    data = dict(MeetingOutputSerializer(meeting).data)
    data["proposals"] = MeetingProposalSerializer(
        meeting_proposals(meeting=meeting), many=True
    ).data
    return data


class MeetingDetailApi(APIView):
    """One meeting with the votes linked to it; animateur·rices and CAE staff amend its minutes
    and attendance (they stay amendable: the decision log is what never changes)."""

    required_actions = {"GET": Action.GOVERNANCE_VIEW, "PATCH": Action.GOVERNANCE_MANAGE}
    cohort_scoped = True

    def _meeting(self, request: Request, meeting_id: int, action: Action) -> Meeting:
        meeting = meeting_find(meeting_id=meeting_id)
        if meeting is None:
            raise NotFound
        require_cohort(request, Action.GOVERNANCE_VIEW, meeting.cohort_id)
        require_cohort(request, action, meeting.cohort_id)
        return meeting

    @extend_schema(responses=MeetingDetailSerializer, tags=["governance"])
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = self._meeting(request, meeting_id, Action.GOVERNANCE_VIEW)
        return Response(_meeting_detail(meeting))

    @extend_schema(
        request=MeetingMinutesInputSerializer,
        responses=MeetingDetailSerializer,
        tags=["governance"],
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        meeting = self._meeting(request, meeting_id, Action.GOVERNANCE_MANAGE)
        serializer = MeetingMinutesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        meeting_minutes_record(
            meeting=meeting,
            minutes=data.get("minutes", meeting.minutes),
            attendee_ids=data.get("attendees", [member.pk for member in meeting.attendees.all()]),
        )
        return Response(_meeting_detail(self._meeting(request, meeting.pk, Action.GOVERNANCE_VIEW)))


class CohortProposalListApi(APIView):
    required_actions = {"GET": Action.GOVERNANCE_VIEW, "POST": Action.GOVERNANCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=ProposalOutputSerializer(many=True), tags=["governance"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.GOVERNANCE_VIEW, cohort_id)
        proposals = proposal_list(cohort_id=cohort.pk)
        return Response(ProposalOutputSerializer(proposals, many=True).data)

    @extend_schema(
        request=ProposalInputSerializer,
        responses={201: ProposalOutputSerializer},
        tags=["governance"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.GOVERNANCE_MANAGE, cohort_id)
        serializer = ProposalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        meeting_id = data.pop("meeting")
        meeting = None
        if meeting_id is not None:
            meeting = meeting_get(cohort_id=cohort.pk, meeting_id=meeting_id)
            if meeting is None:
                raise ApplicationError(_("Cette réunion n'est pas celle de cette coopérative."))
        proposal = proposal_create(cohort=cohort, by=request.user, meeting=meeting, **data)
        return Response(ProposalOutputSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProposalOpenApi(APIView):
    """Open the vote: the members enrolled now form the electorate."""

    required_actions = {"POST": Action.GOVERNANCE_MANAGE}
    cohort_scoped = True

    @extend_schema(request=None, responses=ProposalOutputSerializer, tags=["governance"])
    def post(self, request: Request, proposal_id: int) -> Response:
        proposal = _proposal_or_404(request, proposal_id, Action.GOVERNANCE_MANAGE)
        return Response(ProposalOutputSerializer(proposal_open(proposal=proposal)).data)


class ProposalCloseApi(APIView):
    """Close the vote now, count it and log the decision."""

    required_actions = {"POST": Action.GOVERNANCE_MANAGE}
    cohort_scoped = True

    @extend_schema(request=None, responses=DecisionSerializer, tags=["governance"])
    def post(self, request: Request, proposal_id: int) -> Response:
        proposal = _proposal_or_404(request, proposal_id, Action.GOVERNANCE_MANAGE)
        return Response(DecisionSerializer(proposal_close(proposal=proposal)).data)


class ProposalVoteApi(APIView):
    """Cast one's own vote (a coopérant·e of the cohort, in the vote's electorate)."""

    required_actions = {"POST": Action.VOTE}
    cohort_scoped = True

    @extend_schema(
        request=VoteInputSerializer, responses={201: VoteOutputSerializer}, tags=["governance"]
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        proposal = _proposal_or_404(request, proposal_id, Action.VOTE)
        member = voter_for_user(cohort_id=proposal.cohort_id, user_id=request.user.pk)
        if member is None:
            raise PermissionDenied(
                _("Votre compte n'est lié à aucun·e coopérant·e de la coopérative.")
            )
        serializer = VoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        option: Option | None = None
        if serializer.validated_data["option"] is not None:
            option = proposal.options.filter(pk=serializer.validated_data["option"]).first()
            if option is None:
                raise ApplicationError(_("Ce choix n'appartient pas à cette proposition."))
        ballot_cast(proposal=proposal, member=member, option=option)
        return Response(
            {
                "proposal": proposal.pk,
                "has_voted": has_voted(proposal=proposal, member_id=member.pk),
            },
            status=status.HTTP_201_CREATED,
        )


class ProposalResultsApi(APIView):
    """The proposal, who took part, and once closed its decision (and for an open vote, who
    chose what)."""

    required_actions = {"GET": Action.GOVERNANCE_VIEW}
    cohort_scoped = True

    @extend_schema(responses=ResultsSerializer, tags=["governance"])
    def get(self, request: Request, proposal_id: int) -> Response:
        proposal = _proposal_or_404(request, proposal_id, Action.GOVERNANCE_VIEW)
        decision = decision_list(cohort_id=proposal.cohort_id).filter(proposal=proposal).first()
        data = {
            "proposal": proposal,
            "participants": participant_list(proposal=proposal),
            "decision": decision,
            "ballots": open_ballot_list(proposal=proposal),
        }
        return Response(ResultsSerializer(data).data)


class CohortDecisionListApi(APIView):
    """The cohort's decision log."""

    required_actions = {"GET": Action.GOVERNANCE_VIEW}
    cohort_scoped = True

    @extend_schema(responses=DecisionSerializer(many=True), tags=["governance"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.GOVERNANCE_VIEW, cohort_id)
        return Response(DecisionSerializer(decision_list(cohort_id=cohort.pk), many=True).data)


urlpatterns: list[URLPattern] = [
    path(
        "cohorts/<int:cohort_id>/meetings/",
        CohortMeetingListApi.as_view(),
        name="cohort-meetings",
    ),
    path("meetings/<int:meeting_id>/", MeetingDetailApi.as_view(), name="meeting-detail"),
    path(
        "cohorts/<int:cohort_id>/proposals/",
        CohortProposalListApi.as_view(),
        name="cohort-proposals",
    ),
    path(
        "cohorts/<int:cohort_id>/decisions/",
        CohortDecisionListApi.as_view(),
        name="cohort-decisions",
    ),
    path("proposals/<int:proposal_id>/open/", ProposalOpenApi.as_view(), name="proposal-open"),
    path("proposals/<int:proposal_id>/close/", ProposalCloseApi.as_view(), name="proposal-close"),
    path("proposals/<int:proposal_id>/vote/", ProposalVoteApi.as_view(), name="proposal-vote"),
    path(
        "proposals/<int:proposal_id>/results/",
        ProposalResultsApi.as_view(),
        name="proposal-results",
    ),
]
