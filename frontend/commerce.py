"""Pages of a CAE's site about selling: a cohort's services and the CAE's clients.

A cohort's services are open to whoever sells for it (its animateur·rices and coopérant·es, the
CAE's staff); a cohort the person cannot see answers 404. Clients belong to the CAE: anyone who
sells in one of its cohorts may see and record them (the same decisions as api/v1/commerce.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coopilote.access import Action, can, cohort_scope
from coopilote.errors import ApplicationError
from coopilote.money import allowed_vat_rates
from frontend.access import require, require_cohort, site_cae
from frontend.forms import (
    ClientContactForm,
    ClientFilterForm,
    ClientForm,
    ServiceForm,
    form_add_errors,
)
from frontend.views import HtmxHttpRequest
from tenants.cohorts.models import Cohort
from tenants.cohorts.selectors import cohort_list
from tenants.commerce.models import Client, Service
from tenants.commerce.selectors import (
    ClientHistory,
    client_get,
    client_history,
    client_list,
    service_get,
    service_list,
)
from tenants.commerce.services import (
    client_contact_add,
    client_create,
    client_update,
    service_create,
    service_deactivate,
    service_update,
)

# --- A cohort's services -------------------------------------------------------------------


def site_vat_rates() -> tuple[Decimal, ...]:
    """The VAT rates the CAE's regime allows: the only ones its services may charge."""
    cae: Any = site_cae()  # these pages are on a CAE's site only (urls_tenants)
    return allowed_vat_rates(cae.vat_regime)


def _cohort_service(request: HttpRequest, cohort_id: int, service_id: int) -> Service:
    """A service of this cohort (404 for a service of another cohort or another CAE)."""
    service = service_get(service_id=service_id)
    if service is None or service.cohort_id != cohort_id:
        raise Http404
    return service


@require(Action.CAE_VIEW)
def service_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The services a cohort offers (or used to), and a form to add one."""
    require_cohort(request, Action.COMMERCE_VIEW, cohort_id)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    cae = site_cae()
    can_manage = can(request.user, Action.COMMERCE_MANAGE, cae=cae, cohort_id=cohort.pk)
    form = ServiceForm(request.POST or None, vat_rates=site_vat_rates())
    if request.method == "POST":
        require_cohort(request, Action.COMMERCE_MANAGE, cohort_id)
        if form.is_valid():
            try:
                service = service_create(cohort=cohort, **form.cleaned_data)
            except ApplicationError as error:
                form_add_errors(form, error)
            else:
                messages.success(
                    request, _("La prestation « %(name)s » est ajoutée.") % {"name": service.name}
                )
                return redirect("frontend:service-index", cohort_id=cohort.pk)
    return render(
        request,
        "frontend/service_index.html",
        {
            "cohort": cohort,
            "services": service_list(user=request.user, cae=cae, cohort_id=cohort.pk),
            "can_manage": can_manage,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require(Action.CAE_VIEW)
def service_edit(request: HttpRequest, cohort_id: int, service_id: int) -> HttpResponse:
    require_cohort(request, Action.COMMERCE_MANAGE, cohort_id)
    service = _cohort_service(request, cohort_id, service_id)
    initial = {
        "name": service.name,
        "description": service.description,
        "unit": service.unit,
        "unit_price_excl_vat": service.unit_price_excl_vat,
        "vat_rate": str(service.vat_rate),
    }
    form = ServiceForm(request.POST or None, initial=initial, vat_rates=site_vat_rates())
    if request.method == "POST" and form.is_valid():
        try:
            service_update(
                service=service,
                changes={field: form.cleaned_data[field] for field in form.changed_data},
            )
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La prestation est modifiée."))
            return redirect("frontend:service-index", cohort_id=cohort_id)
    return render(
        request,
        "frontend/service_edit.html",
        {"cohort": service.cohort, "service": service, "form": form},
        status=400 if form.errors else 200,
    )


@require(Action.CAE_VIEW)
@require_POST
def service_offer(request: HtmxHttpRequest, cohort_id: int, service_id: int) -> HttpResponse:
    """Stop offering a service (it stays for the quotes that name it), or offer it again."""
    require_cohort(request, Action.COMMERCE_MANAGE, cohort_id)
    service = _cohort_service(request, cohort_id, service_id)
    refusal = ""
    try:
        if request.POST.get("offered") == "1":
            service = service_update(service=service, changes={"is_active": True})
        else:
            service = service_deactivate(service=service)
    except ApplicationError as error:  # e.g. its VAT rate is no longer the CAE's
        refusal = error.message
    if request.htmx:
        return render(
            request,
            "frontend/service_index.html#service-row",
            {"service": service, "cohort": service.cohort, "can_manage": True, "refusal": refusal},
            status=400 if refusal else 200,
        )
    if refusal:
        messages.error(request, refusal)
    else:
        messages.success(request, _("C'est enregistré."))
    return redirect("frontend:service-index", cohort_id=cohort_id)


# --- The CAE's clients ---------------------------------------------------------------------


def may_see_clients(user: Any, cae: Any) -> bool:
    """Clients are shared by the CAE: whoever sells in one of its cohorts sees them."""
    return cae is not None and cohort_scope(user, Action.COMMERCE_VIEW, cae=cae) != frozenset()


def _require_selling_somewhere(request: HttpRequest, action: Action) -> None:
    if cohort_scope(request.user, action, cae=site_cae()) == frozenset():
        raise PermissionDenied


def _selling_cohorts(request: HttpRequest, *also: int | None) -> QuerySet[Cohort]:
    """The cohorts the person sells for (and `also`: e.g. the one that found a client)."""
    scope = cohort_scope(request.user, Action.COMMERCE_MANAGE, cae=site_cae())
    if scope is not None:
        scope = scope | {cohort_id for cohort_id in also if cohort_id is not None}
    return cohort_list(cohort_ids=scope)


def _client_or_404(request: HttpRequest, client_id: int, action: Action) -> Client:
    _require_selling_somewhere(request, action)
    client = client_get(client_id=client_id)
    if client is None:
        raise Http404
    return client


def _client_history(request: HttpRequest, client: Client) -> ClientHistory | None:
    """The client's quotes, jobs and invoices, of the cohorts the person sells for only: the
    client is shared, each cohort's business is its own."""
    scope = cohort_scope(request.user, Action.COMMERCE_VIEW, cae=site_cae())
    return client_history(client_id=client.pk, cohort_ids=scope)


