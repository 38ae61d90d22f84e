"""Cohorts' public pages (no sign-in), the quote request form, the national directory, and the
pages where a cohort's marketing committee runs its page and follows its leads.

Public pages are server-rendered and need no JavaScript; they show no member's personal data:
first names of those who agreed, never a surname, a birth date or a contact.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coopilote.access import Action, can
from coopilote.errors import ApplicationError
from coopilote.tenancy import site_host
from frontend.access import require, require_cohort, site_cae
from frontend.forms import form_add_errors
from frontend.showcase_forms import (
    PhotoForm,
    PublicPageForm,
    QuoteRequestForm,
    TestimonialForm,
    looks_like_spam,
    rate_count,
    rate_limited,
)
from frontend.views import link_on_this_port
from network.showcase.selectors import directory_list, directory_towns
from tenants.cohorts.models import Cohort, Programme
from tenants.cohorts.selectors import cohort_get
from tenants.commerce.models import Client
from tenants.people.models import Enrolment, EnrolmentStatus
from tenants.showcase.models import PhotoStatus, PublicPage, QuoteRequestStatus, ShowcasePhoto
from tenants.showcase.selectors import (
    approved_photos,
    consenting_member_ids,
    page_for_cohort,
    page_published_get,
    photo_get,
    photo_list,
    public_first_names,
    public_services,
    published_testimonials,
    quote_request_get,
    quote_request_list,
    testimonial_list,
)
from tenants.showcase.services import (
    client_testimonial_add,
    client_testimonial_set_published,
    first_name_consent_set,
    ip_hash,
    page_save,
    page_set_published,
    photo_moderate,
    photo_upload,
    quote_request_convert,
    quote_request_decline,
    quote_request_submit,
)

# Photos are moderated by those who lead the cohort and members do not: animateur·rices and CAE
# staff hold GOVERNANCE_MANAGE on a cohort, coopérant·es do not (COHORT_MANAGE would leave the
# animateur·rices out).
MODERATE = Action.GOVERNANCE_MANAGE


# --- Public pages (a CAE's site, no sign-in) -------------------------------------------------


def _published_or_404(slug: str) -> PublicPage:
    if site_cae() is None:
        raise Http404
    page = page_published_get(slug=slug)
    if page is None:
        raise Http404
    return page


def _public_context(request: HttpRequest, page: PublicPage, **extra: Any) -> dict[str, Any]:
    return {
        "page": page,
        "cohort": page.cohort,
        "cae": site_cae(),
        "canonical": request.build_absolute_uri(request.path),
        **extra,
    }


@require_http_methods(["GET", "HEAD"])
def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A cohort's shop window: who they are, what they sell and where, photos and testimonials."""
    page = _published_or_404(slug)
    cohort = page.cohort
    context = _public_context(
        request,
        page,
        first_names=public_first_names(cohort=cohort),
        services=public_services(cohort=cohort),
        photos=approved_photos(cohort=cohort),
        testimonials=published_testimonials(cohort=cohort),
    )
    return render(request, "frontend/showcase_page.html", context)


@require_http_methods(["GET", "HEAD"])
def public_photo(request: HttpRequest, slug: str, photo_id: int) -> HttpResponse:
    """An approved photo of a published page; anything else is a 404."""
    page = _published_or_404(slug)
    photo = photo_get(cohort_id=page.cohort_id, photo_id=photo_id, status=PhotoStatus.APPROVED)
    if photo is None:
        raise Http404
    return _photo_response(photo)


def _photo_response(photo: ShowcasePhoto) -> HttpResponse:
    # Photos are small (5 MB at most) and read through the rights check: plain bytes will do.
    content_type = "image/png" if str(photo.image.name).endswith(".png") else "image/jpeg"
    with photo.image.open("rb") as image:
        response = HttpResponse(image.read(), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "HEAD", "POST"])
def public_quote_request(request: HttpRequest, slug: str) -> HttpResponse:
    """The quote request form: a real request becomes one lead; spam looks accepted but leaves
    nothing; bad input comes back (400) with its messages and what was typed."""
    page = _published_or_404(slug)
    if request.method != "POST":
        context = _public_context(request, page, form=QuoteRequestForm())
        return render(request, "frontend/showcase_request.html", context)
    sender = ip_hash(_client_ip(request))
    thanks = redirect("frontend:showcase-thanks", slug=page.slug)
    if looks_like_spam(request.POST) or rate_limited(sender):
        return thanks
    form = QuoteRequestForm(request.POST)
    if form.is_valid():
        try:
            quote_request_submit(
                cohort=page.cohort, ip_address_hash=sender, **form.service_arguments()
            )
        except ApplicationError as error:
            form_add_errors(form, error)
        else:
            rate_count(sender)
            return thanks
    form.keep_started()
    context = _public_context(request, page, form=form)
    return render(request, "frontend/showcase_request.html", context, status=400)


