"""Routing by host: the national site on the base host, each CAE on `<slug>.<base host>`."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from django_tenants.middleware.main import TenantMainMiddleware


class CaeMiddleware(TenantMainMiddleware):
    """django-tenants' routing, restricted to sites that are ready to serve.

    A host that names no site, the template schema, or a CAE still being provisioned or
    suspended gets the "unknown site" 404 page, never a 500 nor another site's data.
    """

    def get_tenant(self, domain_model: Any, hostname: str) -> Any:
        domain = domain_model.objects.select_related("tenant").get(
            domain=hostname, tenant__status="active"
        )
        return domain.tenant

    def process_request(self, request: Any) -> Any:
        response = super().process_request(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            sentry_sdk.get_isolation_scope().set_tag("cae", tenant.schema_name)
        return response
