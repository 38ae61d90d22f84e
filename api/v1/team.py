"""The people of a CAE: admins, staff and animateur·rices, invited by email."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import site_of
from coopilote.access import Action, can
from coopilote.accounts.models import Role
from network.registry.models import Cae
from network.registry.selectors import cae_team
from network.registry.services import TEAM_ROLES, cae_team_invite
from tenants.cohorts.selectors import cohort_get


def _cae(request: Request) -> Cae:
    cae = site_of(request)
    assert cae is not None, "routed on CAE sites only"
    return cae  # type: ignore[no-any-return]


class TeamMemberOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    role = serializers.ChoiceField(choices=Role.choices)
    cohort = serializers.IntegerField(source="cohort_id", allow_null=True)
    activated = serializers.BooleanField(source="user.has_usable_password")


class InvitationInputSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")
    role = serializers.ChoiceField(choices=[(role.value, role.label) for role in TEAM_ROLES])
    cohort = serializers.IntegerField(required=False, allow_null=True, default=None)


class TeamApi(APIView):
    """Admins invite anyone; staff invite the animateur·rices of the CAE's cohorts."""

    required_actions = {"GET": Action.COHORT_MANAGE, "POST": Action.COHORT_MANAGE}

    @extend_schema(responses=TeamMemberOutputSerializer(many=True), tags=["team"])
    def get(self, request: Request) -> Response:
        return Response(TeamMemberOutputSerializer(cae_team(cae=_cae(request)), many=True).data)

    @extend_schema(
        request=InvitationInputSerializer,
        responses={201: TeamMemberOutputSerializer},
        tags=["team"],
    )
    def post(self, request: Request) -> Response:
        serializer = InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cae = _cae(request)
        if data["role"] != Role.ANIMATEUR and not can(
            request.user, Action.CAE_MANAGE_TEAM, cae=cae
        ):
            raise PermissionDenied
        if data["cohort"] is not None and cohort_get(cohort_id=data["cohort"]) is None:
            raise ValidationError({"cohort": ["Cette coopérative n'existe pas dans la CAE."]})
        membership = cae_team_invite(
            cae=cae,
            email=data["email"],
            role=data["role"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            cohort_id=data["cohort"],
        )
        return Response(TeamMemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)
