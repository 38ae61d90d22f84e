"""Writing cohorts' public pages, photos, testimonials and the quote requests of visitors.

Every change that alters what the national directory shows sends the page's row (or its removal)
to the public schema after the commit, by task name: `tenants/` never imports `network/`.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coopilote.accounts.models import Membership, Role
from coopilote.errors import ApplicationError
from coopilote.files import IMAGE_EXTENSIONS
from coopilote.tasking.services import task_enqueue_on_commit, task_run_record, task_send_on_commit
from coopilote.tenancy import current_cae, current_schema, current_site_url
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientKind, Quote, QuoteStatus
from tenants.commerce.services import client_create, quote_create
from tenants.people.models import CommitteeKind, CommitteeSeat, Member
from tenants.people.validators import document_extension
from tenants.showcase.models import (
    FirstNameConsent,
    PhotoStatus,
    PublicPage,
    QuoteRequest,
    QuoteRequestStatus,
    ShowcasePhoto,
    Testimonial,
)

logger = logging.getLogger(__name__)

DIRECTORY_TASK = "showcase.directory_update"  # network/showcase/tasks.py
MAX_PHOTO_SIZE_MB = 5
MAX_PHOTO_SIZE = MAX_PHOTO_SIZE_MB * 1024 * 1024
QUOTE_VALIDITY = datetime.timedelta(days=30)


def _refuse(message: str, *, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def ip_hash(ip_address: str) -> str:
    """A keyed hash of an IP address: stable enough to count requests, useless to trace."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip_address}".encode()).hexdigest()


# --- The page and the national directory ----------------------------------------------------


def page_url(page: PublicPage) -> str:
    return f"{current_site_url()}/c/{page.slug}/"


def _directory_send(page: PublicPage) -> None:
    cohort = page.cohort
    entry: dict[str, Any] | None = None
    if page.is_published:
        entry = {
            "slug": page.slug,
            "name": cohort.name,
            "headline": page.headline,
            "programme": cohort.programme,
            "town": cohort.town,
            "starts_on": cohort.starts_on.isoformat(),
            "ends_on": cohort.ends_on.isoformat(),
            "url": page_url(page),
        }
    task_send_on_commit(
        DIRECTORY_TASK,
        schema_name="public",
        cae_schema=current_schema(),
        cohort_id=cohort.pk,
        entry=entry,
    )


@transaction.atomic
def page_save(
    *,
    cohort: Cohort,
    by: Any,
    slug: str,
    headline: str,
    description: str = "",
    area_served: str = "",
) -> PublicPage:
    """Create or edit the cohort's public page (hidden until published)."""
    slug = slugify(slug)[:60]
    if not slug:
        raise _refuse(
            _("Choisissez une adresse pour la page, par exemple belle-coop."), field="slug"
        )
    if PublicPage.objects.filter(slug=slug).exclude(cohort=cohort).exists():
        raise _refuse(_("Cette adresse est déjà prise par une autre coopérative."), field="slug")
    page = PublicPage.objects.select_for_update().filter(cohort=cohort).first()
    if page is None:
        page = PublicPage(cohort=cohort)
    page.slug = slug
    page.headline = headline.strip()
    page.description = description.strip()
    page.area_served = area_served.strip()
    page.updated_by = by
    try:
        page.full_clean(exclude=["cohort", "updated_by"], validate_unique=False)
    except ValidationError as error:
        raise ApplicationError(
            _("Cette page ne peut pas être enregistrée."), errors=error
        ) from error
    try:
        with transaction.atomic():
            page.save()
    except IntegrityError as error:  # two editors chose the same address at once
        raise _refuse(
            _("Cette adresse est déjà prise par une autre coopérative."), field="slug"
        ) from error
    if page.is_published:
        _directory_send(page)
    return page


@transaction.atomic
def page_set_published(*, page: PublicPage, by: Any, published: bool) -> PublicPage:
    """Publish or hide the page; the national directory follows after the commit."""
    page = PublicPage.objects.select_for_update().select_related("cohort").get(pk=page.pk)
    page.is_published = published
    page.updated_by = by
    page.save(update_fields=["is_published", "updated_by", "updated_at"])
    _directory_send(page)
    return page


# --- Photos ---------------------------------------------------------------------------------


@transaction.atomic
def photo_upload(
    *, cohort: Cohort, by: Any, image: UploadedFile[Any], caption: str = ""
) -> ShowcasePhoto:
    """A member adds a photo of a job done; it waits for an animateur·rice's approval."""
    if not image.size:
        raise _refuse(_("Ce fichier est vide."), field="image")
    if image.size > MAX_PHOTO_SIZE:
        raise _refuse(
            _("Cette photo est trop lourde : %(limit)d Mo au maximum.")
            % {"limit": MAX_PHOTO_SIZE_MB},
            field="image",
        )
    extension = document_extension(image)
    if extension not in IMAGE_EXTENSIONS:
        raise _refuse(
            _("Ce fichier n'est pas une image JPEG ou PNG : seul son contenu compte, pas son nom."),
            field="image",
        )
    image.name = f"{secrets.token_hex(16)}.{extension}"
    photo = ShowcasePhoto(cohort=cohort, caption=caption.strip(), uploaded_by=by, image=image)
    photo.save()
    return photo