@require(Action.CAE_VIEW)
def client_index(request: HtmxHttpRequest) -> HttpResponse:
    """The CAE's clients, filtered by kind and searched by name (htmx refreshes the results)."""
    _require_selling_somewhere(request, Action.COMMERCE_VIEW)
    filters = ClientFilterForm(request.GET)
    clients = client_list()
    if filters.is_valid():
        if filters.cleaned_data["kind"]:
            clients = clients.filter(kind=filters.cleaned_data["kind"])
        if filters.cleaned_data["q"].strip():
            clients = clients.filter(name__icontains=filters.cleaned_data["q"].strip())
    context = {
        "clients": clients,
        "filters": filters,
        "can_create": cohort_scope(request.user, Action.COMMERCE_MANAGE, cae=site_cae())
        != frozenset(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "frontend/client_index.html#results", context)
    return render(request, "frontend/client_index.html", context)


@require(Action.CAE_VIEW)
def client_new(request: HttpRequest) -> HttpResponse:
    _require_selling_somewhere(request, Action.COMMERCE_MANAGE)
    form = ClientForm(request.POST or None, cohorts=_selling_cohorts(request))
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(**form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Le client est enregistré."))
            return redirect("frontend:client-detail", client_id=client.pk)
    return render(
        request, "frontend/client_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _client_page(
    request: HttpRequest, client: Client, contact_form: ClientContactForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "frontend/client_detail.html",
        {
            "client": client,
            "contact_form": contact_form,
            "history": _client_history(request, client),
            "can_manage": cohort_scope(request.user, Action.COMMERCE_MANAGE, cae=site_cae())
            != frozenset(),
        },
        status=status,
    )


@require(Action.CAE_VIEW)
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id, Action.COMMERCE_VIEW)
    return _client_page(request, client, ClientContactForm(prefix="contact"))


@require(Action.CAE_VIEW)
@require_POST
def client_contact_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id, Action.COMMERCE_MANAGE)
    form = ClientContactForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            client_contact_add(client=client, **form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Le contact est ajouté."))
            return redirect("frontend:client-detail", client_id=client.pk)
    return _client_page(request, client, form, status=400)


@require(Action.CAE_VIEW)
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id, Action.COMMERCE_MANAGE)
    initial = {field: getattr(client, field) for field in ClientForm.base_fields}
    form = ClientForm(
        request.POST or None,
        initial=initial,
        cohorts=_selling_cohorts(request, client.cohort_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            client_update(
                client=client,
                changes={field: form.cleaned_data[field] for field in form.changed_data},
            )
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La fiche du client est modifiée."))
            return redirect("frontend:client-detail", client_id=client.pk)
    return render(
        request,
        "frontend/client_edit.html",
        {"client": client, "form": form},
        status=400 if form.errors else 200,
    )
