"""Sessions bound to their site, and second factor enforcement: a signed-in person who has 2FA
(or whose role requires it) reaches nothing but the 2FA pages, sign-out and static files until
the session is verified."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.request import split_domain_port
from django.utils.translation import gettext as _

from coopilote.accounts.otp import otp_need, otp_session_is_verified

logger = logging.getLogger(__name__)

VERIFY_PATH = "/compte/verification/"
SECURITY_PATH = "/compte/securite/"
# Reachable before the second step. Health probes are answered before this middleware.
ALWAYS_OPEN = (VERIFY_PATH, "/deconnexion/", "/static/", "/i18n/", "/healthz", "/readyz")


class OtpRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALWAYS_OPEN)
            and not otp_session_is_verified(request, user=user)
        ):
            need = otp_need(user)
            if need == "enrol" and request.path.startswith(SECURITY_PATH):
                return self.get_response(request)
            if need is not None:
                return self._refuse(request, need)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, need: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            message = (
                _("Double authentification requise : validez votre code sur la page de connexion.")
                if need == "verify"
                else _("Double authentification requise : activez-la sur /compte/securite/.")
            )
            return JsonResponse({"detail": message, "code": "otp_required"}, status=403)
        target = VERIFY_PATH if need == "verify" else SECURITY_PATH
        after = request.get_full_path() if request.method in ("GET", "HEAD") else "/"
        return HttpResponseRedirect(f"{target}?{urlencode({'next': after})}")


# The host a signed-in session belongs to (recorded in the response that signs the person in).
SESSION_HOST_KEY = "coopilote_host"


def _hostname(request: HttpRequest) -> str:
    """The site's host name, without the port (cookies ignore ports)."""
    host, _port = split_domain_port(request.get_host())
    return host.lower()


class SessionHostMiddleware:
    """A session belongs to the site it was signed in on: used on another host (a cookie copied
    from alpha.<base host> to beta.<base host> or to the national site), it is ignored there —
    the request is anonymous with a fresh, empty session, and the original session is left
    untouched for its own site. Runs right after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = _hostname(request)
        bound = request.session.get(SESSION_HOST_KEY)
        if bound is not None and bound != host:
            logger.warning("A session of another site was presented on %s: ignored", host)
            request.session = import_module(settings.SESSION_ENGINE).SessionStore()
            request.user = AnonymousUser()

            async def anonymous() -> AnonymousUser:
                return AnonymousUser()

            request.auser = anonymous
        response = self.get_response(request)
        # Bind a signed-in session to this host: after the sign-in (the session is saved after
        # this middleware), or on first use for a session from before this check existed.
        if SESSION_HOST_KEY not in request.session and SESSION_KEY in request.session:
            request.session[SESSION_HOST_KEY] = host
        return response
