"""Pages of the national site and of each CAE's site."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from django_htmx.middleware import HtmxDetails

from coopilote.access import Action, can, cohort_scope, grants_for
from coopilote.accounts.models import Role, User
from coopilote.accounts.services import account_activate, invitation_user
from coopilote.errors import ApplicationError
from coopilote.tenancy import site_host
from frontend.access import require, require_cohort, site_cae
from frontend.forms import (
    ActivationForm,
    CaeRegistrationForm,
    CohortForm,
    CommitteeForm,
    LoginForm,
    SeatForm,
    TransitionForm,
    form_add_errors,
)
from network.registry.models import Cae, SiteStatus
from network.registry.selectors import cae_list, cae_list_active, cae_people
from network.registry.services import FirstAdmin, cae_register
from tenants.cohorts.models import Cohort
from tenants.cohorts.selectors import cohort_history, cohort_list
from tenants.cohorts.services import (
    ALLOWED_TRANSITIONS,
    cohort_animateur_ids,
    cohort_assign_animateur,
    cohort_create,
    cohort_transition,
)
from tenants.people.selectors import committee_list, enrolment_list
from tenants.people.services import committee_create, committee_seat_assign


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def link_on_this_port(request: HttpRequest, host: str) -> str:
    """The address of another site of the network, on this request's scheme and port."""
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    return f"{request.scheme}://{host}{'' if port == default_port else ':' + port}/"


# --- National site ---


def national_home(request: HttpRequest) -> HttpResponse:
    caes = [
        {"name": cae.name, "url": link_on_this_port(request, site_host(cae.slug))}
        for cae in cae_list_active()
    ]
    return render(request, "frontend/national_home.html", {"caes": caes})


@require(Action.NETWORK_VIEW)
def cae_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/cae_index.html",
        {
            "caes": cae_list(),
            "can_register": can(request.user, Action.CAE_REGISTER, cae=None),
        },
    )


@require(Action.CAE_REGISTER)
def cae_new(request: HttpRequest) -> HttpResponse:
    form = CaeRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        admin = FirstAdmin(
            email=data.pop("admin_email"),
            first_name=data.pop("admin_first_name"),
            last_name=data.pop("admin_last_name"),
        )
        try:
            cae = cae_register(
                name=data.pop("name"), slug=data.pop("slug"), identity=data, first_admin=admin
            )
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La CAE est enregistrée : son espace est en préparation."))
            return redirect("frontend:cae-detail", cae_id=cae.pk)
    return render(
        request, "frontend/cae_new.html", {"form": form}, status=400 if form.errors else 200
    )


@require(Action.NETWORK_VIEW)
def cae_detail(request: HtmxHttpRequest, cae_id: int) -> HttpResponse:
    cae: Cae = get_object_or_404(cae_list(), pk=cae_id)
    context = {
        "cae": cae,
        "url": link_on_this_port(request, site_host(cae.slug)),
        "provisioning": cae.status == SiteStatus.PROVISIONING,
    }
    if request.htmx:
        return render(request, "frontend/cae_detail.html#status", context)
    return render(request, "frontend/cae_detail.html", context)


# --- Both sites: accounts ---


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("Connexion")}


