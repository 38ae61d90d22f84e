"""The request's context for the audit trail: who (user id), from where (IP address, path) and
in which schema. pghistory prepends it (`set_config(..., true)`, local to the transaction) to
each write statement of the request: no extra round trip to the database."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from pghistory.middleware import HistoryMiddleware

from coopilote.tenancy import current_schema

# Path segments that look like secrets (invoice and quote links, activation tokens): masked
# before they are recorded.
TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_\-:.]{20,}")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, as django-axes reads it (behind the proxy in production)."""
    reader = getattr(settings, "AXES_CLIENT_IP_CALLABLE", None)
    if reader:
        return import_string(reader)(request)  # type: ignore[no-any-return]
    return request.META.get("REMOTE_ADDR")


def masked_path(path: str) -> str:
    return TOKEN_SEGMENT.sub("…", path)


class AuditContextMiddleware(HistoryMiddleware):
    """After authentication and the session's host check: the user recorded is the one the
    request really runs as (DRF's authentication updates it, see pghistory.middleware)."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        user = getattr(request, "user", None)
        return {
            "user": user.pk if user is not None and user.is_authenticated else None,
            "ip": client_ip(request),
            "url": masked_path(request.path),
            "method": request.method,
            "schema": current_schema(),
        }
