"""Account security pages: the 2FA step after the password, the security page, password reset."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coopilote.accounts.models import User
from coopilote.accounts.otp import (
    otp_confirmed_device,
    otp_is_mandatory,
    otp_session_is_verified,
    otp_session_mark_verified,
    otp_verify,
    recovery_codes_left,
    recovery_codes_regenerate,
    totp_disable,
    totp_enrolment_confirm,
    totp_enrolment_pending,
    totp_enrolment_start,
)
from coopilote.errors import ApplicationError
from frontend.forms import form_add_errors

# Wrong codes in one session before it is signed out (the password must be typed again, and
# django-axes counts password failures).
MAX_CODE_FAILURES = 5
FAILURES_KEY = "coopilote_otp_failures"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code à 6 chiffres ou code de secours"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code affiché par l'application"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def otp_verify_page(request: HttpRequest) -> HttpResponse:
    """The second step of signing in, for accounts with an authenticator app."""
    if not request.user.is_authenticated:
        return redirect("frontend:login")
    user: User = request.user
    if otp_session_is_verified(request, user=user):
        return redirect(_next(request))
    if otp_confirmed_device(user) is None:
        query = urlencode({"next": _next(request)})
        return redirect(f"{reverse_lazy('frontend:account-security')}?{query}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp_verify(user=user, code=form.cleaned_data["code"]):
            request.session.pop(FAILURES_KEY, None)
            request.session.cycle_key()
            otp_session_mark_verified(request, user=user)
            return redirect(_next(request))
        failures = int(request.session.get(FAILURES_KEY, 0)) + 1
        request.session[FAILURES_KEY] = failures
        if failures >= MAX_CODE_FAILURES:
            logout(request)
            messages.error(request, _("Trop de codes erronés : reconnectez-vous."))
            return redirect("frontend:login")
        form.add_error("code", _("Ce code ne convient pas, ou a déjà servi."))
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _next(request), "title": _("Double authentification")},
        status=400 if form.errors else 200,
    )


def security_page(request: HttpRequest) -> HttpResponse:
    """`/compte/securite/`: turn 2FA on (key + QR code), off, or renew the recovery codes."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse_lazy('frontend:login')}?next={request.path}")
    user: User = request.user
    form = AppCodeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "title": _("Sécurité du compte")}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "start":
                context["enrolment"] = totp_enrolment_start(user=user)
                form = AppCodeForm()
            elif action == "confirm" and form.is_valid():
                context["recovery_codes"] = totp_enrolment_confirm(
                    user=user, code=form.cleaned_data["code"]
                )
                request.session.cycle_key()
                otp_session_mark_verified(request, user=user)
                messages.success(request, _("La double authentification est activée."))
            elif action == "regenerate" and form.is_valid():
                if not otp_session_is_verified(request, user=user) or not otp_verify(
                    user=user, code=form.cleaned_data["code"]
                ):
                    raise ApplicationError(_("Ce code ne convient pas."))
                context["recovery_codes"] = recovery_codes_regenerate(user=user)
            elif action == "disable" and form.is_valid():
                if not otp_session_is_verified(request, user=user):
                    raise ApplicationError(_("Ce code ne convient pas."))
                totp_disable(user=user, code=form.cleaned_data["code"])
                messages.success(request, _("La double authentification est désactivée."))
                return redirect("frontend:account-security")
            elif not form.errors:
                raise ApplicationError(_("Cette action n'existe pas."))
        except ApplicationError as error:
            form_add_errors(form, error)
        if form.errors:
            status = 400
        context["form"] = form
    device = otp_confirmed_device(user)
    if device is None and "enrolment" not in context:
        context["enrolment"] = totp_enrolment_pending(user=user)
    context.update(
        device=device,
        mandatory=otp_is_mandatory(user),
        codes_left=recovery_codes_left(user=user) if device else 0,
        next=_next(request),
    )
    return render(request, "frontend/security.html", context, status=status)


# --- Password reset (Django's views, French templates, one-day single-use links) ---

password_reset = auth_views.PasswordResetView.as_view(
    template_name="registration/password_reset_form.html",
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
    success_url=reverse_lazy("frontend:password-reset-done"),
    extra_context={"title": gettext_lazy("Mot de passe oublié")},
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html",
    extra_context={"title": gettext_lazy("Mot de passe oublié")},
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("frontend:password-reset-complete"),
    extra_context={"title": gettext_lazy("Nouveau mot de passe")},
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html",
    extra_context={"title": gettext_lazy("Mot de passe changé")},
)

urlpatterns = [
    path("compte/verification/", otp_verify_page, name="otp-verify"),
    path("compte/securite/", security_page, name="account-security"),
    path("mot-de-passe/oublie/", password_reset, name="password-reset"),
    path("mot-de-passe/envoye/", password_reset_done, name="password-reset-done"),
    path(
        "mot-de-passe/nouveau/<str:uidb64>/<str:token>/",
        password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("mot-de-passe/change/", password_reset_complete, name="password-reset-complete"),
]
