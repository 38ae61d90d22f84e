"""Reading services (narrowed to the cohorts a person may see) and the CAE's clients."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from coopilote.access import Action, cohort_scope
from tenants.commerce.models import Client, ClientContact, Service


def service_list(
    *,
    user: Any,
    cae: Any,
    cohort_id: int | None = None,
    action: Action = Action.COMMERCE_VIEW,
) -> QuerySet[Service]:
    """The services of the cohorts on which `user` may do `action` (of `cohort_id` if given)."""
    scope = cohort_scope(user, action, cae=cae)
    services = Service.objects.all()
    if scope is not None:
        services = services.in_cohorts(scope)
    if cohort_id is not None:
        services = services.filter(cohort_id=cohort_id)
    return services.order_by("name", "pk")


def service_get(*, service_id: int) -> Service | None:
    """The service, whoever may see it: callers check its cohort with coopilote.access."""
    return Service.objects.filter(pk=service_id).first()


def client_list() -> QuerySet[Client]:
    """The CAE's clients, shared by all its cohorts, each with its contacts."""
    contacts = ClientContact.objects.order_by("full_name", "pk")
    return Client.objects.prefetch_related(Prefetch("contacts", queryset=contacts)).order_by(
        "name", "pk"
    )


def client_get(*, client_id: int) -> Client | None:
    return client_list().filter(pk=client_id).first()
