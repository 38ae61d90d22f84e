"""The audit trail, read-only: on a CAE's site, its CAE admins read who changed what (members,
guardians, enrolments, consents, payments, refunds, credit notes, pay runs, purchases, grants of
roles in the CAE), when and from where; on the national site, the coordination reads the grants
of roles of the whole network. Everyone else: 403. See docs/personal-data.md."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import site_of
from coopilote.access import Action
from coopilote.audit import is_event_model, tracked_model_of
from coopilote.audit.selectors import ACTION_LABELS, AuditFilters, audit_log


def _all_kinds() -> list[tuple[str, str]]:
    tracked = [tracked_model_of(model) for model in apps.get_models() if is_event_model(model)]
    return sorted({(model._meta.label, str(model._meta.verbose_name)) for model in tracked})


class AuditQuerySerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=_all_kinds(), required=False, help_text=_("Ce qui a changé (le modèle).")
    )
    user = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Le compte qui a fait le changement.")
    )
    member = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Le ou la coopérant·e concerné·e.")
    )
    since = serializers.DateField(required=False, help_text=_("Depuis ce jour (inclus)."))
    until = serializers.DateField(required=False, help_text=_("Jusqu'à ce jour (inclus)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise ValidationError({"since": [_("La période commence après sa fin.")]})
        return attrs


class AuditChangeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(help_text=_("La colonne."))
    title = serializers.CharField(source="label", help_text=_("Le nom du champ."))
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class AuditEntrySerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    event_id = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=[(key, str(key)) for key in ACTION_LABELS])
    action_label = serializers.CharField()
    object_id = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    user_label = serializers.CharField()
    ip = serializers.CharField(
        allow_null=True, help_text=_("Vide quand le changement a été fait depuis un autre site.")
    )
    path = serializers.CharField(allow_null=True)
    changes = AuditChangeSerializer(many=True)


class AuditPagination(PageNumberPagination):
    page_size = 50


class _AuditListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = AuditEntrySerializer
    pagination_class = AuditPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:  # the trail is not a queryset: see list()
        return []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = AuditFilters(
            kind=data.get("kind"),
            user_id=data.get("user"),
            member_id=data.get("member"),
            since=data.get("since"),
            until=data.get("until"),
        )
        log = audit_log(cae=site_of(request), filters=filters)
        page = self.paginate_queryset(log)  # type: ignore[arg-type]
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)


@extend_schema(parameters=[AuditQuerySerializer], tags=["audit"])
class AuditEventListApi(_AuditListApi):
    """The CAE's audit trail, newest first (CAE admins)."""

    required_actions = {"GET": Action.AUDIT_VIEW}


@extend_schema(parameters=[AuditQuerySerializer], tags=["audit"])
class NetworkAuditEventListApi(_AuditListApi):
    """The grants and withdrawals of roles across the network, newest first (coordination)."""

    required_actions = {"GET": Action.NETWORK_AUDIT_VIEW}


urlpatterns: list[URLPattern] = [
    path("audit-events/", AuditEventListApi.as_view(), name="audit-events"),
]
public_urlpatterns: list[URLPattern] = [
    path("audit-events/", NetworkAuditEventListApi.as_view(), name="network-audit-events"),
]
