from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from network.registry.selectors import cae_list_active
from network.registry.services import site_host


class CaeOutputSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    name = serializers.CharField()
    host = serializers.SerializerMethodField()

    def get_host(self, cae: Any) -> str:
        return site_host(cae.slug)


class CaeListApi(APIView):
    """The CAEs of the network that are open."""

    @extend_schema(responses=CaeOutputSerializer(many=True), tags=["network"])
    def get(self, request: Request) -> Response:
        return Response(CaeOutputSerializer(cae_list_active(), many=True).data)
