"""Jobs (prestations réalisées) of a cohort: planning in slots, members, hours, and the calendar.

Open to whoever sells for the cohort (its animateur·rices and coopérant·es, the CAE's staff); a
cohort the person cannot see answers 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, cohort_scope
from tenants.commerce.models import Job, JobStatus, ServiceUnit
from tenants.commerce.selectors import (
    calendar_slots,
    client_get,
    job_assignment_get,
    job_get,
    job_list,
    job_member_candidate_get,
    job_slot_get,
    service_get,
)
from tenants.commerce.services import (
    job_cancel,
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_member_unassign,
    job_slot_add,
    job_slot_remove,
    job_update,
)

CALENDAR_MAX_DAYS = 92

# --- Serializers ---------------------------------------------------------------------------


class JobSlotOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    date = serializers.DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()


class JobAssignmentOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id")
    first_name = serializers.CharField(source="member.first_name")
    last_name = serializers.CharField(source="member.last_name")
    hours_worked = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class JobOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.name")
    quote_line = serializers.IntegerField(source="quote_line_id", allow_null=True)
    service = serializers.IntegerField(source="service_id", allow_null=True)
    title = serializers.CharField()
    place = serializers.CharField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit = serializers.ChoiceField(choices=ServiceUnit.choices)
    unit_price_excl_vat = serializers.DecimalField(max_digits=10, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1)
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    slots = JobSlotOutputSerializer(many=True)
    assignments = JobAssignmentOutputSerializer(many=True)


class JobInputSerializer(serializers.Serializer[Any]):
    client = serializers.IntegerField(min_value=1)
    service = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text=_("Une prestation de la coopérative : ses valeurs servent par défaut."),
    )
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit = serializers.ChoiceField(choices=ServiceUnit.choices, required=False, allow_null=True)
    unit_price_excl_vat = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True
    )
    vat_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    place = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class JobUpdateSerializer(serializers.Serializer[Any]):
    client = serializers.IntegerField(min_value=1, required=False)
    title = serializers.CharField(max_length=300, required=False)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    unit = serializers.ChoiceField(choices=ServiceUnit.choices, required=False)
    unit_price_excl_vat = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    place = serializers.CharField(max_length=250, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class JobSlotInputSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()


class JobAssignmentInputSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField(min_value=1)


class JobHoursInputSerializer(serializers.Serializer[Any]):
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)


class CalendarSlotOutputSerializer(JobSlotOutputSerializer):
    job = serializers.IntegerField(source="job_id")
    cohort = serializers.IntegerField(source="job.cohort_id")
    title = serializers.CharField(source="job.title")
    place = serializers.CharField(source="job.place")
    status = serializers.ChoiceField(source="job.status", choices=JobStatus.choices)
    client_name = serializers.CharField(source="job.client.name")
    assignments = JobAssignmentOutputSerializer(source="job.assignments", many=True)


# --- Access helpers ------------------------------------------------------------------------


def _job_or_404(request: Request, job_id: int, action: Action) -> Job:
    job = job_get(job_id=job_id)
    if job is None:
        raise NotFound
    require_cohort(request, action, job.cohort_id)
    return job


def _fresh(job: Job) -> Response:
    return Response(JobOutputSerializer(job_get(job_id=job.pk)).data)


def _created(job: Job) -> Response:
    response = _fresh(job)
    response.status_code = status.HTTP_201_CREATED
    return response


def _resolve_client(data: dict[str, Any]) -> None:
    if "client" in data:
        client = client_get(client_id=data["client"])
        if client is None:
            raise ValidationError({"client": [_("Ce client n'existe pas.")]})
        data["client"] = client


def _date_parameter(request: Request, name: str) -> datetime.date | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as error:
        raise ValidationError({name: [_("Date invalide : utilisez AAAA-MM-JJ.")]}) from error


def _required_date_parameter(request: Request, name: str) -> datetime.date:
    value = _date_parameter(request, name)
    if value is None:
        raise ValidationError({name: [_("Ce paramètre est obligatoire (AAAA-MM-JJ).")]})
    return value


def _status_parameter(request: Request) -> str | None:
    wanted = request.query_params.get("status") or None
    if wanted is not None and wanted not in JobStatus.values:
        raise ValidationError({"status": [_("Statut inconnu.")]})
    return wanted


DATE_PARAMETERS = [
    OpenApiParameter("start", datetime.date, description="AAAA-MM-JJ"),
    OpenApiParameter("end", datetime.date, description="AAAA-MM-JJ"),
]

# --- Views ---------------------------------------------------------------------------------


class CohortJobListApi(APIView):
    """A cohort's jobs (with a slot between `start` and `end` when given); plan a new one."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=JobStatus.values), *DATE_PARAMETERS],
        responses=JobOutputSerializer(many=True),
        tags=["jobs"],
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
        jobs = job_list(
            user=request.user,
            cae=site_of(request),
            cohort_id=cohort_id,
            status=_status_parameter(request),
            start=_date_parameter(request, "start"),
            end=_date_parameter(request, "end"),
        )
        return Response(JobOutputSerializer(jobs, many=True).data)

    @extend_schema(request=JobInputSerializer, responses={201: JobOutputSerializer}, tags=["jobs"])
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COMMERCE_MANAGE, cohort_id)
        serializer = JobInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        _resolve_client(data)
        service_id = data.pop("service", None)
        service = service_get(service_id=service_id) if service_id is not None else None
        if service_id is not None and service is None:
            raise ValidationError({"service": [_("Cette prestation n'existe pas.")]})
        quantity: Decimal = data.pop("quantity")
        job = job_create(cohort=cohort, service=service, quantity=quantity, **data)
        return _created(job)


