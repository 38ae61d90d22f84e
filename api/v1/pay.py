"""Members' pay: how a cohort shares its result (répartitions), and the CAE's payroll file.

The cohort's animateur·rices and CAE staff (PAY_PREPARE) propose, recompute and decide a run and
see every member's line; only CAE staff may share more than the result, with a reason, and
download the payroll file (PAY_EXPORT). A coopérant·e of the cohort (who sees its figures:
COMMERCE_VIEW) sees its runs' totals and their own line only, no other member's name or
amount; the national coordinator sees none. A cohort the person cannot see answers 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from tenants.governance.selectors import decision_find
from tenants.pay.export import payroll_export
from tenants.pay.models import PayRun, PayRunStatus, SharingRule
from tenants.pay.selectors import pay_line_list, pay_run_get, pay_run_list
from tenants.pay.services import (
    pay_run_create,
    pay_run_decide,
    pay_run_delete,
    pay_run_update,
)


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)


class PayLineOutputSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField(source="member_id")
    first_name = serializers.CharField(source="member.first_name")
    last_name = serializers.CharField(source="member.last_name")
    hours = _money()
    share = serializers.DecimalField(max_digits=9, decimal_places=8, coerce_to_string=True)
    amount = _money()
    withdrawn = serializers.BooleanField()


class PayRunSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sharing_rule = serializers.ChoiceField(choices=SharingRule.choices)
    status = serializers.ChoiceField(choices=PayRunStatus.choices)
    result = _money()
    amount_to_share = _money()
    retained_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    retained_amount = _money()
    members_amount = _money()
    computed_at = serializers.DateTimeField()
    decision = serializers.IntegerField(
        source="decision_id",
        allow_null=True,
        help_text="The adopted decision of the cohort's log the run applies (null: decided "
        "without an online vote).",
    )
    decided_at = serializers.DateTimeField(allow_null=True)
    exported_at = serializers.DateTimeField(allow_null=True)


class PayRunVoteSerializer(serializers.Serializer[Any]):
    """The cohort's vote a run applies, as its decision log has it."""

    decision = serializers.IntegerField(source="pk")
    proposal = serializers.IntegerField(source="proposal_id")
    question = serializers.CharField(source="proposal.question")
    text = serializers.CharField()
    closed_at = serializers.DateTimeField()


class PayRunDetailSerializer(PayRunSummarySerializer):
    above_result_reason = serializers.CharField()
    vote = PayRunVoteSerializer(allow_null=True, help_text="The vote that decided the run.")
    all_lines = serializers.BooleanField(
        help_text="False when only the person's own line is shown (a coopérant·e)."
    )
    lines = PayLineOutputSerializer(many=True)


class PayRunInputSerializer(serializers.Serializer[Any]):
    """Without `amount_to_share`, the period's result is proposed (0 when it is a loss)."""

    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sharing_rule = serializers.ChoiceField(choices=SharingRule.choices)
    retained_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    amount_to_share = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    above_result_reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and start > end:
            raise ValidationError({"period_end": [_("La période finit après avoir commencé.")]})
        return attrs


class PayRunDecideInputSerializer(serializers.Serializer[Any]):
    decision = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The adopted decision of the cohort's log (GET /api/v1/cohorts/<id>/"
        "decisions/) the run applies; leave out when the cohort decided without an online vote.",
    )


