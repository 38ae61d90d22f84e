"""Liveness and readiness probes, answered before any tenant routing or host check.

`/healthz` says the process serves; `/readyz` says its database and broker are reachable
(503 with the failing part otherwise). Neither touches a tenant nor needs a known host, so
orchestrators can probe pods by IP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2


def check_database() -> str | None:
    """Open a fresh connection with the project's settings; return the reason it fails, if any."""
    params = connections["default"].get_connection_params()
    params["connect_timeout"] = CHECK_TIMEOUT_SECONDS
    params.pop("cursor_factory", None)
    params.pop("context", None)
    try:
        with psycopg.connect(**params) as probe:
            probe.execute("SELECT 1")
    except psycopg.Error as error:
        logger.warning("readiness: database unreachable (%s)", type(error).__name__)
        return "base de données injoignable"
    return None


def check_broker() -> str | None:
    from coopilote.celery import app

    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # kombu raises transport-specific errors
        logger.warning("readiness: broker unreachable (%s)", type(error).__name__)
        return "file de tâches injoignable"
    return None


def readiness() -> dict[str, str]:
    checks = {"database": check_database(), "broker": check_broker()}
    return {name: reason or "ok" for name, reason in checks.items()}


class HealthCheckMiddleware:
    """Answers the probes first in the chain, so they cost nothing and never 404 on a host."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            checks = readiness()
            ready = all(value == "ok" for value in checks.values())
            return JsonResponse(
                {"status": "ok" if ready else "unavailable", "checks": checks},
                status=200 if ready else 503,
            )
        return self.get_response(request)