class JobDetailApi(APIView):
    """One job with its slots and members; PATCH changes a planned job."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "PATCH": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=JobOutputSerializer, tags=["jobs"])
    def get(self, request: Request, job_id: int) -> Response:
        return Response(
            JobOutputSerializer(_job_or_404(request, job_id, Action.COMMERCE_VIEW)).data
        )

    @extend_schema(request=JobUpdateSerializer, responses=JobOutputSerializer, tags=["jobs"])
    def patch(self, request: Request, job_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        serializer = JobUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        _resolve_client(changes)
        job_update(job=job, changes=changes)
        return _fresh(job)


class JobSlotListApi(APIView):
    """Put a planned job in the calendar."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=JobSlotInputSerializer, responses={201: JobOutputSerializer}, tags=["jobs"]
    )
    def post(self, request: Request, job_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        serializer = JobSlotInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job_slot_add(job=job, **serializer.validated_data)
        return _created(job)


class JobSlotDetailApi(APIView):
    """Take a slot of a planned job out of the calendar."""

    required_actions = {"DELETE": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=JobOutputSerializer, tags=["jobs"])
    def delete(self, request: Request, job_id: int, slot_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        slot = job_slot_get(job_id=job.pk, slot_id=slot_id)
        if slot is None:
            raise NotFound
        job_slot_remove(slot=slot)
        return _fresh(job)


class JobAssignmentListApi(APIView):
    """Put a member of the cohort on a planned job."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=JobAssignmentInputSerializer, responses={201: JobOutputSerializer}, tags=["jobs"]
    )
    def post(self, request: Request, job_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        serializer = JobAssignmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = job_member_candidate_get(job=job, member_id=serializer.validated_data["member"])
        if member is None:
            raise ValidationError(
                {"member": [_("Cette personne n'est pas inscrite dans cette coopérative.")]}
            )
        job_member_assign(job=job, member=member)
        return _created(job)


class JobAssignmentDetailApi(APIView):
    """Take a member off a planned job."""

    required_actions = {"DELETE": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=JobOutputSerializer, tags=["jobs"])
    def delete(self, request: Request, job_id: int, assignment_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        assignment = job_assignment_get(job_id=job.pk, assignment_id=assignment_id)
        if assignment is None:
            raise NotFound
        job_member_unassign(assignment=assignment)
        return _fresh(job)


class JobHoursApi(APIView):
    """Record the hours a member worked on the job (until it is invoiced)."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(request=JobHoursInputSerializer, responses=JobOutputSerializer, tags=["jobs"])
    def post(self, request: Request, job_id: int, assignment_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        assignment = job_assignment_get(job_id=job.pk, assignment_id=assignment_id)
        if assignment is None:
            raise NotFound
        serializer = JobHoursInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job_hours_record(assignment=assignment, hours=serializer.validated_data["hours"])
        return _fresh(job)


class JobDoneApi(APIView):
    """Record that a planned job was done (a slot, members, and all their hours)."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(request=None, responses=JobOutputSerializer, tags=["jobs"])
    def post(self, request: Request, job_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        job_mark_done(job=job)
        return _fresh(job)


class JobCancelApi(APIView):
    """Cancel a planned job."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(request=None, responses=JobOutputSerializer, tags=["jobs"])
    def post(self, request: Request, job_id: int) -> Response:
        job = _job_or_404(request, job_id, Action.COMMERCE_MANAGE)
        job_cancel(job=job)
        return _fresh(job)


class CalendarApi(APIView):
    """The slots of the jobs the person may see between `start` and `end` (at most 92 days),
    in time order; cancelled jobs are left out."""

    required_actions = {"GET": Action.COMMERCE_VIEW}
    cohort_scoped = True

    @extend_schema(
        parameters=[
            OpenApiParameter("start", datetime.date, required=True, description="AAAA-MM-JJ"),
            OpenApiParameter("end", datetime.date, required=True, description="AAAA-MM-JJ"),
            OpenApiParameter("cohort", int),
        ],
        responses=CalendarSlotOutputSerializer(many=True),
        tags=["jobs"],
    )
    def get(self, request: Request) -> Response:
        if cohort_scope(request.user, Action.COMMERCE_VIEW, cae=site_of(request)) == frozenset():
            raise PermissionDenied
        start = _required_date_parameter(request, "start")
        end = _required_date_parameter(request, "end")
        if end < start:
            raise ValidationError({"end": [_("La fin de la période suit son début.")]})
        if (end - start).days + 1 > CALENDAR_MAX_DAYS:
            raise ValidationError(
                {
                    "end": [
                        _("La période affichée dure au plus %(days)s jours.")
                        % {"days": CALENDAR_MAX_DAYS}
                    ]
                }
            )
        raw_cohort = request.query_params.get("cohort") or None
        cohort_id: int | None = None
        if raw_cohort is not None:
            if not raw_cohort.isdigit():
                raise ValidationError({"cohort": [_("Coopérative inconnue.")]})
            cohort_id = int(raw_cohort)
            require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
        slots = calendar_slots(
            user=request.user, cae=site_of(request), start=start, end=end, cohort_id=cohort_id
        )
        return Response(CalendarSlotOutputSerializer(slots, many=True).data)


urlpatterns: list[URLPattern] = [
    path("cohorts/<int:cohort_id>/jobs/", CohortJobListApi.as_view(), name="cohort-job-list"),
    path("jobs/<int:job_id>/", JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/slots/", JobSlotListApi.as_view(), name="job-slot-list"),
    path(
        "jobs/<int:job_id>/slots/<int:slot_id>/",
        JobSlotDetailApi.as_view(),
        name="job-slot-detail",
    ),
    path(
        "jobs/<int:job_id>/assignments/",
        JobAssignmentListApi.as_view(),
        name="job-assignment-list",
    ),
    path(
        "jobs/<int:job_id>/assignments/<int:assignment_id>/",
        JobAssignmentDetailApi.as_view(),
        name="job-assignment-detail",
    ),
    path(
        "jobs/<int:job_id>/assignments/<int:assignment_id>/hours/",
        JobHoursApi.as_view(),
        name="job-assignment-hours",
    ),
    path("jobs/<int:job_id>/done/", JobDoneApi.as_view(), name="job-done"),
    path("jobs/<int:job_id>/cancel/", JobCancelApi.as_view(), name="job-cancel"),
    path("calendar/", CalendarApi.as_view(), name="calendar"),
]