class PayRunPatchSerializer(PayRunInputSerializer):
    """Any field; none at all computes the draft again from today's hours and result."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


def _run_or_404(request: Request, pay_run_id: int, action: Action) -> PayRun:
    run = pay_run_get(pay_run_id=pay_run_id)
    if run is None:
        raise NotFound
    require_cohort(request, Action.COHORT_VIEW, run.cohort_id)
    require_cohort(request, action, run.cohort_id)
    return run


def _may_exceed_result(request: Request) -> bool:
    """CAE staff (who export the payroll) may share more than the result."""
    return can(request.user, Action.PAY_EXPORT, cae=site_of(request))


def _detail(request: Request, run: PayRun) -> dict[str, Any]:
    all_lines = can(request.user, Action.PAY_PREPARE, cae=site_of(request), cohort_id=run.cohort_id)
    lines = pay_line_list(pay_run=run, member_user_id=None if all_lines else request.user.pk)
    data: dict[str, Any] = dict(PayRunSummarySerializer(run).data)
    data["above_result_reason"] = run.above_result_reason
    data["vote"] = None if run.decision is None else PayRunVoteSerializer(run.decision).data
    data["all_lines"] = all_lines
    data["lines"] = PayLineOutputSerializer(lines, many=True).data
    return data


class CohortPayRunListApi(APIView):
    """A cohort's répartitions; its animateur·rices and CAE staff propose new ones."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "POST": Action.PAY_PREPARE}
    cohort_scoped = True

    @extend_schema(responses=PayRunSummarySerializer(many=True), tags=["pay"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COMMERCE_VIEW, cohort_id)
        return Response(PayRunSummarySerializer(pay_run_list(cohort_id=cohort.pk), many=True).data)

    @extend_schema(
        request=PayRunInputSerializer, responses={201: PayRunDetailSerializer}, tags=["pay"]
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.PAY_PREPARE, cohort_id)
        serializer = PayRunInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = pay_run_create(
            cohort=cohort,
            by=request.user,
            may_exceed_result=_may_exceed_result(request),
            **serializer.validated_data,
        )
        return Response(_detail(request, run), status=status.HTTP_201_CREATED)


class PayRunDetailApi(APIView):
    """One répartition and its lines (a coopérant·e: their own line only)."""

    required_actions = {
        "GET": Action.COMMERCE_VIEW,
        "PATCH": Action.PAY_PREPARE,
        "DELETE": Action.PAY_PREPARE,
    }
    cohort_scoped = True

    @extend_schema(responses=PayRunDetailSerializer, tags=["pay"])
    def get(self, request: Request, pay_run_id: int) -> Response:
        run = _run_or_404(request, pay_run_id, Action.COMMERCE_VIEW)
        return Response(_detail(request, run))

    @extend_schema(request=PayRunPatchSerializer, responses=PayRunDetailSerializer, tags=["pay"])
    def patch(self, request: Request, pay_run_id: int) -> Response:
        run = _run_or_404(request, pay_run_id, Action.PAY_PREPARE)
        serializer = PayRunPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = {
            field: value
            for field, value in serializer.validated_data.items()
            if field in serializer.initial_data
        }
        run = pay_run_update(
            pay_run=run, changes=changes, may_exceed_result=_may_exceed_result(request)
        )
        return Response(_detail(request, run))

    @extend_schema(responses={204: None}, tags=["pay"])
    def delete(self, request: Request, pay_run_id: int) -> Response:
        run = _run_or_404(request, pay_run_id, Action.PAY_PREPARE)
        pay_run_delete(pay_run=run)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PayRunDecideApi(APIView):
    """Record the cohort's decision: the run, as computed, never changes again. Name the
    adopted vote of the cohort's decision log that decided it, if there was one."""

    required_actions = {"POST": Action.PAY_PREPARE}
    cohort_scoped = True

    @extend_schema(
        request=PayRunDecideInputSerializer, responses=PayRunDetailSerializer, tags=["pay"]
    )
    def post(self, request: Request, pay_run_id: int) -> Response:
        run = _run_or_404(request, pay_run_id, Action.PAY_PREPARE)
        serializer = PayRunDecideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = None
        decision_id = serializer.validated_data["decision"]
        if decision_id is not None:
            decision = decision_find(decision_id=decision_id)
            if decision is None:
                message = str(_("Cette décision n'est pas dans le registre de cette coopérative."))
                raise ApplicationError(
                    message, errors=DjangoValidationError({"decision": [message]})
                )
        run = pay_run_decide(pay_run=run, by=request.user, decision=decision)
        return Response(_detail(request, run))


class PayRunExportApi(APIView):
    """The payroll file (CSV) of a decided run, for CAE staff; the run becomes "exported".
    A POST, as it records the export; asking again gives the same file."""

    required_actions = {"POST": Action.PAY_EXPORT}

    @extend_schema(
        request=None,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["pay"],
    )
    def post(self, request: Request, pay_run_id: int) -> HttpResponse:
        run = _run_or_404(request, pay_run_id, Action.PAY_EXPORT)
        payroll = payroll_export(pay_run=run, by=request.user)
        response = HttpResponse(payroll.content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{payroll.filename}"'
        return response


urlpatterns: list[URLPattern] = [
    path(
        "cohorts/<int:cohort_id>/pay-runs/", CohortPayRunListApi.as_view(), name="cohort-pay-runs"
    ),
    path("pay-runs/<int:pay_run_id>/", PayRunDetailApi.as_view(), name="pay-run-detail"),
    path("pay-runs/<int:pay_run_id>/decide/", PayRunDecideApi.as_view(), name="pay-run-decide"),
    path("pay-runs/<int:pay_run_id>/export/", PayRunExportApi.as_view(), name="pay-run-export"),
]
