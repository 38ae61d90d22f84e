"""Cohort purchases: a cohort's animateur·rices and coopérant·es request them with a receipt; CAE
staff approve or refuse them, then pay them, which books them. Receipts are only downloaded
through this API or the site, by the people who may see the purchase; a purchase of a cohort the
person cannot see answers 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, cohort_scope
from tenants.ledger.models import (
    Purchase,
    PurchaseCategory,
    PurchasePaymentMethod,
    PurchaseStatus,
)
from tenants.ledger.selectors import purchase_get, purchase_list, purchase_receipt
from tenants.ledger.services import (
    purchase_approve,
    purchase_pay,
    purchase_refuse,
    purchase_request,
)


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)


class PurchaseOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    description = serializers.CharField()
    supplier = serializers.CharField()
    category = serializers.ChoiceField(choices=PurchaseCategory.choices)
    amount_incl_vat = _money()
    vat_amount = _money()
    amount_excl_vat = _money()
    status = serializers.ChoiceField(choices=PurchaseStatus.choices)
    requested_by = serializers.IntegerField(source="requested_by_id")
    requested_at = serializers.DateTimeField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    refusal_reason = serializers.CharField()
    paid_on = serializers.DateField(allow_null=True)
    payment_method = serializers.ChoiceField(
        choices=PurchasePaymentMethod.choices, allow_blank=True
    )
    receipt_url = serializers.SerializerMethodField()

    def get_receipt_url(self, purchase: Purchase) -> str:
        return f"/api/v1/purchases/{purchase.pk}/receipt/"


class PurchaseInputSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=300)
    supplier = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=PurchaseCategory.choices)
    amount_incl_vat = serializers.DecimalField(max_digits=14, decimal_places=4)
    vat_amount = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, default=Decimal("0")
    )
    # Optional here so that the domain says why a purchase without a receipt is refused.
    receipt = serializers.FileField(required=False, allow_empty_file=True)


class PurchaseRefuseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500)


class PurchasePaySerializer(serializers.Serializer[Any]):
    paid_on = serializers.DateField()
    payment_method = serializers.ChoiceField(choices=PurchasePaymentMethod.choices)


def _purchase_or_404(request: Request, purchase_id: int) -> Purchase:
    purchase = purchase_get(purchase_id=purchase_id)
    if purchase is None:
        raise NotFound
    require_cohort(request, Action.PURCHASE_REQUEST, purchase.cohort_id)
    return purchase


def _detail(purchase: Purchase) -> dict[str, Any]:
    return PurchaseOutputSerializer(purchase).data


class CohortPurchaseListApi(APIView):
    """A cohort's purchases; its people request new ones (multipart, with the receipt)."""

    required_actions = {"GET": Action.PURCHASE_REQUEST, "POST": Action.PURCHASE_REQUEST}
    cohort_scoped = True
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=PurchaseOutputSerializer(many=True), tags=["purchases"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.PURCHASE_REQUEST, cohort_id)
        purchases = purchase_list(user=request.user, cae=site_of(request), cohort_id=cohort.pk)
        return Response(PurchaseOutputSerializer(purchases, many=True).data)

    @extend_schema(
        request={"multipart/form-data": PurchaseInputSerializer},
        responses={201: PurchaseOutputSerializer},
        tags=["purchases"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.PURCHASE_REQUEST, cohort_id)
        serializer = PurchaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        purchase = purchase_request(
            cohort=cohort,
            by=request.user,
            description=data["description"],
            supplier=data["supplier"],
            category=data["category"],
            amount_incl_vat=data["amount_incl_vat"],
            vat_amount=data["vat_amount"],
            receipt=data.get("receipt"),
        )
        return Response(_detail(purchase), status=status.HTTP_201_CREATED)


class PurchaseListApi(APIView):
    """Every purchase the person may see, e.g. `?status=requested`: those CAE staff decide on."""

    required_actions = {"GET": Action.PURCHASE_REQUEST}
    cohort_scoped = True

    @extend_schema(responses=PurchaseOutputSerializer(many=True), tags=["purchases"])
    def get(self, request: Request) -> Response:
        cae = site_of(request)
        if cohort_scope(request.user, Action.PURCHASE_REQUEST, cae=cae) == frozenset():
            raise PermissionDenied
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in PurchaseStatus.values:
            raise ValidationError({"status": [_("Statut inconnu.")]})
        purchases = purchase_list(user=request.user, cae=cae, status=wanted)
        return Response(PurchaseOutputSerializer(purchases, many=True).data)


class PurchaseDetailApi(APIView):
    required_actions = {"GET": Action.PURCHASE_REQUEST}
    cohort_scoped = True

    @extend_schema(responses=PurchaseOutputSerializer, tags=["purchases"])
    def get(self, request: Request, purchase_id: int) -> Response:
        return Response(_detail(_purchase_or_404(request, purchase_id)))


class PurchaseApproveApi(APIView):
    """CAE staff accept a requested purchase."""

    required_actions = {"POST": Action.PURCHASE_DECIDE}

    @extend_schema(request=None, responses=PurchaseOutputSerializer, tags=["purchases"])
    def post(self, request: Request, purchase_id: int) -> Response:
        purchase = _purchase_or_404(request, purchase_id)
        return Response(_detail(purchase_approve(purchase=purchase, by=request.user)))


class PurchaseRefuseApi(APIView):
    """CAE staff refuse a requested purchase, with the reason the cohort will read."""

    required_actions = {"POST": Action.PURCHASE_DECIDE}

    @extend_schema(
        request=PurchaseRefuseSerializer, responses=PurchaseOutputSerializer, tags=["purchases"]
    )
    def post(self, request: Request, purchase_id: int) -> Response:
        purchase = _purchase_or_404(request, purchase_id)
        serializer = PurchaseRefuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refused = purchase_refuse(
            purchase=purchase, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(_detail(refused))


class PurchasePayApi(APIView):
    """CAE staff record the payment of an approved purchase; it is booked at once."""

    required_actions = {"POST": Action.PURCHASE_DECIDE}

    @extend_schema(
        request=PurchasePaySerializer, responses=PurchaseOutputSerializer, tags=["purchases"]
    )
    def post(self, request: Request, purchase_id: int) -> Response:
        purchase = _purchase_or_404(request, purchase_id)
        serializer = PurchasePaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        paid = purchase_pay(
            purchase=purchase,
            by=request.user,
            paid_on=data["paid_on"],
            method=data["payment_method"],
        )
        return Response(_detail(paid))


class PurchaseReceiptApi(APIView):
    """The receipt, as an attachment, for the people who may see the purchase."""

    required_actions = {"GET": Action.PURCHASE_REQUEST}
    cohort_scoped = True

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["purchases"],
    )
    def get(self, request: Request, purchase_id: int) -> HttpResponse:
        purchase = _purchase_or_404(request, purchase_id)
        receipt = purchase_receipt(purchase=purchase)
        response = HttpResponse(receipt.content, content_type=receipt.content_type)
        response["Content-Disposition"] = f'attachment; filename="{receipt.filename}"'
        return response


urlpatterns: list[URLPattern] = [
    path(
        "cohorts/<int:cohort_id>/purchases/",
        CohortPurchaseListApi.as_view(),
        name="cohort-purchase-list",
    ),
    path("purchases/", PurchaseListApi.as_view(), name="purchase-list"),
    path("purchases/<int:purchase_id>/", PurchaseDetailApi.as_view(), name="purchase-detail"),
    path(
        "purchases/<int:purchase_id>/approve/",
        PurchaseApproveApi.as_view(),
        name="purchase-approve",
    ),
    path(
        "purchases/<int:purchase_id>/refuse/", PurchaseRefuseApi.as_view(), name="purchase-refuse"
    ),
    path("purchases/<int:purchase_id>/pay/", PurchasePayApi.as_view(), name="purchase-pay"),
    path(
        "purchases/<int:purchase_id>/receipt/",
        PurchaseReceiptApi.as_view(),
        name="purchase-receipt",
    ),
]
