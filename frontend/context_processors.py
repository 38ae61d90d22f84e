from __future__ import annotations

from django.db import connection
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know about the site it is served on."""
    tenant = getattr(request, "tenant", None)
    return {
        "site": tenant,
        "is_national_site": connection.schema_name == get_public_schema_name(),
    }