@require_http_methods(["GET", "HEAD"])
def public_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    page = _published_or_404(slug)
    return render(request, "frontend/showcase_thanks.html", _public_context(request, page))


# --- The national directory ------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def directory(request: HttpRequest) -> HttpResponse:
    """Every published cohort of the network, by programme type and town (no map)."""
    programme = request.GET.get("programme", "")
    if programme not in Programme.values:
        programme = ""
    town = request.GET.get("commune", "").strip()[:100]
    programme_labels = dict(Programme.choices)
    entries = [
        {
            "row": row,
            "programme_label": programme_labels.get(row.programme, row.programme),
            "url": f"{link_on_this_port(request, site_host(row.cae.slug))}c/{row.slug}/",
        }
        for row in directory_list(programme=programme, town=town)
    ]
    context = {
        "entries": entries,
        "programmes": Programme.choices,
        "towns": directory_towns(),
        "programme": programme,
        "town": town,
        "canonical": request.build_absolute_uri(request.path),
    }
    return render(request, "frontend/showcase_directory.html", context)


# --- The marketing committee's pages (signed in) ---------------------------------------------


def _cohort_or_404(request: HttpRequest, action: Action, cohort_id: int) -> Cohort:
    require_cohort(request, action, cohort_id)
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort is None:
        raise Http404
    return cohort


def _page_form(page: PublicPage | None, cohort: Cohort, data: Any = None) -> PublicPageForm:
    initial = (
        {
            "slug": page.slug,
            "headline": page.headline,
            "description": page.description,
            "area_served": page.area_served,
        }
        if page
        else {"slug": cohort.code or "", "headline": cohort.name}
    )
    return PublicPageForm(data, initial=initial)


def _cohort_clients(cohort: Cohort) -> Any:
    return Client.objects.filter(Q(quotes__cohort=cohort) | Q(cohort=cohort))