@transaction.atomic
def photo_moderate(*, photo: ShowcasePhoto, by: Any, approve: bool) -> ShowcasePhoto:
    """An animateur·rice approves a photo (it goes public) or rejects it."""
    photo = ShowcasePhoto.objects.select_for_update().get(pk=photo.pk)
    photo.status = PhotoStatus.APPROVED if approve else PhotoStatus.REJECTED
    photo.moderated_by = by
    photo.moderated_at = timezone.now()
    photo.save(update_fields=["status", "moderated_by", "moderated_at"])
    return photo


# --- Testimonials and first names -----------------------------------------------------------


@transaction.atomic
def client_testimonial_add(
    *,
    cohort: Cohort,
    client: Client,
    text: str,
    consent_given_on: datetime.date,
    is_published: bool = True,
) -> Testimonial:
    """Record what a client said, with the date they agreed to be quoted."""
    if consent_given_on > timezone.localdate():
        raise _refuse(
            _("L'accord du client ne peut pas être daté dans le futur."), field="consent_given_on"
        )
    testimonial = Testimonial(
        cohort=cohort,
        client=client,
        text=text.strip(),
        consent_given_on=consent_given_on,
        is_published=is_published,
    )
    try:
        testimonial.full_clean()
    except ValidationError as error:
        raise ApplicationError(
            _("Ce témoignage ne peut pas être enregistré."), errors=error
        ) from error
    testimonial.save()
    return testimonial


@transaction.atomic
def client_testimonial_set_published(*, testimonial: Testimonial, published: bool) -> Testimonial:
    testimonial.is_published = published
    testimonial.save(update_fields=["is_published"])
    return testimonial


@transaction.atomic
def first_name_consent_set(
    *, cohort: Cohort, member: Member, given: bool
) -> FirstNameConsent | None:
    """Record that a member agreed to show their first name (or withdrew that agreement)."""
    today = timezone.localdate()
    consent = (
        FirstNameConsent.objects.select_for_update().filter(member=member, cohort=cohort).first()
    )
    if given:
        if consent is None:
            return FirstNameConsent.objects.create(member=member, cohort=cohort, given_on=today)
        consent.given_on, consent.withdrawn_on = today, None
        consent.save(update_fields=["given_on", "withdrawn_on"])
        return consent
    if consent is not None and consent.withdrawn_on is None:
        consent.withdrawn_on = today
        consent.save(update_fields=["withdrawn_on"])
    return consent


# --- Quote requests (leads) -----------------------------------------------------------------


def _client_for_request(
    *,
    cohort: Cohort,
    kind: str,
    name: str,
    email: str,
    phone: str,
    address: str,
    postcode: str,
    city: str,
    siret: str,
) -> Client:
    existing = Client.objects.filter(
        kind=kind, name__iexact=name.strip(), email__iexact=email.strip()
    ).first()
    if existing is not None:
        return existing
    return client_create(
        kind=kind,
        name=name,
        address=address,
        postcode=postcode,
        city=city,
        siret=siret if kind == ClientKind.COMPANY else "",
        email=email.strip(),
        phone=phone,
        cohort=cohort,
    )


@transaction.atomic
def quote_request_submit(
    *,
    cohort: Cohort,
    kind: str,
    name: str,
    email: str,
    need: str,
    wished_on: datetime.date,
    address: str,
    postcode: str,
    city: str,
    ip_address_hash: str,
    phone: str = "",
    siret: str = "",
) -> QuoteRequest:
    """A visitor asks for a quote: one lead, its client (new or found) and a draft quote holding
    the request; the marketing committee and the visitor are emailed after the commit."""
    if wished_on < timezone.localdate():
        raise _refuse(_("La date souhaitée est aujourd'hui ou plus tard."), field="wished_on")
    if kind == ClientKind.COMPANY and not siret.strip():
        raise _refuse(_("Indiquez le SIRET de votre entreprise (14 chiffres)."), field="siret")
    client = _client_for_request(
        cohort=cohort,
        kind=kind,
        name=name,
        email=email,
        phone=phone,
        address=address,
        postcode=postcode,
        city=city,
        siret=siret,
    )
    subject = _("Demande du site : %(need)s") % {"need": " ".join(need.split())[:150]}
    quote = quote_create(
        cohort=cohort,
        client=client,
        subject=subject[:200],
        valid_until=max(wished_on, timezone.localdate() + QUOTE_VALIDITY),
        notes=_(
            "Demande reçue par la page publique. Date souhaitée : %(date)s. "
            "Lieu : %(place)s.\n\n%(need)s"
        )
        % {
            "date": wished_on.strftime("%d/%m/%Y"),
            "place": f"{address.strip()}, {postcode.strip()} {city.strip()}",
            "need": need.strip(),
        },
    )
    request = QuoteRequest(
        cohort=cohort,
        kind=kind,
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        need=need.strip(),
        wished_on=wished_on,
        address=address.strip(),
        postcode=postcode.strip(),
        city=city.strip(),
        ip_hash=ip_address_hash,
        client=client,
        quote=quote,
    )
    try:
        request.full_clean(exclude=["client", "quote", "cohort"])
    except ValidationError as error:
        raise ApplicationError(
            _("Cette demande ne peut pas être enregistrée."), errors=error
        ) from error
    request.save()
    from tenants.showcase.tasks import quote_request_notify_task  # tasks import this module

    task_enqueue_on_commit(quote_request_notify_task, request.pk)
    return request


