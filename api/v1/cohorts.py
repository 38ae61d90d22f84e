from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.cohorts.models import Programme
from tenants.cohorts.selectors import cohort_list
from tenants.cohorts.services import cohort_create


class CohortOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    programme = serializers.ChoiceField(choices=Programme.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class CohortInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    programme = serializers.ChoiceField(choices=Programme.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class CohortListApi(APIView):
    """The cohorts of the CAE whose host is called."""

    @extend_schema(responses=CohortOutputSerializer(many=True), tags=["cohorts"])
    def get(self, request: Request) -> Response:
        cohorts = cohort_list()
        return Response(CohortOutputSerializer(cohorts, many=True).data)

    @extend_schema(
        request=CohortInputSerializer, responses={201: CohortOutputSerializer}, tags=["cohorts"]
    )
    def post(self, request: Request) -> Response:
        serializer = CohortInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_create(**serializer.validated_data)
        return Response(CohortOutputSerializer(cohort).data, status=status.HTTP_201_CREATED)