@require(Action.CAE_VIEW)
def page_manage(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Edit, publish or hide the cohort's page; add photos, testimonials, first names shown."""
    cohort = _cohort_or_404(request, Action.COMMERCE_MANAGE, cohort_id)
    page = page_for_cohort(cohort_id=cohort.pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    page_form = _page_form(page, cohort, request.POST if action == "save" else None)
    photo_form = PhotoForm(
        request.POST if action == "photo" else None, request.FILES if action == "photo" else None
    )
    clients = _cohort_clients(cohort).distinct().order_by("name")
    testimonial_form = TestimonialForm(
        request.POST if action == "testimonial" else None, clients=clients
    )
    here = reverse("frontend:showcase-manage", args=[cohort.pk])
    if action == "save" and page_form.is_valid():
        try:
            page_save(cohort=cohort, by=request.user, **page_form.cleaned_data)
        except ApplicationError as error:
            form_add_errors(page_form, error)
        else:
            messages.success(request, _("La page publique est enregistrée."))
            return redirect(here)
    elif action in {"publish", "hide"} and page is not None:
        page_set_published(page=page, by=request.user, published=action == "publish")
        messages.success(
            request,
            _("La page est publiée.") if action == "publish" else _("La page est masquée."),
        )
        return redirect(here)
    elif action == "photo" and photo_form.is_valid():
        try:
            photo_upload(
                cohort=cohort,
                by=request.user,
                image=photo_form.cleaned_data["image"],
                caption=photo_form.cleaned_data["caption"],
            )
        except ApplicationError as error:
            form_add_errors(photo_form, error)
        else:
            messages.success(request, _("La photo est déposée : elle attend sa validation."))
            return redirect(here)
    elif action == "testimonial" and testimonial_form.is_valid():
        try:
            client_testimonial_add(
                cohort=cohort, is_published=True, **testimonial_form.cleaned_data
            )
        except ApplicationError as error:
            form_add_errors(testimonial_form, error)
        else:
            messages.success(request, _("Le témoignage est publié."))
            return redirect(here)
    elif action in {"testimonial-hide", "testimonial-show"}:
        testimonial = (
            testimonial_list(cohort=cohort)
            .filter(pk=_digits_only(request.POST.get("id", "")))
            .first()
        )
        if testimonial is None:
            raise Http404
        client_testimonial_set_published(
            testimonial=testimonial, published=action == "testimonial-show"
        )
        return redirect(here)
    elif action in {"consent-give", "consent-withdraw"}:
        enrolment = (
            Enrolment.objects.filter(
                cohort=cohort, member_id=_digits_only(request.POST.get("member", ""))
            )
            .select_related("member")
            .first()
        )
        if enrolment is None:
            raise Http404
        first_name_consent_set(
            cohort=cohort, member=enrolment.member, given=action == "consent-give"
        )
        return redirect(here)
    consenting = consenting_member_ids(cohort=cohort)
    enrolments = Enrolment.objects.filter(
        cohort=cohort, status=EnrolmentStatus.ENROLLED
    ).select_related("member")
    context = {
        "cohort": cohort,
        "page": page,
        "public_url": reverse("frontend:showcase-page", args=[page.slug]) if page else "",
        "page_form": page_form,
        "photo_form": photo_form,
        "testimonial_form": testimonial_form,
        "photos": photo_list(cohort=cohort),
        "testimonials": testimonial_list(cohort=cohort),
        "members": [
            {
                "id": e.member_id,
                "first_name": e.member.first_name,
                "agreed": e.member_id in consenting,
            }
            for e in enrolments
        ],
        "may_moderate": can(request.user, MODERATE, cae=site_cae(), cohort_id=cohort.pk),
    }
    has_errors = bool(page_form.errors or photo_form.errors or testimonial_form.errors)
    return render(
        request, "frontend/showcase_manage.html", context, status=400 if has_errors else 200
    )


@require(Action.CAE_VIEW)
def photo_moderation(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Pending photos of the cohort, for an animateur·rice to approve or reject."""
    cohort = _cohort_or_404(request, MODERATE, cohort_id)
    if request.method == "POST":
        photo = photo_get(cohort_id=cohort.pk, photo_id=_digits_only(request.POST.get("photo", "")))
        if photo is None:
            raise Http404
        approve = request.POST.get("decision") == "approve"
        photo_moderate(photo=photo, by=request.user, approve=approve)
        messages.success(
            request, _("La photo est publiée.") if approve else _("La photo est refusée.")
        )
        return redirect("frontend:showcase-moderation", cohort_id=cohort.pk)
    context = {"cohort": cohort, "photos": photo_list(cohort=cohort, status=PhotoStatus.PENDING)}
    return render(request, "frontend/showcase_moderation.html", context)


@require(Action.CAE_VIEW)
def photo_preview(request: HttpRequest, cohort_id: int, photo_id: int) -> HttpResponse:
    """Any photo of the cohort (pending ones too), for its committee and animateur·rices."""
    cohort = _cohort_or_404(request, Action.COMMERCE_VIEW, cohort_id)
    photo = photo_get(cohort_id=cohort.pk, photo_id=photo_id)
    if photo is None:
        raise Http404
    return _photo_response(photo)


@require(Action.CAE_VIEW)
def lead_index(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The quote requests the cohort's page brought in; take one up or decline it."""
    cohort = _cohort_or_404(request, Action.COMMERCE_VIEW, cohort_id)
    may_manage = can(request.user, Action.COMMERCE_MANAGE, cae=site_cae(), cohort_id=cohort.pk)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        lead = quote_request_get(request_id=_digits_only(request.POST.get("lead", "")))
        if lead is None or lead.cohort_id != cohort.pk:
            raise Http404
        try:
            if request.POST.get("decision") == "convert":
                lead = quote_request_convert(request=lead)
                if lead.quote_id is not None:
                    return redirect("frontend:quote-detail", quote_id=lead.quote_id)
            else:
                quote_request_decline(request=lead)
                messages.success(request, _("La demande est déclinée."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("frontend:showcase-leads", cohort_id=cohort.pk)
    context = {
        "cohort": cohort,
        "leads": quote_request_list(cohort_id=cohort.pk),
        "may_manage": may_manage,
        "statuses": QuoteRequestStatus,
    }
    return render(request, "frontend/showcase_leads.html", context)


def _digits_only(value: str) -> int:
    return int(value) if value.isdigit() else 0


tenant_urlpatterns = [
    path("c/<slug:slug>/", public_page, name="showcase-page"),
    path("c/<slug:slug>/demande-de-devis/", public_quote_request, name="showcase-request"),
    path("c/<slug:slug>/demande-de-devis/merci/", public_thanks, name="showcase-thanks"),
    path("c/<slug:slug>/photos/<int:photo_id>/", public_photo, name="showcase-photo"),
    path("cooperatives/<int:cohort_id>/page-publique/", page_manage, name="showcase-manage"),
    path(
        "cooperatives/<int:cohort_id>/page-publique/photos/",
        photo_moderation,
        name="showcase-moderation",
    ),
    path(
        "cooperatives/<int:cohort_id>/page-publique/photos/<int:photo_id>/",
        photo_preview,
        name="showcase-photo-preview",
    ),
    path("cooperatives/<int:cohort_id>/demandes/", lead_index, name="showcase-leads"),
]
public_urlpatterns = [
    path("cooperatives/", directory, name="showcase-directory"),
]