@transaction.atomic
def quote_request_convert(*, request: QuoteRequest) -> QuoteRequest:
    """The committee takes the lead up: the request's draft quote is now theirs to price."""
    request = QuoteRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == QuoteRequestStatus.DECLINED:
        raise _refuse(_("Cette demande a été déclinée."))
    request.status = QuoteRequestStatus.CONVERTED
    request.save(update_fields=["status"])
    return request


@transaction.atomic
def quote_request_decline(*, request: QuoteRequest) -> QuoteRequest:
    """The committee declines the request; its untouched draft quote is removed."""
    request = QuoteRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != QuoteRequestStatus.NEW:
        raise _refuse(_("Seule une nouvelle demande peut être déclinée."))
    quote = request.quote
    request.status = QuoteRequestStatus.DECLINED
    request.quote = None
    request.save(update_fields=["status", "quote"])
    if quote is not None and quote.status == QuoteStatus.DRAFT and not quote.lines.exists():
        Quote.objects.filter(pk=quote.pk).delete()
    return request


def committee_emails(*, cohort: Cohort) -> list[str]:
    """Who hears of a new request: the marketing committee's members who have an account, and
    the cohort's animateur·rices."""
    cae = current_cae()
    emails: set[str] = set()
    seated = CommitteeSeat.objects.open().filter(
        committee__cohort=cohort,
        committee__kind=CommitteeKind.MARKETING,
        enrolment__member__user__isnull=False,
    )
    for seat in seated.select_related("enrolment__member__user"):
        user = seat.enrolment.member.user
        if user is not None and user.is_active and user.email:
            emails.add(user.email)
    if cae is not None:
        # Only current animateur·rices: a revoked role no longer hears of the cohort's leads.
        animateurs = (
            Membership.objects.active()
            .filter(cae=cae, cohort_id=cohort.pk, role=Role.ANIMATEUR, user__is_active=True)
            .select_related("user")
        )
        emails.update(membership.user.email for membership in animateurs if membership.user.email)
    return sorted(emails)


def quote_request_notify(*, request_id: int) -> bool:
    """Email the committee and acknowledge the visitor, once per request."""
    with transaction.atomic():
        request = QuoteRequest.objects.select_related("cohort").filter(pk=request_id).first()
        if request is None:
            return False
        _run, created = task_run_record(
            key=f"showcase.quote_request_notify:{request.pk}",
            task_name="showcase.quote_request_notify",
        )
        if not created:
            return False
        cohort = request.cohort
        leads_url = f"{current_site_url()}/cooperatives/{cohort.pk}/demandes/"
        with translation.override(settings.LANGUAGE_CODE):
            recipients = committee_emails(cohort=cohort)
            if recipients:
                EmailMessage(
                    subject=_("Nouvelle demande de devis pour %(cohort)s")
                    % {"cohort": cohort.name},
                    body=_(
                        "Une demande de devis est arrivée par la page publique de %(cohort)s.\n\n"
                        "De : %(name)s\nDate souhaitée : %(date)s\nLieu : %(city)s\n\n%(need)s\n\n"
                        "Retrouvez-la avec le devis brouillon préparé : %(url)s\n"
                    )
                    % {
                        "cohort": cohort.name,
                        "name": request.name,
                        "date": request.wished_on.strftime("%d/%m/%Y"),
                        "city": request.city,
                        "need": request.need,
                        "url": leads_url,
                    },
                    to=recipients,
                ).send()
            EmailMessage(
                subject=_("Votre demande de devis à %(cohort)s") % {"cohort": cohort.name},
                body=_(
                    "Bonjour,\n\nNous avons bien reçu votre demande de devis. La coopérative "
                    "%(cohort)s vous répondra rapidement.\n\nVotre demande :\n%(need)s\n\n"
                    "Ce message est automatique : merci de ne pas y répondre.\n"
                )
                % {"cohort": cohort.name, "need": request.need},
                to=[request.email],
            ).send()
    logger.info("Quote request %s: notifications sent", request_id)
    return True
