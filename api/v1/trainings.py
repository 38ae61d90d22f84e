"""Ateliers (trainings) of a cohort: its animateur·rices and CAE staff (TRAINING_MANAGE) plan
them and record attendance; its coopérant·es see them (TRAINING_VIEW). People who may not see
members' data (MEMBER_VIEW) get first names and last initials only. A cohort the person cannot
see answers 404; one they see without the right (the coordinator) 403.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, can
from tenants.people.models import Member
from tenants.trainings.models import TrainingSession, TrainingTopic
from tenants.trainings.selectors import (
    training_attendance_list,
    training_hours_per_member,
    training_indicators,
    training_session_get,
    training_session_list,
    training_session_members,
)
from tenants.trainings.services import (
    attendance_record,
    training_session_create,
    training_session_delete,
    training_session_update,
)


def _hours() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=True)


class TrainingSessionOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    topic = serializers.ChoiceField(choices=TrainingTopic.choices)
    title = serializers.CharField()
    name = serializers.CharField(source="label", help_text="The title, else the topic.")
    trainer_name = serializers.CharField()
    trainer_organisation = serializers.CharField()
    date = serializers.DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    duration_hours = _hours()
    place = serializers.CharField()
    notes = serializers.CharField()


class TrainingSessionListItemSerializer(TrainingSessionOutputSerializer):
    present_count = serializers.IntegerField()


class AttendanceOutputSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField()
    name = serializers.CharField()
    recorded = serializers.BooleanField(help_text="False until the attendance is recorded.")
    present = serializers.BooleanField()
    hours = _hours()


class TrainingSessionDetailSerializer(TrainingSessionOutputSerializer):
    attendance = AttendanceOutputSerializer(many=True)


class TrainingSessionInputSerializer(serializers.Serializer[Any]):
    topic = serializers.ChoiceField(choices=TrainingTopic.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    trainer_name = serializers.CharField(max_length=150)
    trainer_organisation = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default=""
    )
    date = serializers.DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class TrainingSessionPatchSerializer(TrainingSessionInputSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


class AttendanceInputSerializer(serializers.Serializer[Any]):
    """The members present; each attended the whole session unless `hours` says less."""

    present = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    hours = serializers.DictField(
        child=serializers.DecimalField(max_digits=4, decimal_places=2, min_value=Decimal("0")),
        required=False,
        default=dict,
        help_text="Hours attended by member id, for those who left early or came late.",
    )

    def validate_hours(self, value: dict[str, Decimal]) -> dict[int, Decimal]:
        try:
            return {int(member_id): hours for member_id, hours in value.items()}
        except ValueError as error:
            raise ValidationError(_("Les clés sont des identifiants de coopérant·es.")) from error


class MemberHoursSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField()
    name = serializers.CharField()
    hours = _hours()


class TrainingSummarySerializer(serializers.Serializer[Any]):
    sessions = serializers.IntegerField()
    hours_delivered = _hours()
    member_hours_attended = _hours()
    member_hours_offered = _hours()
    attendance_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, coerce_to_string=True
    )
    members = MemberHoursSerializer(many=True)


def _session_or_404(request: Request, session_id: int, action: Action) -> TrainingSession:
    session = training_session_get(session_id=session_id)
    if session is None:
        raise NotFound
    require_cohort(request, Action.COHORT_VIEW, session.cohort_id)
    require_cohort(request, action, session.cohort_id)
    return session


def _full_names(request: Request, cohort_id: int) -> bool:
    return can(request.user, Action.MEMBER_VIEW, cae=site_of(request), cohort_id=cohort_id)


def _detail(request: Request, session: TrainingSession) -> dict[str, Any]:
    full = _full_names(request, session.cohort_id)
    recorded = {row.member_id: row for row in training_attendance_list(session=session)}
    members = {member.pk: member for member in training_session_members(session=session)}
    # Recorded rows first (a member may have withdrawn since), then members not yet recorded.
    for row in recorded.values():
        members.setdefault(row.member_id, row.member)
    attendance = [
        {
            "member": member.pk,
            "name": member.display_name(full=full),
            "recorded": member.pk in recorded,
            "present": recorded[member.pk].present if member.pk in recorded else False,
            "hours": recorded[member.pk].hours if member.pk in recorded else Decimal("0.00"),
        }
        for member in sorted(members.values(), key=lambda m: (m.last_name, m.first_name, m.pk))
    ]
    data: dict[str, Any] = dict(TrainingSessionOutputSerializer(session).data)
    data["attendance"] = AttendanceOutputSerializer(attendance, many=True).data
    return data


class CohortTrainingListApi(APIView):
    """A cohort's ateliers; its animateur·rices and CAE staff plan new ones."""

    required_actions = {"GET": Action.TRAINING_VIEW, "POST": Action.TRAINING_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=TrainingSessionListItemSerializer(many=True), tags=["trainings"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.TRAINING_VIEW, cohort_id)
        sessions = training_session_list(cohort_id=cohort.pk)
        return Response(TrainingSessionListItemSerializer(sessions, many=True).data)

    @extend_schema(
        request=TrainingSessionInputSerializer,
        responses={201: TrainingSessionDetailSerializer},
        tags=["trainings"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.TRAINING_MANAGE, cohort_id)
        serializer = TrainingSessionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = training_session_create(cohort=cohort, **serializer.validated_data)
        return Response(_detail(request, session), status=status.HTTP_201_CREATED)


class CohortTrainingSummaryApi(APIView):
    """A cohort's training totals, and the hours each member attended."""

    required_actions = {"GET": Action.TRAINING_VIEW}
    cohort_scoped = True

    @extend_schema(responses=TrainingSummarySerializer, tags=["trainings"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.TRAINING_VIEW, cohort_id)
        indicators = training_indicators(cohort_id=cohort.pk)
        hours = training_hours_per_member(cohort_id=cohort.pk)
        full = _full_names(request, cohort.pk)
        members = Member.objects.enrolled_in([cohort.pk]).order_by("last_name", "first_name", "pk")
        data = {
            "sessions": indicators.sessions,
            "hours_delivered": indicators.hours_delivered,
            "member_hours_attended": indicators.member_hours_attended,
            "member_hours_offered": indicators.member_hours_offered,
            "attendance_rate": indicators.attendance_rate,
            "members": [
                {
                    "member": member.pk,
                    "name": member.display_name(full=full),
                    "hours": hours.get(member.pk, Decimal("0.00")),
                }
                for member in members
            ],
        }
        return Response(TrainingSummarySerializer(data).data)


class TrainingSessionDetailApi(APIView):
    """One atelier with its attendance."""

    required_actions = {
        "GET": Action.TRAINING_VIEW,
        "PATCH": Action.TRAINING_MANAGE,
        "DELETE": Action.TRAINING_MANAGE,
    }
    cohort_scoped = True

    @extend_schema(responses=TrainingSessionDetailSerializer, tags=["trainings"])
    def get(self, request: Request, session_id: int) -> Response:
        session = _session_or_404(request, session_id, Action.TRAINING_VIEW)
        return Response(_detail(request, session))

    @extend_schema(
        request=TrainingSessionPatchSerializer,
        responses=TrainingSessionDetailSerializer,
        tags=["trainings"],
    )
    def patch(self, request: Request, session_id: int) -> Response:
        session = _session_or_404(request, session_id, Action.TRAINING_MANAGE)
        serializer = TrainingSessionPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = {
            field: value
            for field, value in serializer.validated_data.items()
            if field in serializer.initial_data
        }
        session = training_session_update(session=session, changes=changes)
        return Response(_detail(request, session))

    @extend_schema(responses={204: None}, tags=["trainings"])
    def delete(self, request: Request, session_id: int) -> Response:
        session = _session_or_404(request, session_id, Action.TRAINING_MANAGE)
        training_session_delete(session=session)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrainingAttendanceApi(APIView):
    """Record who attended an atelier (replaces any earlier record)."""

    required_actions = {"PUT": Action.TRAINING_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=AttendanceInputSerializer,
        responses=TrainingSessionDetailSerializer,
        tags=["trainings"],
    )
    def put(self, request: Request, session_id: int) -> Response:
        session = _session_or_404(request, session_id, Action.TRAINING_MANAGE)
        serializer = AttendanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance_record(
            session=session,
            present_member_ids=serializer.validated_data["present"],
            hours_by_member=serializer.validated_data["hours"],
        )
        return Response(_detail(request, session))


urlpatterns: list[URLPattern] = [
    path(
        "cohorts/<int:cohort_id>/trainings/",
        CohortTrainingListApi.as_view(),
        name="cohort-trainings",
    ),
    path(
        "cohorts/<int:cohort_id>/trainings/summary/",
        CohortTrainingSummaryApi.as_view(),
        name="cohort-trainings-summary",
    ),
    path(
        "trainings/<int:session_id>/",
        TrainingSessionDetailApi.as_view(),
        name="training-detail",
    ),
    path(
        "trainings/<int:session_id>/attendance/",
        TrainingAttendanceApi.as_view(),
        name="training-attendance",
    ),
]
