"""Season reports (bilans de saison), from network.reports.

On a CAE's site, its admins and staff (REPORT_SUBMIT) list their cohorts with the state and due
date of each report, write a report, add photos and submit it: `/season-reports/<cohort_id>/`
is keyed by the cohort's id, as one cohort has one report. On the national site, the
coordination (REPORT_REVIEW) lists the submitted reports, reads one, approves it or sends it
back with a comment, and sees reporting completeness per CAE. Anyone else gets 403; a cohort
or report this site does not show answers 404. Refusals (a photo that is not a JPEG/PNG, too
heavy, a report already submitted…) answer 400 with a readable message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.urls import URLPattern, path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import site_of
from coopilote.access import Action
from network.registry.models import Cae
from network.reports.models import (
    MAX_NARRATIVE_LENGTH,
    ReportStatus,
    SeasonReport,
    SeasonReportPhoto,
    SubmissionOutcome,
)
from network.reports.selectors import (
    ReportSlot,
    figures_snapshot,
    report_figures,
    report_filters_parse,
    report_get_for_review,
    report_list,
    report_photos,
    report_slot,
    report_slots,
    report_submissions,
    reporting_completeness,
)
from network.reports.services import (
    report_approve,
    report_photo_add,
    report_photo_remove,
    report_return,
    report_save_draft,
    report_submit,
)

TAGS = ["season-reports"]
# Plain strings in the schema, their values listed here: an enum named "status" or "outcome"
# would collide with other apps' enums in drf-spectacular's naming (a deploy-check warning)
# unless the settings' ENUM_NAME_OVERRIDES named it.
_STATUSES = "One of: " + ", ".join(str(value) for value in ReportStatus.values) + "."
_OUTCOMES = "'' (pending), " + ", ".join(str(v) for v in SubmissionOutcome.values if v) + "."


def _label_field(**kwargs: Any) -> Any:
    """A serializer field named `label` (typed Any: the stubs take it for `Field.label`)."""
    return serializers.CharField(**kwargs)


class SeasonReportFigureSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = _label_field(source="label_text")
    section = serializers.CharField()
    value = serializers.CharField(
        allow_null=True, help_text="A decimal as a string; null when masked."
    )
    masked = serializers.BooleanField(help_text="A people figure of fewer than five: hidden.")
    display = serializers.CharField(help_text="As the pages show it (French).")


class SeasonReportPhotoSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    caption = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    uploaded_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="The photo, served after a permission check.")


class SeasonReportSubmissionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.CharField()
    outcome = serializers.CharField(help_text=_OUTCOMES)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_comment = serializers.CharField()


class SeasonReportSlotSerializer(serializers.Serializer[Any]):
    """A cohort of the CAE and where its report stands."""

    cohort = serializers.IntegerField(source="cohort_id")
    cohort_name = serializers.CharField()
    programme = serializers.CharField()
    cohort_status = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    opens_on = serializers.DateField(help_text="The report may be submitted from this day.")
    due_on = serializers.DateField(help_text="30 days after the cohort's end.")
    ended = serializers.BooleanField()
    late = serializers.BooleanField(
        help_text="Due date passed and the report neither submitted nor approved."
    )
    report = serializers.IntegerField(source="report.pk", allow_null=True, default=None)
    status = serializers.CharField(allow_null=True, help_text=f"{_STATUSES} Null: not started.")
    version = serializers.IntegerField(source="report.version", default=0)
    submitted_at = serializers.DateTimeField(
        source="report.submitted_at", allow_null=True, default=None
    )


class SeasonReportListItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cae = serializers.IntegerField(source="cae_id")
    cae_name = serializers.CharField(source="cae.name")
    cohort = serializers.IntegerField(source="cohort_id")
    cohort_name = serializers.CharField()
    programme = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField(help_text=_STATUSES)
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class SeasonReportDetailSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(allow_null=True, help_text="Null: not started yet.")
    cae = serializers.IntegerField()
    cae_name = serializers.CharField()
    cohort = serializers.IntegerField()
    cohort_name = serializers.CharField()
    programme = serializers.CharField()
    status = serializers.CharField(allow_null=True, help_text=f"{_STATUSES} Null: not started.")
    narrative = serializers.CharField()
    version = serializers.IntegerField()
    ends_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    late = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_comment = serializers.CharField()
    figures_frozen = serializers.BooleanField(
        help_text="True: as submitted. False: today's figures, frozen when submitted."
    )
    figures_computed_at = serializers.DateTimeField(allow_null=True)
    figures = SeasonReportFigureSerializer(many=True)
    photos = SeasonReportPhotoSerializer(many=True)
    submissions = SeasonReportSubmissionSerializer(many=True)


class SeasonReportDraftInputSerializer(serializers.Serializer[Any]):
    narrative = serializers.CharField(
        allow_blank=True, max_length=MAX_NARRATIVE_LENGTH, trim_whitespace=False
    )


class SeasonReportSubmitInputSerializer(serializers.Serializer[Any]):
    narrative = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_NARRATIVE_LENGTH,
        trim_whitespace=False,
        help_text="Saved before submitting when given.",
    )


class SeasonReportPhotoInputSerializer(serializers.Serializer[Any]):
    image = serializers.FileField(
        allow_empty_file=True, help_text="JPEG or PNG (judged by its content), 5 MB at most."
    )
    caption = serializers.CharField(required=False, allow_blank=True, default="")


class SeasonReportReviewInputSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to send a report back; optional to approve it.",
    )


class SeasonReportCompletenessSerializer(serializers.Serializer[Any]):
    cae = serializers.IntegerField(source="cae_id")
    cae_name = serializers.CharField()
    ended = serializers.IntegerField(help_text="Cohorts ended: each owes a report.")
    approved = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text="Awaiting the coordination's review.")
    returned = serializers.IntegerField(help_text="Sent back, awaiting the CAE's correction.")
    missing = serializers.IntegerField(help_text="No report yet, or a draft.")
    late = serializers.IntegerField(
        help_text="Ended more than 30 days ago, and no report submitted or approved."
    )


# --- Building the answers -----------------------------------------------------------------


def _figures(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": figure.key,
            "label_text": figure.label,
            "section": figure.section,
            "value": str(figure.value) if figure.value is not None else None,
            "masked": figure.masked,
            "display": figure.display,
        }
        for figure in report_figures(snapshot)
    ]


def _photos(request: Request, report: SeasonReport | None, cae_site: bool) -> list[Any]:
    if report is None:
        return []
    items = []
    photo: SeasonReportPhoto
    for photo in report_photos(report=report):
        # The CAE's pages key a report by its cohort, the national ones by the report.
        key = report.cohort_id if cae_site else report.pk
        url = reverse("frontend:report-photo", args=[key, photo.pk])
        items.append(
            {
                "id": photo.pk,
                "caption": photo.caption,
                "content_type": photo.content_type,
                "size": photo.size,
                "uploaded_at": photo.uploaded_at,
                "url": request.build_absolute_uri(url),
            }
        )
    return items


def _detail(
    request: Request, *, cae: Any, slot: ReportSlot | None, report: SeasonReport | None
) -> dict[str, Any]:
    """A report, or a cohort's report not started yet (`report` None, `slot` given)."""
    cae_site = site_of(request) is not None
    if report is not None:
        cohort = (report.cohort_id, report.cohort_name, report.programme)
    else:
        assert slot is not None  # the callers give one or the other
        cohort = (slot.cohort_id, slot.cohort_name, slot.programme)
    frozen = report is not None and report.version > 0
    snapshot: dict[str, Any] = {}
    if report is not None and frozen:
        snapshot = report.figures
    elif slot is not None:
        snapshot = figures_snapshot(cae_id=cae.pk, cohort_id=slot.cohort_id)
    submissions = [
        {
            "number": submission.number,
            "submitted_at": submission.submitted_at,
            "submitted_by": str(submission.submitted_by),
            "outcome": submission.outcome,
            "reviewed_at": submission.reviewed_at,
            "review_comment": submission.review_comment,
        }
        for submission in (report_submissions(report=report) if report is not None else [])
    ]
    data = {
        "id": None,
        "cae": cae.pk,
        "cae_name": cae.name,
        "cohort": cohort[0],
        "cohort_name": cohort[1],
        "programme": cohort[2],
        "status": None,
        "narrative": "",
        "version": 0,
        "ends_on": slot.ends_on if slot is not None else None,
        "due_on": slot.due_on if slot is not None else None,
        "late": slot.late if slot is not None else False,
        "submitted_at": None,
        "reviewed_at": None,
        "review_comment": "",
        "figures_frozen": frozen,
        "figures_computed_at": snapshot.get("computed_at"),
        "figures": _figures(snapshot),
        "photos": _photos(request, report, cae_site),
        "submissions": submissions,
    }
    if report is not None:
        data.update(
            id=report.pk,
            status=report.status,
            narrative=report.narrative,
            version=report.version,
            submitted_at=report.submitted_at,
            reviewed_at=report.reviewed_at,
            review_comment=report.review_comment,
        )
    return dict(SeasonReportDetailSerializer(data).data)


