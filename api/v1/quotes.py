"""Quotes (devis) of a cohort to the CAE's clients.

Open to whoever sells for the cohort (its animateur·rices and coopérant·es, the CAE's staff); a
cohort the person cannot see answers 404. The client answers through the emailed single-use link,
on the web page, never through this API.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action
from coopilote.totals import line_amount
from tenants.commerce.models import Client, Quote, QuoteStatus, Service, ServiceUnit
from tenants.commerce.selectors import (
    client_get,
    quote_get,
    quote_line_get,
    quote_list,
    quote_totals,
    service_get,
)
from tenants.commerce.services import (
    quote_create,
    quote_line_add,
    quote_line_remove,
    quote_resend,
    quote_send,
    quote_update,
)

# --- Serializers ---------------------------------------------------------------------------


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class QuoteLineOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    service = serializers.IntegerField(source="service_id", allow_null=True)
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit = serializers.ChoiceField(choices=ServiceUnit.choices)
    unit_price_excl_vat = serializers.DecimalField(max_digits=10, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1)
    amount_excl_vat = serializers.SerializerMethodField()

    @extend_schema_field(_money())
    def get_amount_excl_vat(self, line: Any) -> str:
        return f"{line_amount(line):.2f}"


class QuoteOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    client = serializers.IntegerField(source="client_id")
    status = serializers.ChoiceField(choices=QuoteStatus.choices)
    number = serializers.CharField()
    subject = serializers.CharField()
    notes = serializers.CharField()
    valid_until = serializers.DateField()
    totals = serializers.SerializerMethodField(
        help_text=_("Figés à l'envoi ; pour un brouillon, la somme actuelle des lignes.")
    )
    recipient_email = serializers.EmailField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    answer_comment = serializers.CharField()
    lines = QuoteLineOutputSerializer(many=True)

    @extend_schema_field(serializers.DictField(child=_money(), help_text="excl_vat, vat, incl_vat"))
    def get_totals(self, quote: Quote) -> dict[str, str]:
        totals = quote_totals(quote=quote)
        return {
            "excl_vat": f"{totals.excl_vat:.2f}",
            "vat": f"{totals.vat:.2f}",
            "incl_vat": f"{totals.incl_vat:.2f}",
        }


class QuoteInputSerializer(serializers.Serializer[Any]):
    client = serializers.IntegerField(min_value=1)
    subject = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    valid_until = serializers.DateField()


class QuoteUpdateSerializer(serializers.Serializer[Any]):
    client = serializers.IntegerField(min_value=1, required=False)
    subject = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    valid_until = serializers.DateField(required=False)


class QuoteLineInputSerializer(serializers.Serializer[Any]):
    service = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text=_("Une prestation de la coopérative : ses valeurs servent par défaut."),
    )
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit = serializers.ChoiceField(choices=ServiceUnit.choices, required=False, allow_null=True)
    # Up to 4 decimals in; the service rounds to the cent.
    unit_price_excl_vat = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True
    )
    vat_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )


class QuoteSendInputSerializer(serializers.Serializer[Any]):
    recipient_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Par défaut, l'adresse e-mail du client."),
    )


# --- Access helpers ------------------------------------------------------------------------


def _quote_or_404(request: Request, quote_id: int, action: Action) -> Quote:
    quote = quote_get(quote_id=quote_id)
    if quote is None:
        raise NotFound
    require_cohort(request, action, quote.cohort_id)
    return quote


def _client(client_id: int) -> Client:
    client = client_get(client_id=client_id)
    if client is None:
        raise ValidationError({"client": [_("Ce client n'existe pas.")]})
    return client


def _service(service_id: int | None) -> Service | None:
    if service_id is None:
        return None
    service = service_get(service_id=service_id)
    if service is None:
        raise ValidationError({"service": [_("Cette prestation n'existe pas.")]})
    return service


def _fresh(quote: Quote) -> Response:
    """The quote as stored now, with its lines."""
    fetched = quote_get(quote_id=quote.pk)
    return Response(QuoteOutputSerializer(fetched).data)


# --- Views ---------------------------------------------------------------------------------


class CohortQuoteListApi(APIView):
    """A cohort's quotes, newest first; those who sell for it start new drafts."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=QuoteStatus.values)],
        responses=QuoteOutputSerializer(many=True),
        tags=["quotes"],
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in QuoteStatus.values:
            raise ValidationError({"status": [_("Statut inconnu.")]})
        quotes = quote_list(
            user=request.user, cae=site_of(request), cohort_id=cohort_id, status=wanted
        )
        return Response(QuoteOutputSerializer(quotes, many=True).data)

    @extend_schema(
        request=QuoteInputSerializer, responses={201: QuoteOutputSerializer}, tags=["quotes"]
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COMMERCE_MANAGE, cohort_id)
        serializer = QuoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["client"] = _client(data["client"])
        quote = quote_create(cohort=cohort, **data)
        response = _fresh(quote)
        response.status_code = status.HTTP_201_CREATED
        return response


