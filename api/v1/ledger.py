"""The CAE's books: the FEC download for CAE staff, and each cohort's profit and loss and unpaid
invoices for CAE staff and the cohort's own people (animateur·rices and coopérant·es, who
already see its invoices: COMMERCE_VIEW). A cohort the person cannot see answers 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404
from coopilote.access import Action
from coopilote.errors import ApplicationError
from tenants.ledger.fec import fec_export
from tenants.ledger.selectors import (
    AGEING_LABELS,
    Ageing,
    cohort_profit_and_loss,
    unpaid_invoices,
)


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class FecQuerySerializer(serializers.Serializer[Any]):
    year_end = serializers.DateField()
    year_start = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("year_start")
        if start is not None and start > attrs["year_end"]:
            raise ValidationError({"year_start": [_("L'exercice commence après sa clôture.")]})
        return attrs


class PeriodQuerySerializer(serializers.Serializer[Any]):
    """Defaults: from 1 January of this year to today."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        today = timezone.localdate()
        attrs.setdefault("end", today)
        attrs.setdefault("start", datetime.date(attrs["end"].year, 1, 1))
        if attrs["start"] > attrs["end"]:
            raise ValidationError({"start": [_("La période commence après sa fin.")]})
        return attrs


class ProfitAndLossSerializer(serializers.Serializer[Any]):
    start = serializers.DateField()
    end = serializers.DateField()
    sales = _money()
    credit_notes = _money()
    revenue = _money()
    purchases = _money()
    fees = _money()
    contribution_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=True
    )
    contribution = _money()
    result = _money()
    cash_in = _money()
    cash_out = _money()
    cash_net = _money()


class UnpaidInvoiceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="invoice.pk")
    number = serializers.CharField(source="invoice.number")
    client_name = serializers.CharField(source="invoice.client.name")
    issued_on = serializers.DateField(source="invoice.issued_on")
    due_on = serializers.DateField(source="invoice.due_on")
    total_incl_vat = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="invoice.total_incl_vat"
    )
    outstanding = _money()
    days_overdue = serializers.IntegerField()
    ageing = serializers.ChoiceField(choices=[(bucket.value, bucket.value) for bucket in Ageing])


class AgeingTotalSerializer(serializers.Serializer[Any]):
    ageing = serializers.CharField()
    title = serializers.CharField()
    outstanding = _money()


class UnpaidReportSerializer(serializers.Serializer[Any]):
    total = _money()
    by_ageing = AgeingTotalSerializer(many=True)
    invoices = UnpaidInvoiceSerializer(many=True)


class FecApi(APIView):
    """The Fichier des Écritures Comptables of a fiscal year (`year_end`: closing date)."""

    required_actions = {"GET": Action.LEDGER_VIEW}

    @extend_schema(
        parameters=[FecQuerySerializer],
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["ledger"],
    )
    def get(self, request: Request) -> HttpResponse:
        query = FecQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            fec = fec_export(
                fiscal_year_end=query.validated_data["year_end"],
                fiscal_year_start=query.validated_data.get("year_start"),
            )
        except ApplicationError as error:
            raise ValidationError({"year_end": [error.message]}) from error
        response = HttpResponse(fec.content, content_type="text/plain; charset=iso-8859-15")
        response["Content-Disposition"] = f'attachment; filename="{fec.filename}"'
        return response


class CohortProfitAndLossApi(APIView):
    """A cohort's revenue (net of credit notes), purchases, provider fees, the CAE's contribution
    (rate times revenue, computed), result and cash for a period."""

    required_actions = {"GET": Action.COMMERCE_VIEW}
    cohort_scoped = True

    @extend_schema(
        parameters=[PeriodQuerySerializer], responses=ProfitAndLossSerializer, tags=["ledger"]
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COMMERCE_VIEW, cohort_id)
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pnl = cohort_profit_and_loss(cohort_id=cohort.pk, **query.validated_data)
        return Response(ProfitAndLossSerializer(pnl).data)


class CohortUnpaidApi(APIView):
    """A cohort's issued invoices with something left to pay, by age past their due date."""

    required_actions = {"GET": Action.COMMERCE_VIEW}
    cohort_scoped = True

    @extend_schema(responses=UnpaidReportSerializer, tags=["ledger"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COMMERCE_VIEW, cohort_id)
        report = unpaid_invoices(cohort_id=cohort.pk)
        data = {
            "total": report.total,
            "by_ageing": [
                {"ageing": bucket.value, "title": AGEING_LABELS[bucket], "outstanding": amount}
                for bucket, amount in report.by_ageing.items()
            ],
            "invoices": report.invoices,
        }
        return Response(UnpaidReportSerializer(data).data)


urlpatterns: list[URLPattern] = [
    path("ledger/fec/", FecApi.as_view(), name="ledger-fec"),
    path("cohorts/<int:cohort_id>/pnl/", CohortProfitAndLossApi.as_view(), name="cohort-pnl"),
    path("cohorts/<int:cohort_id>/unpaid/", CohortUnpaidApi.as_view(), name="cohort-unpaid"),
]
