"""Second factor enforcement: a signed-in person who has 2FA (or whose role requires it) reaches
nothing but the 2FA pages, sign-out and static files until the session is verified."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _

from coopilote.accounts.otp import otp_need, otp_session_is_verified

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
