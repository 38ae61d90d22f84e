from __future__ import annotations

from django.http import HttpRequest

from coopilote.tenancy import in_public_schema


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know about the site it is served on."""
    tenant = getattr(request, "tenant", None)
    return {
        "cae_site": tenant,
        "is_national_site": in_public_schema(),
    }
