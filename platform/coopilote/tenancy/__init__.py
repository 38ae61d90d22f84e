"""Tenancy helpers: which schema the current connection works in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name


def current_schema() -> str:
    """The schema of the current connection: a CAE's, or `public` for the network."""
    return str(connection.schema_name)  # type: ignore[attr-defined]


def in_public_schema() -> bool:
    return current_schema() == str(get_public_schema_name())


def current_site() -> Any:
    """The site (registry `Cae` row) whose schema the connection is set to."""
    return connection.tenant  # type: ignore[attr-defined]


def current_cae() -> Any | None:
    """The CAE whose schema the connection is set to; None on the national site."""
    site = current_site()
    return site if getattr(site, "kind", None) == "cae" else None


def site_host(slug: str) -> str:
    """The host name of a CAE's site: `<slug>.<base host>`."""
    return f"{slug}.{settings.BASE_HOST}"


def site_url(slug: str | None = None) -> str:
    """The address of a CAE's site (the national site when `slug` is None), for emails."""
    host = site_host(slug) if slug else settings.BASE_HOST
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"


def current_site_url() -> str:
    """The address of the site whose schema the connection is set to, for links in emails."""
    cae = current_cae()
    return site_url(cae.slug if cae is not None else None)
