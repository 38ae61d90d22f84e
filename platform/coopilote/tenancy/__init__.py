"""Tenancy helpers: which schema the current connection works in."""

from __future__ import annotations

from typing import Any

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
    return site if site.kind == "cae" else None
