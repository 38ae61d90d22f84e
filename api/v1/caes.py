"""The CAEs of the network: the coordinator registers and onboards them."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coopilote.access import Action
from coopilote.tenancy import site_url
from network.registry.geography import DEPARTMENT_CHOICES
from network.registry.models import Cae, LegalForm, NetworkMembership, SiteStatus, VatRegime
from network.registry.selectors import cae_list
from network.registry.services import FirstAdmin, cae_register


class CaeOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=SiteStatus.choices)
    url = serializers.SerializerMethodField()
    legal_form = serializers.CharField()
    siren = serializers.CharField()
    siret = serializers.CharField()
    vat_number = serializers.CharField()
    vat_regime = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    rcs_city = serializers.CharField()
    department = serializers.CharField()
    region = serializers.CharField()
    network_membership = serializers.CharField()
    network_name = serializers.CharField()
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField()

    def get_url(self, cae: Cae) -> str:
        return site_url(cae.slug) + "/"


class FirstAdminSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")


class CaeInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=40)
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)
    siren = serializers.CharField(max_length=20)
    siret = serializers.CharField(max_length=24)
    vat_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    vat_regime = serializers.ChoiceField(choices=VatRegime.choices)
    address = serializers.CharField(max_length=250)
    postcode = serializers.RegexField(r"^\d{5}$", max_length=5)
    city = serializers.CharField(max_length=100)
    rcs_city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    department = serializers.ChoiceField(choices=DEPARTMENT_CHOICES)
    network_membership = serializers.ChoiceField(
        choices=NetworkMembership.choices, required=False, default=NetworkMembership.CPE
    )
    network_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    first_admin = FirstAdminSerializer()


class CaeListApi(APIView):
    required_actions = {"GET": Action.NETWORK_VIEW, "POST": Action.CAE_REGISTER}

    @extend_schema(responses=CaeOutputSerializer(many=True), tags=["network"])
    def get(self, request: Request) -> Response:
        return Response(CaeOutputSerializer(cae_list(), many=True).data)

    @extend_schema(
        request=CaeInputSerializer,
        responses={201: CaeOutputSerializer},
        tags=["network"],
        description="Registers a CAE; its schema is provisioned "
        "by a background task (status `provisioning`, then `active`) and its first "
        "admin receives an invitation email.",
    )
    def post(self, request: Request) -> Response:
        serializer = CaeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        admin = FirstAdmin(**data.pop("first_admin"))
        cae = cae_register(
            name=data.pop("name"), slug=data.pop("slug"), identity=data, first_admin=admin
        )
        return Response(CaeOutputSerializer(cae).data, status=status.HTTP_201_CREATED)


class CaeDetailApi(APIView):
    required_actions = {"GET": Action.NETWORK_VIEW}

    @extend_schema(responses=CaeOutputSerializer, tags=["network"])
    def get(self, request: Request, cae_id: int) -> Response:
        return Response(CaeOutputSerializer(get_object_or_404(cae_list(), pk=cae_id)).data)
