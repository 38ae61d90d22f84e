"""The cohorts of the CAE whose host is called."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import cohort_or_404, site_of
from coopilote.access import Action, cohort_scope
from coopilote.accounts.models import User
from tenants.cohorts.models import CohortStatus, Programme, TerritoryKind
from tenants.cohorts.selectors import cohort_history, cohort_list
from tenants.cohorts.services import (
    cohort_animateur_ids,
    cohort_assign_animateur,
    cohort_create,
    cohort_transition,
    cohort_update,
)


class CohortOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    programme = serializers.ChoiceField(choices=Programme.choices)
    status = serializers.ChoiceField(choices=CohortStatus.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    places = serializers.IntegerField()
    territory_kind = serializers.ChoiceField(choices=TerritoryKind.choices)
    territory_name = serializers.CharField()
    qpv_code = serializers.CharField()
    town = serializers.CharField()
    staff_in_charge = serializers.IntegerField(source="staff_in_charge_id", allow_null=True)
    cae_contribution_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    people_informed = serializers.IntegerField()
    applicants = serializers.IntegerField()


class CohortInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    code = serializers.SlugField(max_length=30, required=False, allow_blank=True)
    programme = serializers.ChoiceField(choices=Programme.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    places = serializers.IntegerField(min_value=1, max_value=100, required=False)
    territory_kind = serializers.ChoiceField(choices=TerritoryKind.choices, required=False)
    territory_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    qpv_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    town = serializers.CharField(max_length=100, required=False, allow_blank=True)
    staff_in_charge = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    # The CAE's share of the cohort's revenue (%); only CAE staff change a cohort (COHORT_MANAGE).
    cae_contribution_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )
    people_informed = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    applicants = serializers.IntegerField(min_value=0, max_value=100_000, required=False)


class CohortUpdateSerializer(CohortInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    programme = serializers.ChoiceField(choices=Programme.choices, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)


class CohortListApi(APIView):
    required_actions = {"GET": Action.COHORT_VIEW, "POST": Action.COHORT_CREATE}
    cohort_scoped = True

    @extend_schema(responses=CohortOutputSerializer(many=True), tags=["cohorts"])
    def get(self, request: Request) -> Response:
        scope = cohort_scope(request.user, Action.COHORT_VIEW, cae=site_of(request))
        return Response(CohortOutputSerializer(cohort_list(cohort_ids=scope), many=True).data)

    @extend_schema(
        request=CohortInputSerializer, responses={201: CohortOutputSerializer}, tags=["cohorts"]
    )
    def post(self, request: Request) -> Response:
        serializer = CohortInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_create(**serializer.validated_data)
        return Response(CohortOutputSerializer(cohort).data, status=status.HTTP_201_CREATED)


class CohortDetailApi(APIView):
    required_actions = {"GET": Action.COHORT_VIEW, "PATCH": Action.COHORT_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=CohortOutputSerializer, tags=["cohorts"])
    def get(self, request: Request, cohort_id: int) -> Response:
        return Response(
            CohortOutputSerializer(cohort_or_404(request, Action.COHORT_VIEW, cohort_id)).data
        )

    @extend_schema(
        request=CohortUpdateSerializer, responses=CohortOutputSerializer, tags=["cohorts"]
    )
    def patch(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COHORT_MANAGE, cohort_id)
        serializer = CohortUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_update(cohort=cohort, **serializer.validated_data)
        return Response(CohortOutputSerializer(cohort).data)


class TransitionInputSerializer(serializers.Serializer[Any]):
    to_status = serializers.ChoiceField(choices=CohortStatus.choices)
    reason = serializers.CharField(max_length=2000)


class TransitionOutputSerializer(serializers.Serializer[Any]):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    by = serializers.CharField(source="by.get_full_name")
    at = serializers.DateTimeField()


class CohortTransitionApi(APIView):
    required_actions = {"GET": Action.COHORT_VIEW, "POST": Action.COHORT_MANAGE}
    cohort_scoped = True

    @extend_schema(responses=TransitionOutputSerializer(many=True), tags=["cohorts"])
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COHORT_VIEW, cohort_id)
        return Response(TransitionOutputSerializer(cohort_history(cohort=cohort), many=True).data)

    @extend_schema(
        request=TransitionInputSerializer, responses=CohortOutputSerializer, tags=["cohorts"]
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COHORT_MANAGE, cohort_id)
        serializer = TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_transition(cohort=cohort, by=request.user, **serializer.validated_data)
        return Response(CohortOutputSerializer(cohort).data)


class AnimateurInputSerializer(serializers.Serializer[Any]):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class CohortAnimateursApi(APIView):
    required_actions = {"GET": Action.COHORT_VIEW, "POST": Action.COHORT_MANAGE}
    cohort_scoped = True

    @extend_schema(
        responses={200: serializers.ListSerializer(child=serializers.IntegerField())},
        tags=["cohorts"],
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        return Response(cohort_animateur_ids(cohort_or_404(request, Action.COHORT_VIEW, cohort_id)))

    @extend_schema(
        request=AnimateurInputSerializer,
        responses={201: serializers.ListSerializer(child=serializers.IntegerField())},
        tags=["cohorts"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_or_404(request, Action.COHORT_MANAGE, cohort_id)
        serializer = AnimateurInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort_assign_animateur(cohort=cohort, user=serializer.validated_data["user"])
        return Response(cohort_animateur_ids(cohort), status=status.HTTP_201_CREATED)
