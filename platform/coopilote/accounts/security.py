"""Small security helpers used by the settings (django-axes)."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip_behind_proxy(request: HttpRequest) -> str | None:
    """The client address as seen by the one trusted reverse proxy in front of the pods.

    The proxy appends the address it saw to `X-Forwarded-For`: the last entry is the only one
    a client cannot forge. Without the header (probes, direct access), the socket's address.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR")