class QuoteDetailApi(APIView):
    """One quote with its lines; PATCH changes a draft."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "PATCH": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=QuoteOutputSerializer, tags=["quotes"])
    def get(self, request: Request, quote_id: int) -> Response:
        quote = _quote_or_404(request, quote_id, Action.COMMERCE_VIEW)
        return Response(QuoteOutputSerializer(quote).data)

    @extend_schema(request=QuoteUpdateSerializer, responses=QuoteOutputSerializer, tags=["quotes"])
    def patch(self, request: Request, quote_id: int) -> Response:
        quote = _quote_or_404(request, quote_id, Action.COMMERCE_MANAGE)
        serializer = QuoteUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "client" in changes:
            changes["client"] = _client(changes["client"])
        quote_update(quote=quote, changes=changes)
        return _fresh(quote)


class QuoteLineListApi(APIView):
    """Add a line to a draft: a service of the cohort, or free text with its figures."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=QuoteLineInputSerializer, responses={201: QuoteOutputSerializer}, tags=["quotes"]
    )
    def post(self, request: Request, quote_id: int) -> Response:
        quote = _quote_or_404(request, quote_id, Action.COMMERCE_MANAGE)
        serializer = QuoteLineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["service"] = _service(data.get("service"))
        quantity: Decimal = data.pop("quantity")
        quote_line_add(quote=quote, quantity=quantity, **data)
        response = _fresh(quote)
        response.status_code = status.HTTP_201_CREATED
        return response


class QuoteLineDetailApi(APIView):
    """Remove a line from a draft."""

    required_actions = {"DELETE": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=QuoteOutputSerializer, tags=["quotes"])
    def delete(self, request: Request, quote_id: int, line_id: int) -> Response:
        quote = _quote_or_404(request, quote_id, Action.COMMERCE_MANAGE)
        line = quote_line_get(quote_id=quote.pk, line_id=line_id)
        if line is None:
            raise NotFound
        quote_line_remove(line=line)
        return _fresh(quote)


class QuoteSendApi(APIView):
    """Send a draft: numbered, totals frozen, emailed with its single-use answer link."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=QuoteSendInputSerializer, responses=QuoteOutputSerializer, tags=["quotes"]
    )
    def post(self, request: Request, quote_id: int) -> Response:
        quote = _quote_or_404(request, quote_id, Action.COMMERCE_MANAGE)
        serializer = QuoteSendInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recipient_email = serializer.validated_data["recipient_email"] or None
        quote_send(quote=quote, by=request.user, recipient_email=recipient_email)
        return _fresh(quote)


class QuoteResendApi(APIView):
    """Email a sent, unanswered quote again; the previous link stops working."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(request=None, responses=QuoteOutputSerializer, tags=["quotes"])
    def post(self, request: Request, quote_id: int) -> Response:
        quote = _quote_or_404(request, quote_id, Action.COMMERCE_MANAGE)
        quote_resend(quote=quote, by=request.user)
        return _fresh(quote)


urlpatterns: list[URLPattern] = [
    path("cohorts/<int:cohort_id>/quotes/", CohortQuoteListApi.as_view(), name="cohort-quote-list"),
    path("quotes/<int:quote_id>/", QuoteDetailApi.as_view(), name="quote-detail"),
    path("quotes/<int:quote_id>/lines/", QuoteLineListApi.as_view(), name="quote-line-list"),
    path(
        "quotes/<int:quote_id>/lines/<int:line_id>/",
        QuoteLineDetailApi.as_view(),
        name="quote-line-detail",
    ),
    path("quotes/<int:quote_id>/send/", QuoteSendApi.as_view(), name="quote-send"),
    path("quotes/<int:quote_id>/resend/", QuoteResendApi.as_view(), name="quote-resend"),
]