# --- A CAE's site -------------------------------------------------------------------------


def _cae(request: Request) -> Cae:
    """The CAE of this site (these endpoints exist on CAE sites only)."""
    cae = site_of(request)
    if cae is None:
        raise NotFound
    return cast(Cae, cae)


def _slot_or_404(request: Request, cohort_id: int) -> ReportSlot:
    slot = report_slot(cae=_cae(request), cohort_id=cohort_id)
    if slot is None:
        raise NotFound
    return slot


def _cae_detail(request: Request, cohort_id: int, *, status_code: int = 200) -> Response:
    slot = _slot_or_404(request, cohort_id)
    data = _detail(request, cae=_cae(request), slot=slot, report=slot.report)
    return Response(data, status=status_code)


class SeasonReportSlotListApi(APIView):
    """The CAE's cohorts, latest end first, with the state and due date of their reports."""

    required_actions = {"GET": Action.REPORT_SUBMIT}

    @extend_schema(responses=SeasonReportSlotSerializer(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        slots = report_slots(cae=_cae(request))
        return Response(SeasonReportSlotSerializer(slots, many=True).data)


class SeasonReportCohortApi(APIView):
    """A cohort's report (today's figures until it is submitted); PUT writes it (a draft)."""

    required_actions = {"GET": Action.REPORT_SUBMIT, "PUT": Action.REPORT_SUBMIT}

    @extend_schema(responses=SeasonReportDetailSerializer, tags=TAGS)
    def get(self, request: Request, cohort_id: int) -> Response:
        return _cae_detail(request, cohort_id)

    @extend_schema(
        request=SeasonReportDraftInputSerializer,
        responses=SeasonReportDetailSerializer,
        tags=TAGS,
    )
    def put(self, request: Request, cohort_id: int) -> Response:
        _slot_or_404(request, cohort_id)
        serializer = SeasonReportDraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_save_draft(cae=_cae(request), cohort_id=cohort_id, **serializer.validated_data)
        return _cae_detail(request, cohort_id)


class SeasonReportSubmitApi(APIView):
    """Submit the cohort's report: its figures are frozen now; the coordination is emailed."""

    required_actions = {"POST": Action.REPORT_SUBMIT}

    @extend_schema(
        request=SeasonReportSubmitInputSerializer,
        responses=SeasonReportDetailSerializer,
        tags=TAGS,
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        _slot_or_404(request, cohort_id)
        serializer = SeasonReportSubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_submit(
            cae=_cae(request),
            cohort_id=cohort_id,
            by=request.user,  # type: ignore[arg-type]
            narrative=serializer.validated_data.get("narrative"),
        )
        return _cae_detail(request, cohort_id)


class SeasonReportPhotoListApi(APIView):
    """Add a photo (multipart: `image`, `caption`) while the report is a draft or sent back."""

    required_actions = {"POST": Action.REPORT_SUBMIT}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": SeasonReportPhotoInputSerializer},
        responses={201: SeasonReportDetailSerializer},
        tags=TAGS,
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        _slot_or_404(request, cohort_id)
        serializer = SeasonReportPhotoInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report_photo_add(
            cae=_cae(request),
            cohort_id=cohort_id,
            by=request.user,  # type: ignore[arg-type]
            **serializer.validated_data,
        )
        return _cae_detail(request, cohort_id, status_code=status.HTTP_201_CREATED)


class SeasonReportPhotoApi(APIView):
    """Remove a photo while the report is a draft or sent back."""

    required_actions = {"DELETE": Action.REPORT_SUBMIT}

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request, cohort_id: int, photo_id: int) -> Response:
        slot = _slot_or_404(request, cohort_id)
        if slot.report is None or not slot.report.photos.filter(pk=photo_id).exists():
            raise NotFound
        report_photo_remove(report=slot.report, photo_id=photo_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns: list[URLPattern] = [
    path("season-reports/", SeasonReportSlotListApi.as_view(), name="season-report-list"),
    path(
        "season-reports/<int:cohort_id>/",
        SeasonReportCohortApi.as_view(),
        name="season-report-detail",
    ),
    path(
        "season-reports/<int:cohort_id>/submit/",
        SeasonReportSubmitApi.as_view(),
        name="season-report-submit",
    ),
    path(
        "season-reports/<int:cohort_id>/photos/",
        SeasonReportPhotoListApi.as_view(),
        name="season-report-photos",
    ),
    path(
        "season-reports/<int:cohort_id>/photos/<int:photo_id>/",
        SeasonReportPhotoApi.as_view(),
        name="season-report-photo",
    ),
]


# --- The national site --------------------------------------------------------------------


def _report_or_404(report_id: int) -> SeasonReport:
    report = report_get_for_review(report_id=report_id)
    if report is None:
        raise NotFound
    return report


def _review_detail(request: Request, report: SeasonReport) -> Response:
    slot = report_slot(cae=report.cae, cohort_id=report.cohort_id)
    return Response(_detail(request, cae=report.cae, slot=slot, report=report))


def _decide(request: Request, report_id: int, decide: Callable[..., SeasonReport]) -> Response:
    """Approve or send back (`decide`: `report_approve` or `report_return`) with the comment."""
    report = _report_or_404(report_id)
    serializer = SeasonReportReviewInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    report = decide(
        report=report,
        by=request.user,
        comment=serializer.validated_data["comment"],
    )
    return _review_detail(request, report)


_FILTERS = [
    OpenApiParameter(
        "status", OpenApiTypes.STR, description="submitted, returned, approved (comma-separated)."
    ),
    OpenApiParameter("cae", OpenApiTypes.INT),
    OpenApiParameter("year", OpenApiTypes.INT, description="The cohorts' starting year."),
]


class SeasonReportReviewListApi(APIView):
    """The reports submitted to the coordination (never drafts), longest waiting first."""

    required_actions = {"GET": Action.REPORT_REVIEW}

    @extend_schema(
        parameters=_FILTERS, responses=SeasonReportListItemSerializer(many=True), tags=TAGS
    )
    def get(self, request: Request) -> Response:
        filters = report_filters_parse(request.query_params)
        reports = report_list(statuses=filters.statuses, cae_id=filters.cae_id, year=filters.year)
        return Response(SeasonReportListItemSerializer(reports, many=True).data)


class SeasonReportCompletenessApi(APIView):
    """Per active CAE: its ended cohorts and where their reports stand, late ones counted."""

    required_actions = {"GET": Action.REPORT_REVIEW}

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT)],
        responses=SeasonReportCompletenessSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = report_filters_parse({"year": request.query_params.get("year", "")})
        rows = reporting_completeness(year=filters.year)
        return Response(SeasonReportCompletenessSerializer(rows, many=True).data)


class SeasonReportReviewApi(APIView):
    required_actions = {"GET": Action.REPORT_REVIEW}

    @extend_schema(responses=SeasonReportDetailSerializer, tags=TAGS)
    def get(self, request: Request, report_id: int) -> Response:
        return _review_detail(request, _report_or_404(report_id))


class SeasonReportApproveApi(APIView):
    """Approve a submitted report: locked for good; its submitter is emailed."""

    required_actions = {"POST": Action.REPORT_REVIEW}

    @extend_schema(
        request=SeasonReportReviewInputSerializer,
        responses=SeasonReportDetailSerializer,
        tags=TAGS,
    )
    def post(self, request: Request, report_id: int) -> Response:
        return _decide(request, report_id, report_approve)


class SeasonReportReturnApi(APIView):
    """Send a submitted report back with a comment (required); its submitter is emailed."""

    required_actions = {"POST": Action.REPORT_REVIEW}

    @extend_schema(
        request=SeasonReportReviewInputSerializer,
        responses=SeasonReportDetailSerializer,
        tags=TAGS,
    )
    def post(self, request: Request, report_id: int) -> Response:
        return _decide(request, report_id, report_return)


public_urlpatterns: list[URLPattern] = [
    path("season-reports/", SeasonReportReviewListApi.as_view(), name="season-report-list"),
    path(
        "season-reports/completeness/",
        SeasonReportCompletenessApi.as_view(),
        name="season-report-completeness",
    ),
    path(
        "season-reports/<int:report_id>/",
        SeasonReportReviewApi.as_view(),
        name="season-report-detail",
    ),
    path(
        "season-reports/<int:report_id>/approve/",
        SeasonReportApproveApi.as_view(),
        name="season-report-approve",
    ),
    path(
        "season-reports/<int:report_id>/return/",
        SeasonReportReturnApi.as_view(),
        name="season-report-return",
    ),
]
