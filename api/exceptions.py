"""Domain refusals become 400 responses with a readable, translated message."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from coopilote.errors import ApplicationError


def exception_handler(exception: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exception, ApplicationError):
        return Response({"detail": exception.message, "errors": exception.details}, status=400)
    return drf_exception_handler(exception, context)
