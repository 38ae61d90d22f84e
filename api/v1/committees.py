"""Local steering committees of a CAE and the activity of the cohorts they support.

CAE admins and staff (COMMITTEE_LOCAL_MANAGE) create committees, choose the cohorts they support,
seat partners (invited by email) and record meetings and decisions. A partner reads the
committees they sit on and the activity of the cohorts those support (ACTIVITY_VIEW): every write
of theirs is refused (403). A committee the person may not read answers 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, site_of
from coopilote.access import Action, Refusal, local_committee_refusal
from network.committees.models import (
    CommitteeMeeting,
    LocalCommittee,
    OrganisationKind,
    PartnerOrganisation,
    Seat,
)
from network.committees.selectors import (
    committee_meeting_get,
    committee_meetings,
    committee_seats,
    local_committee_get,
    local_committee_list,
    organisation_list,
    partner_seated,
)
from network.committees.services import (
    committee_decision_record,
    committee_meeting_record,
    committee_meeting_update,
    local_committee_cohorts_set,
    local_committee_create,
    local_committee_dissolve,
    partner_seat,
    seat_end,
)
from tenants.cohorts.activity import cohort_activity
from tenants.cohorts.models import Cohort


def _amount() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class PartnerOrganisationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    town = serializers.CharField(max_length=100)
    siret = serializers.CharField(max_length=17, required=False, allow_blank=True, default="")


class PartnerOrganisationListItemSerializer(PartnerOrganisationSerializer):
    cae_count = serializers.IntegerField(read_only=True)
    committee_count = serializers.IntegerField(read_only=True)


class LocalCommitteeSeatOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    first_name = serializers.CharField(source="person.first_name")
    last_name = serializers.CharField(source="person.last_name")
    job_title = serializers.CharField(source="person.job_title")
    organisation = serializers.CharField(source="person.organisation.name")
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)


class LocalCommitteeDecisionOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    text = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class LocalCommitteeMeetingOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    agenda = serializers.CharField()
    minutes = serializers.CharField()
    attendees = serializers.SerializerMethodField()
    decisions = LocalCommitteeDecisionOutputSerializer(many=True)

    def get_attendees(self, meeting: CommitteeMeeting) -> list[int]:
        return [person.pk for person in meeting.attendees.all()]


class SupportedCohortSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LocalCommitteeOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    dissolved_on = serializers.DateField(allow_null=True)
    cohorts = SupportedCohortSerializer(many=True)


class LocalCommitteeDetailSerializer(LocalCommitteeOutputSerializer):
    seats = LocalCommitteeSeatOutputSerializer(many=True)
    meetings = LocalCommitteeMeetingOutputSerializer(many=True)


class LocalCommitteeInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    cohorts = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class LocalCommitteeCohortsSerializer(serializers.Serializer[Any]):
    cohorts = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class LocalCommitteeSeatInputSerializer(serializers.Serializer[Any]):
    organisation = PartnerOrganisationSerializer(
        help_text="The partner's organisation: the network's record is reused when it exists."
    )
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField()
    job_title = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    joined_on = serializers.DateField(required=False, allow_null=True, default=None)


class LocalCommitteeSeatEndSerializer(serializers.Serializer[Any]):
    left_on = serializers.DateField(required=False, allow_null=True, default=None)


class LocalCommitteeMeetingInputSerializer(serializers.Serializer[Any]):
    held_on = serializers.DateField()
    agenda = serializers.CharField()
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    attendees = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class LocalCommitteeMeetingUpdateSerializer(serializers.Serializer[Any]):
    minutes = serializers.CharField(allow_blank=True)
    attendees = serializers.ListField(child=serializers.IntegerField())


class LocalCommitteeDecisionInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()


class ActivityDecisionSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()
    adopted = serializers.BooleanField()
    quorum_reached = serializers.BooleanField()
    electorate_size = serializers.IntegerField()
    participants = serializers.IntegerField()
    closed_at = serializers.DateTimeField()


class ActivityTrainingSerializer(serializers.Serializer[Any]):
    sessions = serializers.IntegerField()
    hours_delivered = _amount()
    member_hours_attended = _amount()


class CohortActivitySerializer(serializers.Serializer[Any]):
    cohort = SupportedCohortSerializer()
    members_enrolled = serializers.IntegerField()
    members_withdrawn = serializers.IntegerField()
    jobs_planned = serializers.IntegerField()
    jobs_done = serializers.IntegerField()
    clients = serializers.IntegerField()
    hours_worked = _amount()
    revenue_excl_vat = _amount()
    invoices_issued = serializers.IntegerField()
    trainings = ActivityTrainingSerializer()
    decisions = ActivityDecisionSerializer(many=True)


def _cae(request: Request) -> Any:
    """The CAE of this site: these endpoints exist on CAE sites only."""
    return site_of(request)


def _cohort_ids_of_this_cae(ids: list[int]) -> list[int]:
    """The ids, checked against this CAE's cohorts (the network trusts its caller on them)."""
    found = set(Cohort.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = sorted(set(ids) - found)
    if unknown:
        raise ValidationError(
            {"cohorts": [_("Coopératives inconnues dans cette CAE : %(ids)s") % {"ids": unknown}]}
        )
    return sorted(found)


def _committee_or_404(request: Request, committee_id: int, *, write: bool) -> LocalCommittee:
    cae = _cae(request)
    committee = local_committee_get(cae=cae, committee_id=committee_id) if cae else None
    if committee is None:
        raise NotFound
    refusal = local_committee_refusal(
        request.user,
        cae=cae,
        seated=partner_seated(committee=committee, user=request.user),
        write=write,
    )
    if refusal == Refusal.NOT_FOUND:
        raise NotFound
    if refusal == Refusal.FORBIDDEN:
        raise PermissionDenied
    return committee


def _with_cohorts(committees: list[LocalCommittee]) -> list[dict[str, Any]]:
    ids = {row.cohort_id for committee in committees for row in committee.supported_cohorts.all()}
    names = dict(Cohort.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        {
            "id": committee.pk,
            "name": committee.name,
            "dissolved_on": committee.dissolved_on,
            "cohorts": [
                {"id": row.cohort_id, "name": names.get(row.cohort_id, "")}
                for row in committee.supported_cohorts.all()
            ],
        }
        for committee in committees
    ]


def _detail(committee: LocalCommittee) -> dict[str, Any]:
    committee = local_committee_list(cae=committee.cae).get(pk=committee.pk)
    data = _with_cohorts([committee])[0]
    data["seats"] = LocalCommitteeSeatOutputSerializer(
        committee_seats(committee=committee), many=True
    ).data
    data["meetings"] = LocalCommitteeMeetingOutputSerializer(
        committee_meetings(committee=committee), many=True
    ).data
    return data


class LocalCommitteeListApi(APIView):
    """The CAE's committees (a partner: those they sit on); CAE staff create them."""

    required_actions = {"GET": Action.CAE_VIEW, "POST": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(responses=LocalCommitteeOutputSerializer(many=True), tags=["local-committees"])
    def get(self, request: Request) -> Response:
        cae = _cae(request)
        manages = local_committee_refusal(request.user, cae=cae, seated=False, write=True) is None
        committees = local_committee_list(cae=cae, user=None if manages else request.user)
        return Response(
            LocalCommitteeOutputSerializer(_with_cohorts(list(committees)), many=True).data
        )

    @extend_schema(
        request=LocalCommitteeInputSerializer,
        responses={201: LocalCommitteeDetailSerializer},
        tags=["local-committees"],
    )
    def post(self, request: Request) -> Response:
        serializer = LocalCommitteeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        committee = local_committee_create(
            cae=_cae(request),
            name=serializer.validated_data["name"],
            cohort_ids=_cohort_ids_of_this_cae(serializer.validated_data["cohorts"]),
        )
        return Response(_detail(committee), status=status.HTTP_201_CREATED)


class LocalCommitteeDetailApi(APIView):
    """One committee: the cohorts it supports, its seats, meetings and decisions."""

    required_actions = {"GET": Action.CAE_VIEW}

    @extend_schema(responses=LocalCommitteeDetailSerializer, tags=["local-committees"])
    def get(self, request: Request, committee_id: int) -> Response:
        committee = _committee_or_404(request, committee_id, write=False)
        return Response(_detail(committee))


class LocalCommitteeCohortsApi(APIView):
    """Choose the cohorts the committee supports; its partners' access follows."""

    required_actions = {"PUT": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(
        request=LocalCommitteeCohortsSerializer,
        responses=LocalCommitteeDetailSerializer,
        tags=["local-committees"],
    )
    def put(self, request: Request, committee_id: int) -> Response:
        committee = _committee_or_404(request, committee_id, write=True)
        serializer = LocalCommitteeCohortsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort_ids = _cohort_ids_of_this_cae(serializer.validated_data["cohorts"])
        committee = local_committee_cohorts_set(committee=committee, cohort_ids=cohort_ids)
        return Response(_detail(committee))


class LocalCommitteeDissolveApi(APIView):
    required_actions = {"POST": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(
        request=None, responses=LocalCommitteeDetailSerializer, tags=["local-committees"]
    )
    def post(self, request: Request, committee_id: int) -> Response:
        committee = _committee_or_404(request, committee_id, write=True)
        return Response(_detail(local_committee_dissolve(committee=committee)))


class SeatListApi(APIView):
    """Seat a partner: their organisation and person are the network's records (created if
    new); they are invited by email and read the cohorts the committee supports."""

    required_actions = {"POST": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(
        request=LocalCommitteeSeatInputSerializer,
        responses={201: LocalCommitteeDetailSerializer},
        tags=["local-committees"],
    )
    def post(self, request: Request, committee_id: int) -> Response:
        committee = _committee_or_404(request, committee_id, write=True)
        serializer = LocalCommitteeSeatInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partner_seat(committee=committee, **serializer.validated_data)
        return Response(_detail(committee), status=status.HTTP_201_CREATED)


class SeatEndApi(APIView):
    required_actions = {"POST": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(
        request=LocalCommitteeSeatEndSerializer,
        responses=LocalCommitteeDetailSerializer,
        tags=["local-committees"],
    )
    def post(self, request: Request, committee_id: int, seat_id: int) -> Response:
        committee = _committee_or_404(request, committee_id, write=True)
        seat = Seat.objects.filter(committee=committee, pk=seat_id).first()
        if seat is None:
            raise NotFound
        serializer = LocalCommitteeSeatEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seat_end(seat=seat, left_on=serializer.validated_data["left_on"])
        return Response(_detail(committee))


class MeetingListApi(APIView):
    required_actions = {"POST": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(
        request=LocalCommitteeMeetingInputSerializer,
        responses={201: LocalCommitteeMeetingOutputSerializer},
        tags=["local-committees"],
    )
    def post(self, request: Request, committee_id: int) -> Response:
        committee = _committee_or_404(request, committee_id, write=True)
        serializer = LocalCommitteeMeetingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        meeting = committee_meeting_record(
            committee=committee,
            held_on=data["held_on"],
            agenda=data["agenda"],
            minutes=data["minutes"],
            attendee_ids=data["attendees"],
        )
        recorded = committee_meeting_get(committee=committee, meeting_id=meeting.pk)
        return Response(
            LocalCommitteeMeetingOutputSerializer(recorded).data, status=status.HTTP_201_CREATED
        )


def _meeting_or_404(request: Request, committee_id: int, meeting_id: int) -> CommitteeMeeting:
    committee = _committee_or_404(request, committee_id, write=True)
    meeting = committee_meeting_get(committee=committee, meeting_id=meeting_id)
    if meeting is None:
        raise NotFound
    return meeting


class MeetingDetailApi(APIView):
    """Write or amend a meeting's minutes and attendance."""

    required_actions = {"PATCH": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(
        request=LocalCommitteeMeetingUpdateSerializer,
        responses=LocalCommitteeMeetingOutputSerializer,
        tags=["local-committees"],
    )
    def patch(self, request: Request, committee_id: int, meeting_id: int) -> Response:
        meeting = _meeting_or_404(request, committee_id, meeting_id)
        serializer = LocalCommitteeMeetingUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        committee_meeting_update(
            meeting=meeting,
            minutes=serializer.validated_data["minutes"],
            attendee_ids=serializer.validated_data["attendees"],
        )
        updated = committee_meeting_get(committee=meeting.committee, meeting_id=meeting.pk)
        return Response(LocalCommitteeMeetingOutputSerializer(updated).data)


class MeetingDecisionApi(APIView):
    """Add a decision to a meeting: recorded once, never changed."""

    required_actions = {"POST": Action.COMMITTEE_LOCAL_MANAGE}

    @extend_schema(
        request=LocalCommitteeDecisionInputSerializer,
        responses={201: LocalCommitteeDecisionOutputSerializer},
        tags=["local-committees"],
    )
    def post(self, request: Request, committee_id: int, meeting_id: int) -> Response:
        meeting = _meeting_or_404(request, committee_id, meeting_id)
        serializer = LocalCommitteeDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = committee_decision_record(
            meeting=meeting, text=serializer.validated_data["text"], by=request.user
        )
        return Response(
            LocalCommitteeDecisionOutputSerializer(decision).data, status=status.HTTP_201_CREATED
        )


class CohortActivityApi(APIView):
    """A cohort's activity in figures (no personal data): what its committee partners follow."""

    required_actions = {"GET": Action.ACTIVITY_VIEW}
    cohort_scoped = True

    @extend_schema(responses=CohortActivitySerializer, tags=["local-committees"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.ACTIVITY_VIEW, cohort_id)
        activity = cohort_activity(cohort_id=cohort.pk)
        data = {"cohort": {"id": cohort.pk, "name": cohort.name}, **vars(activity)}
        return Response(CohortActivitySerializer(data).data)


class OrganisationListApi(APIView):
    """The network's partner organisations (national site), with where they sit."""

    required_actions = {"GET": Action.NETWORK_VIEW}

    @extend_schema(
        responses=PartnerOrganisationListItemSerializer(many=True), tags=["local-committees"]
    )
    def get(self, request: Request) -> Response:
        organisations: list[PartnerOrganisation] = list(
            organisation_list(search=request.query_params.get("q", ""))
        )
        return Response(PartnerOrganisationListItemSerializer(organisations, many=True).data)


urlpatterns: list[URLPattern] = [
    path("cohorts/<int:cohort_id>/activity/", CohortActivityApi.as_view(), name="cohort-activity"),
    path("local-committees/", LocalCommitteeListApi.as_view(), name="local-committee-list"),
    path(
        "local-committees/<int:committee_id>/",
        LocalCommitteeDetailApi.as_view(),
        name="local-committee-detail",
    ),
    path(
        "local-committees/<int:committee_id>/cohorts/",
        LocalCommitteeCohortsApi.as_view(),
        name="local-committee-cohorts",
    ),
    path(
        "local-committees/<int:committee_id>/dissolve/",
        LocalCommitteeDissolveApi.as_view(),
        name="local-committee-dissolve",
    ),
    path(
        "local-committees/<int:committee_id>/seats/",
        SeatListApi.as_view(),
        name="local-committee-seats",
    ),
    path(
        "local-committees/<int:committee_id>/seats/<int:seat_id>/end/",
        SeatEndApi.as_view(),
        name="local-committee-seat-end",
    ),
    path(
        "local-committees/<int:committee_id>/meetings/",
        MeetingListApi.as_view(),
        name="local-committee-meetings",
    ),
    path(
        "local-committees/<int:committee_id>/meetings/<int:meeting_id>/",
        MeetingDetailApi.as_view(),
        name="local-committee-meeting",
    ),
    path(
        "local-committees/<int:committee_id>/meetings/<int:meeting_id>/decisions/",
        MeetingDecisionApi.as_view(),
        name="local-committee-decisions",
    ),
]

public_urlpatterns: list[URLPattern] = [
    path("partner-organisations/", OrganisationListApi.as_view(), name="partner-organisation-list"),
]
