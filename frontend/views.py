"""Pages of the national site and of each CAE's site."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from frontend.forms import LoginForm
from network.registry.selectors import cae_list_active
from network.registry.services import site_host
from tenants.cohorts.selectors import cohort_list


def site_url(request: HttpRequest, host: str) -> str:
    """The address of another site of the network, on this request's scheme and port."""
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    return f"{request.scheme}://{host}{'' if port == default_port else ':' + port}/"


def national_home(request: HttpRequest) -> HttpResponse:
    caes = [
        {"name": cae.name, "url": site_url(request, site_host(cae.slug))}
        for cae in cae_list_active()
    ]
    return render(request, "frontend/national_home.html", {"caes": caes})


def cae_home(request: HttpRequest) -> HttpResponse:
    cohorts = cohort_list() if request.user.is_authenticated else []
    return render(request, "frontend/cae_home.html", {"cohorts": cohorts})


def unknown_site(request: HttpRequest) -> HttpResponse:
    """A host that names no open site of the network."""
    return render(request, "frontend/unknown_site.html", status=404)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": _("Connexion")}
