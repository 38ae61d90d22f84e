"""Services offered by cohorts, and the CAE's clients.

A cohort's services are open to whoever sells for it (its animateur·rices and coopérant·es, the
CAE's staff); a cohort the person cannot see answers 404. Clients belong to the CAE: anyone who
sells in one of its cohorts may see and record them.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, require_cohort, site_of
from coopilote.access import Action, cohort_scope
from tenants.cohorts.models import Cohort
from tenants.cohorts.selectors import cohort_get
from tenants.commerce.models import Client, ClientKind, Service, ServiceUnit
from tenants.commerce.selectors import client_get, client_list, service_get, service_list
from tenants.commerce.services import (
    client_contact_add,
    client_create,
    client_update,
    service_create,
    service_update,
)

# --- Serializers ---------------------------------------------------------------------------


class ServiceOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    name = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.ChoiceField(choices=ServiceUnit.choices)
    unit_price_excl_vat = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=True
    )
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=True)
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ServiceInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.ChoiceField(choices=ServiceUnit.choices)
    # Up to 4 decimals in (a price per hour worked out elsewhere); the service rounds to the cent.
    unit_price_excl_vat = serializers.DecimalField(max_digits=14, decimal_places=4)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1)


class ServiceUpdateSerializer(ServiceInputSerializer):
    name = serializers.CharField(max_length=150, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.ChoiceField(choices=ServiceUnit.choices, required=False)
    unit_price_excl_vat = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    is_active = serializers.BooleanField(required=False)


class ClientContactOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()


class ClientContactInputSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ClientOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ClientKind.choices)
    name = serializers.CharField()
    siret = serializers.CharField()
    siren = serializers.CharField()
    vat_number = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()
    cohort = serializers.IntegerField(source="cohort_id", allow_null=True)
    created_at = serializers.DateTimeField()
    contacts = ClientContactOutputSerializer(many=True)


class ClientInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ClientKind.choices)
    name = serializers.CharField(max_length=200)
    siret = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    vat_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=250)
    postcode = serializers.CharField(max_length=10)
    city = serializers.CharField(max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    cohort = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text=_("La coopérative qui l'a trouvé.")
    )


class ClientUpdateSerializer(ClientInputSerializer):
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)
    name = serializers.CharField(max_length=200, required=False)
    siret = serializers.CharField(max_length=30, required=False, allow_blank=True)
    vat_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=250, required=False)
    postcode = serializers.CharField(max_length=10, required=False)
    city = serializers.CharField(max_length=100, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)


# --- Access helpers: the decisions are coopilote.access's, these only turn them into 403/404 ---


def _require_selling_somewhere(request: Request, action: Action) -> None:
    """Refuse unless the person may do `action` on at least one cohort of the CAE."""
    if cohort_scope(request.user, action, cae=site_of(request)) == frozenset():
        raise PermissionDenied


def _service_or_404(request: Request, service_id: int, action: Action) -> Service:
    service = service_get(service_id=service_id)
    if service is None:
        raise NotFound
    require_cohort(request, action, service.cohort_id)
    return service


def _client_or_404(request: Request, client_id: int, action: Action) -> Client:
    _require_selling_somewhere(request, action)
    client = client_get(client_id=client_id)
    if client is None:
        raise NotFound
    return client


def _finding_cohort(request: Request, cohort_id: int | None) -> Cohort | None:
    """The cohort named as having found the client: one the person sells for."""
    if cohort_id is None:
        return None
    scope = cohort_scope(request.user, Action.COMMERCE_MANAGE, cae=site_of(request))
    cohort = cohort_get(cohort_id=cohort_id) if scope is None or cohort_id in scope else None
    if cohort is None:
        raise ValidationError({"cohort": [_("Cette coopérative n'existe pas.")]})
    return cohort


# --- Views ---------------------------------------------------------------------------------


class CohortServiceListApi(APIView):
    """A cohort's services, offered or not any more; those who sell for it add new ones."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=ServiceOutputSerializer(many=True), tags=["services"])
    def get(self, request: Request, cohort_id: int) -> Response:
        require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
        services = service_list(user=request.user, cae=site_of(request), cohort_id=cohort_id)
        return Response(ServiceOutputSerializer(services, many=True).data)

    @extend_schema(
        request=ServiceInputSerializer,
        responses={201: ServiceOutputSerializer},
        tags=["services"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COMMERCE_MANAGE, cohort_id)
        serializer = ServiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = service_create(cohort=cohort, **serializer.validated_data)
        return Response(ServiceOutputSerializer(service).data, status=status.HTTP_201_CREATED)


class ServiceDetailApi(APIView):
    """One service; PATCH changes its price or VAT rate, or stops offering it."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "PATCH": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=ServiceOutputSerializer, tags=["services"])
    def get(self, request: Request, service_id: int) -> Response:
        service = _service_or_404(request, service_id, Action.COMMERCE_VIEW)
        return Response(ServiceOutputSerializer(service).data)

    @extend_schema(
        request=ServiceUpdateSerializer, responses=ServiceOutputSerializer, tags=["services"]
    )
    def patch(self, request: Request, service_id: int) -> Response:
        service = _service_or_404(request, service_id, Action.COMMERCE_MANAGE)
        serializer = ServiceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        service = service_update(service=service, changes=serializer.validated_data)
        return Response(ServiceOutputSerializer(service).data)


class ClientListApi(APIView):
    """The CAE's clients, shared by its cohorts, with their contacts."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=ClientOutputSerializer(many=True), tags=["clients"])
    def get(self, request: Request) -> Response:
        _require_selling_somewhere(request, Action.COMMERCE_VIEW)
        return Response(ClientOutputSerializer(client_list(), many=True).data)

    @extend_schema(
        request=ClientInputSerializer, responses={201: ClientOutputSerializer}, tags=["clients"]
    )
    def post(self, request: Request) -> Response:
        _require_selling_somewhere(request, Action.COMMERCE_MANAGE)
        serializer = ClientInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["cohort"] = _finding_cohort(request, data.get("cohort"))
        client = client_create(**data)
        return Response(ClientOutputSerializer(client).data, status=status.HTTP_201_CREATED)


class ClientDetailApi(APIView):
    """One client of the CAE, with its contacts."""

    required_actions = {"GET": Action.COMMERCE_VIEW, "PATCH": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=ClientOutputSerializer, tags=["clients"])
    def get(self, request: Request, client_id: int) -> Response:
        client = _client_or_404(request, client_id, Action.COMMERCE_VIEW)
        return Response(ClientOutputSerializer(client).data)

    @extend_schema(
        request=ClientUpdateSerializer, responses=ClientOutputSerializer, tags=["clients"]
    )
    def patch(self, request: Request, client_id: int) -> Response:
        client = _client_or_404(request, client_id, Action.COMMERCE_MANAGE)
        serializer = ClientUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "cohort" in changes:
            changes["cohort"] = _finding_cohort(request, changes["cohort"])
        client_update(client=client, changes=changes)
        client = _client_or_404(request, client_id, Action.COMMERCE_VIEW)  # with its contacts
        return Response(ClientOutputSerializer(client).data)


class ClientContactListApi(APIView):
    """Add a person to talk to at a client."""

    required_actions = {"POST": Action.COMMERCE_MANAGE}
    cohort_scoped = True

    @extend_schema(
        request=ClientContactInputSerializer,
        responses={201: ClientContactOutputSerializer},
        tags=["clients"],
    )
    def post(self, request: Request, client_id: int) -> Response:
        client = _client_or_404(request, client_id, Action.COMMERCE_MANAGE)
        serializer = ClientContactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = client_contact_add(client=client, **serializer.validated_data)
        return Response(ClientContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED)


urlpatterns: list[URLPattern] = [
    path(
        "cohorts/<int:cohort_id>/services/",
        CohortServiceListApi.as_view(),
        name="cohort-service-list",
    ),
    path("services/<int:service_id>/", ServiceDetailApi.as_view(), name="service-detail"),
    path("clients/", ClientListApi.as_view(), name="client-list"),
    path("clients/<int:client_id>/", ClientDetailApi.as_view(), name="client-detail"),
    path(
        "clients/<int:client_id>/contacts/",
        ClientContactListApi.as_view(),
        name="client-contact-list",
    ),
]