def activation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The single-use link of an invitation: the person chooses their password."""
    user = invitation_user(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "frontend/activation_invalid.html", status=404)
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_activate(user=user, password=form.cleaned_data["password"])
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Votre compte est activé. Bienvenue !"))
            return redirect("frontend:home")
    return render(
        request,
        "frontend/activation.html",
        {"form": form, "invited": user},
        status=400 if form.errors else 200,
    )


# --- A CAE's site ---


@require_safe
def cae_home(request: HttpRequest) -> HttpResponse:
    cae = site_cae()
    if not request.user.is_authenticated:
        return render(request, "frontend/cae_home.html", {"cohorts": []})
    if not can(request.user, Action.CAE_VIEW, cae=cae):
        return render(request, "frontend/cae_home.html", {"no_access": True}, status=403)
    scope = cohort_scope(request.user, Action.COHORT_VIEW, cae=cae)
    return render(
        request,
        "frontend/cae_home.html",
        {
            "cohorts": cohort_list(cohort_ids=scope),
            "can_create": can(request.user, Action.COHORT_CREATE, cae=cae),
            "can_see_members": cohort_scope(request.user, Action.MEMBER_VIEW, cae=cae)
            != frozenset(),
            "can_manage_team": can(request.user, Action.COHORT_MANAGE, cae=cae),
        },
    )


@require(Action.COHORT_CREATE)
def cohort_new(request: HttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = cohort_create(**form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La coopérative est créée."))
            return redirect("frontend:cohort-detail", cohort_id=cohort.pk)
    return render(
        request, "frontend/cohort_new.html", {"form": form}, status=400 if form.errors else 200
    )


@require(Action.CAE_VIEW)
def cohort_detail(request: HttpRequest, cohort_id: int) -> HttpResponse:
    require_cohort(request, Action.COHORT_VIEW, cohort_id)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    cae = site_cae()
    can_manage = can(request.user, Action.COHORT_MANAGE, cae=cae, cohort_id=cohort.pk)
    transition_form = TransitionForm(
        request.POST or None, prefix="transition", allowed=ALLOWED_TRANSITIONS[cohort.status]
    )
    status_code = 200
    if request.method == "POST":
        require_cohort(request, Action.COHORT_MANAGE, cohort_id)
        if transition_form.is_valid():
            try:
                cohort_transition(cohort=cohort, by=request.user, **transition_form.cleaned_data)
            except ApplicationError as error:
                form_add_errors(transition_form, error)
            else:
                messages.success(request, _("Le statut de la coopérative a changé."))
                return redirect("frontend:cohort-detail", cohort_id=cohort.pk)
        status_code = 400
    animateurs = User.objects.filter(pk__in=cohort_animateur_ids(cohort)).order_by("first_name")
    # Who sees whose name: people who may see members get full names, the cohort's own
    # coopérant·es their first names, everyone else (e.g. the coordinator) only the counts.
    if can(request.user, Action.MEMBER_VIEW, cae=cae, cohort_id=cohort.pk):
        names = "full"
    elif Role.MEMBER in grants_for(request.user, cae).cohort_roles.get(cohort.pk, ()):
        names = "first"
    else:
        names = "count"
    return render(
        request,
        "frontend/cohort_detail.html",
        {
            "cohort": cohort,
            "history": cohort_history(cohort=cohort),
            "animateurs": animateurs,
            "can_manage": can_manage,
            "transition_form": transition_form,
            "names": names,
            "can_manage_committees": can(
                request.user, Action.COMMITTEE_MANAGE, cae=cae, cohort_id=cohort.pk
            ),
            "can_view_activity": can(
                request.user, Action.ACTIVITY_VIEW, cae=cae, cohort_id=cohort.pk
            ),
            "enrolments": enrolment_list(cohort_id=cohort.pk),
            "committees": committee_list(cohort_id=cohort.pk),
            "team": cae_people(cae=cae) if can_manage else [],
        },
        status=status_code,
    )


@require(Action.CAE_VIEW)
def cohort_animateur_add(request: HttpRequest, cohort_id: int) -> HttpResponse:
    require_cohort(request, Action.COHORT_MANAGE, cohort_id)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    if request.method == "POST":
        user_id = request.POST.get("user", "")
        team = cae_people(cae=site_cae())
        user = team.filter(pk=int(user_id)).first() if user_id.isdigit() else None
        if user is None:
            messages.error(request, _("Choisissez une personne de la CAE."))
        else:
            cohort_assign_animateur(cohort=cohort, user=user)
            messages.success(
                request,
                _("%(name)s anime désormais cette coopérative.")
                % {"name": user.get_full_name() or user.email},
            )
    return redirect("frontend:cohort-detail", cohort_id=cohort.pk)


def unknown_site(request: HttpRequest) -> HttpResponse:
    """A host that names no open site of the network."""
    return render(request, "frontend/unknown_site.html", status=404)


@require(Action.CAE_VIEW)
def cohort_committees(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Open a committee, or seat a coopérant·e on one (the previous seat ends that day)."""
    require_cohort(request, Action.COMMITTEE_MANAGE, cohort_id)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    committee_form = CommitteeForm(
        request.POST if request.POST.get("step") == "committee" else None, prefix="committee"
    )
    seat_form = SeatForm(
        request.POST if request.POST.get("step") == "seat" else None,
        prefix="seat",
        cohort_id=cohort.pk,
    )
    form: forms.BaseForm = committee_form if committee_form.is_bound else seat_form
    if request.method == "POST" and form.is_valid():
        try:
            if form is committee_form:
                committee_create(cohort=cohort, **committee_form.cleaned_data)
            else:
                committee_seat_assign(**seat_form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Les comités sont à jour."))
            return redirect("frontend:cohort-committees", cohort_id=cohort.pk)
    return render(
        request,
        "frontend/cohort_committees.html",
        {
            "cohort": cohort,
            "committees": committee_list(cohort_id=cohort.pk),
            "committee_form": committee_form,
            "seat_form": seat_form,
        },
        status=400 if form.is_bound else 200,
    )
