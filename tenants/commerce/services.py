"""Writing services, clients, quotes and jobs: every refusal leaves nothing written."""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from coopilote.identifiers import (
    compact_siret,
    compact_vat_number,
    validate_siret,
    vat_number_siren,
)
from coopilote.money import allowed_vat_rates, format_euros, to_cents
from coopilote.tasking.services import task_enqueue_on_commit, task_run_record
from coopilote.tenancy import current_cae, current_site_url
from coopilote.totals import totals_of
from tenants.billing.numbering import QUOTE, number_assign
from tenants.cohorts.models import Cohort
from tenants.cohorts.tasks import facts_publish_on_commit
from tenants.commerce.models import (
    Client,
    ClientContact,
    ClientKind,
    Job,
    JobAssignment,
    JobSlot,
    JobStatus,
    Quote,
    QuoteLine,
    QuoteStatus,
    Service,
)
from tenants.commerce.selectors import quote_token_hash
from tenants.people.models import Enrolment, Member

logger = logging.getLogger(__name__)

SERVICE_EDITABLE_FIELDS = frozenset(
    {"name", "description", "unit", "unit_price_excl_vat", "vat_rate", "is_active"}
)
CLIENT_EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "name",
        "siret",
        "vat_number",
        "address",
        "postcode",
        "city",
        "email",
        "phone",
        "cohort",
    }
)
FRANCHISE_REGIME = "franchise"


def _refuse(message: str, *, field: str = "__all__") -> ApplicationError:
    """A refusal whose message is also the error of `field`, for forms and API clients."""
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _full_clean(instance: models.Model, message: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ApplicationError(message, errors=error) from error


def _percent(rate: Decimal) -> str:
    """A VAT rate the French way: 20 %, 5,5 %."""
    digits = f"{rate:f}"
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return f"{digits.replace('.', ',')} %"


def _vat_rate_refusal(vat_rate: Decimal) -> str | None:
    """Why the current CAE may not charge `vat_rate`, if so."""
    cae = current_cae()
    if cae is None:
        raise RuntimeError("Services are sold by a CAE: call this inside its schema.")
    allowed = allowed_vat_rates(cae.vat_regime)
    if vat_rate in allowed:
        return None
    if cae.vat_regime == FRANCHISE_REGIME:
        return _(
            "Sous le régime de la franchise en base de TVA, les prestations sont facturées "
            "sans TVA (taux 0)."
        )
    *first, last = [_percent(rate) for rate in allowed]
    rates = _("%(first)s ou %(last)s") % {"first": ", ".join(first), "last": last}
    return _("Taux de TVA non autorisé : %(rates)s.") % {"rates": rates}


def _check_price_and_rate(service: Service) -> None:
    """Refuse a negative price or a VAT rate the CAE may not charge; round the price."""
    if service.unit_price_excl_vat < 0:
        raise _refuse(_("Un prix ne peut pas être négatif."), field="unit_price_excl_vat")
    service.unit_price_excl_vat = to_cents(service.unit_price_excl_vat)
    refusal = _vat_rate_refusal(service.vat_rate)
    if refusal:
        raise _refuse(refusal, field="vat_rate")


@transaction.atomic
def service_create(
    *,
    cohort: Cohort,
    name: str,
    unit: str,
    unit_price_excl_vat: Decimal,
    vat_rate: Decimal,
    description: str = "",
) -> Service:
    """Offer a new service in a cohort, its price rounded to the cent."""
    service = Service(
        cohort=cohort,
        name=name.strip(),
        description=description.strip(),
        unit=unit,
        unit_price_excl_vat=unit_price_excl_vat,
        vat_rate=vat_rate,
    )
    _check_price_and_rate(service)
    _full_clean(service, _("Cette prestation ne peut pas être enregistrée."))
    service.save()
    return service


@transaction.atomic
def service_update(*, service: Service, changes: Mapping[str, Any]) -> Service:
    """Change a service's description, price or VAT rate (or offer it again)."""
    unknown = set(changes) - SERVICE_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a service: {sorted(unknown)}")
    service = Service.objects.select_for_update().get(pk=service.pk)
    for field, value in changes.items():
        setattr(service, field, value.strip() if isinstance(value, str) else value)
    _check_price_and_rate(service)
    _full_clean(service, _("Ces modifications ne peuvent pas être enregistrées."))
    service.save(update_fields=sorted(changes))
    return service


@transaction.atomic
def service_deactivate(*, service: Service) -> Service:
    """Stop offering a service; it stays on record for the quotes and invoices that name it."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    service.is_active = False
    service.save(update_fields=["is_active"])
    return service


def _normalise_identifiers(client: Client) -> None:
    """SIRET and VAT number without spaces or dots (FR prefix added), as the registry does."""
    client.siret = compact_siret(client.siret) if client.siret.strip() else ""
    client.vat_number = compact_vat_number(client.vat_number) if client.vat_number.strip() else ""


def _check_identifiers(client: Client, message: str) -> None:
    """The rules of each kind of client on SIRET and VAT number, then the fields' own checks."""
    if client.kind == ClientKind.COMPANY and not _is_valid_siret(client.siret):
        raise _refuse(_("Une entreprise cliente a un SIRET (14 chiffres)."), field="siret")
    if client.kind == ClientKind.INDIVIDUAL and (client.siret or client.vat_number):
        raise _refuse(
            _("Un particulier n'a ni SIRET ni numéro de TVA."),
            field="siret" if client.siret else "vat_number",
        )
    _full_clean(client, message)
    if client.siret and client.vat_number and vat_number_siren(client.vat_number) != client.siren:
        raise _refuse(
            _("Ce numéro de TVA ne correspond pas au SIREN du SIRET (%(siren)s).")
            % {"siren": client.siren},
            field="vat_number",
        )


def _is_valid_siret(value: str) -> bool:
    try:
        validate_siret(value)
    except ValidationError:
        return False
    return True


@transaction.atomic
def client_create(
    *,
    kind: str,
    name: str,
    address: str,
    postcode: str,
    city: str,
    siret: str = "",
    vat_number: str = "",
    email: str = "",
    phone: str = "",
    cohort: Cohort | None = None,
) -> Client:
    """Record a client of the CAE (found by `cohort`, if given)."""
    client = Client(
        kind=kind,
        name=name.strip(),
        siret=siret,
        vat_number=vat_number,
        address=address.strip(),
        postcode=postcode.strip(),
        city=city.strip(),
        email=email,
        phone=phone.strip(),
        cohort=cohort,
    )
    _normalise_identifiers(client)
    _check_identifiers(client, _("Ce client ne peut pas être enregistré."))
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, changes: Mapping[str, Any]) -> Client:
    """Change a client's details; the rules of its (possibly new) kind still hold."""
    unknown = set(changes) - CLIENT_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a client: {sorted(unknown)}")
    client = Client.objects.select_for_update().get(pk=client.pk)
    for field, value in changes.items():
        setattr(client, field, value.strip() if isinstance(value, str) else value)
    _normalise_identifiers(client)
    _check_identifiers(client, _("Ces modifications ne peuvent pas être enregistrées."))
    client.save(update_fields=sorted(changes))
    return client


@transaction.atomic
def client_contact_add(
    *, client: Client, full_name: str, role: str = "", email: str = "", phone: str = ""
) -> ClientContact:
    """Add a person to talk to at a client; an e-mail address or a phone number is needed."""
    contact = ClientContact(
        client=client,
        full_name=full_name.strip(),
        role=role.strip(),
        email=email.strip(),
        phone=phone.strip(),
    )
    _full_clean(contact, _("Ce contact ne peut pas être enregistré."))
    contact.save()
    return contact


# --- Quotes (devis) ------------------------------------------------------------------------

QUOTE_NUMBER_TEMPLATE = "D{YYYY}-{SEQYEAR:4}"
QUOTE_EDITABLE_FIELDS = frozenset({"subject", "notes", "valid_until", "client"})


@dataclass(frozen=True)
class QuoteSending:
    """A quote just sent, and the answer link's token (only its hash is stored)."""

    quote: Quote
    token: str


def _check_line_figures(line: QuoteLine | Job) -> None:
    """Refuse a quantity that is not positive, a negative price or a disallowed VAT rate."""
    if line.quantity <= 0:
        raise _refuse(_("Une quantité est positive."), field="quantity")
    if line.unit_price_excl_vat < 0:
        raise _refuse(_("Un prix ne peut pas être négatif."), field="unit_price_excl_vat")
    line.unit_price_excl_vat = to_cents(line.unit_price_excl_vat)
    refusal = _vat_rate_refusal(line.vat_rate)
    if refusal:
        raise _refuse(refusal, field="vat_rate")


def _check_service_of_cohort(service: Service | None, cohort_id: int) -> None:
    if service is not None and service.cohort_id != cohort_id:
        raise _refuse(_("Cette prestation n'est pas proposée par la coopérative."), field="service")


@dataclass(frozen=True)
class _Figures:
    """What a quote line or a job is priced with."""

    label: str
    unit: str
    unit_price_excl_vat: Decimal
    vat_rate: Decimal


def _figures(
    *,
    service: Service | None,
    label: str,
    label_field: str,
    unit: str | None,
    unit_price_excl_vat: Decimal | None,
    vat_rate: Decimal | None,
) -> _Figures:
    """The figures given, the service's for those left out; refused if one is still missing."""
    label = label.strip()
    if service is not None:
        label = label or service.name
        unit = unit or service.unit
        if unit_price_excl_vat is None:
            unit_price_excl_vat = service.unit_price_excl_vat
        if vat_rate is None:
            vat_rate = service.vat_rate
    required = _("Ce champ est obligatoire sans prestation choisie.")
    if not label:
        raise _refuse(required, field=label_field)
    if not unit:
        raise _refuse(required, field="unit")
    if unit_price_excl_vat is None:
        raise _refuse(required, field="unit_price_excl_vat")
    if vat_rate is None:
        raise _refuse(required, field="vat_rate")
    return _Figures(label, unit, unit_price_excl_vat, vat_rate)


def _locked_draft(quote: Quote) -> Quote:
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != QuoteStatus.DRAFT:
        raise _refuse(_("Ce devis a été envoyé : il ne peut plus être modifié."))
    return quote


def _check_valid_until(valid_until: datetime.date) -> None:
    if valid_until < timezone.localdate():
        raise _refuse(
            _("La date de validité d'un devis envoyé est aujourd'hui ou plus tard."),
            field="valid_until",
        )


@transaction.atomic
def quote_create(
    *,
    cohort: Cohort,
    client: Client,
    subject: str,
    valid_until: datetime.date,
    notes: str = "",
) -> Quote:
    """Start a draft quote of a cohort to one of the CAE's clients."""
    quote = Quote(
        cohort=cohort,
        client=client,
        subject=subject.strip(),
        notes=notes.strip(),
        valid_until=valid_until,
    )
    _full_clean(quote, _("Ce devis ne peut pas être enregistré."))
    quote.save()
    return quote


@transaction.atomic
def quote_update(*, quote: Quote, changes: Mapping[str, Any]) -> Quote:
    """Change a draft quote's subject, conditions, validity date or client."""
    unknown = set(changes) - QUOTE_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a quote: {sorted(unknown)}")
    quote = _locked_draft(quote)
    for field, value in changes.items():
        setattr(quote, field, value.strip() if isinstance(value, str) else value)
    _full_clean(quote, _("Ces modifications ne peuvent pas être enregistrées."))
    quote.save(update_fields=sorted(changes))
    return quote


@transaction.atomic
def quote_line_add(
    *,
    quote: Quote,
    quantity: Decimal,
    service: Service | None = None,
    description: str = "",
    unit: str | None = None,
    unit_price_excl_vat: Decimal | None = None,
    vat_rate: Decimal | None = None,
) -> QuoteLine:
    """Add a line to a draft quote: a service of the cohort (its figures by default) or text."""
    quote = _locked_draft(quote)
    _check_service_of_cohort(service, quote.cohort_id)
    figures = _figures(
        service=service,
        label=description,
        label_field="description",
        unit=unit,
        unit_price_excl_vat=unit_price_excl_vat,
        vat_rate=vat_rate,
    )
    last_position = quote.lines.aggregate(last=Max("position"))["last"] or 0
    line = QuoteLine(
        quote=quote,
        position=last_position + 1,
        service=service,
        description=figures.label,
        quantity=quantity,
        unit=figures.unit,
        unit_price_excl_vat=figures.unit_price_excl_vat,
        vat_rate=figures.vat_rate,
    )
    _check_line_figures(line)
    _full_clean(line, _("Cette ligne ne peut pas être enregistrée."))
    line.save()
    return line


@transaction.atomic
def quote_line_remove(*, line: QuoteLine) -> None:
    """Remove a line from a draft quote."""
    _locked_draft(line.quote)
    QuoteLine.objects.filter(pk=line.pk).delete()


def _new_answer_link(quote: Quote) -> str:
    token = secrets.token_urlsafe(32)
    quote.response_token_hash = quote_token_hash(token)
    return token


def _enqueue_quote_email(quote: Quote, token: str) -> None:
    from tenants.commerce.tasks import quote_email_task  # the tasks module imports this one

    task_enqueue_on_commit(quote_email_task, quote.pk, token)


@transaction.atomic
def quote_send(*, quote: Quote, by: Any, recipient_email: str | None = None) -> QuoteSending:
    """Number the draft, freeze its totals and email the client a single-use answer link."""
    quote = _locked_draft(quote)
    lines = list(quote.lines.all())
    if not lines:
        raise _refuse(_("Ajoutez au moins une ligne au devis avant de l'envoyer."))
    _check_valid_until(quote.valid_until)
    email = (recipient_email or "").strip() or quote.client.email
    if not email:
        raise _refuse(
            _("Ce client n'a pas d'adresse e-mail : indiquez celle à laquelle envoyer le devis."),
            field="recipient_email",
        )
    totals = totals_of(lines)
    today = timezone.localdate()
    quote.number = number_assign(template=QUOTE_NUMBER_TEMPLATE, kind=QUOTE, issued_on=today)
    quote.total_excl_vat = totals.excl_vat
    quote.total_vat = totals.vat
    quote.total_incl_vat = totals.incl_vat
    quote.recipient_email = email
    quote.status = QuoteStatus.SENT
    quote.sent_at = timezone.now()
    quote.sent_by = by
    token = _new_answer_link(quote)
    _full_clean(quote, _("Ce devis ne peut pas être envoyé."))
    quote.save()
    _enqueue_quote_email(quote, token)
    logger.info("Quote %s sent", quote.pk)
    return QuoteSending(quote=quote, token=token)


@transaction.atomic
def quote_resend(*, quote: Quote, by: Any) -> QuoteSending:
    """Email a sent, unanswered quote again with a new link; the previous link stops working."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status == QuoteStatus.DRAFT:
        raise _refuse(_("Ce devis n'a pas encore été envoyé."))
    if quote.status != QuoteStatus.SENT:
        raise _refuse(_("Le client a déjà répondu à ce devis."))
    if quote.valid_until < timezone.localdate():
        raise _refuse(
            _("Ce devis a expiré le %(date)s : préparez-en un nouveau.")
            % {"date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")}
        )
    token = _new_answer_link(quote)
    quote.save(update_fields=["response_token_hash"])
    _enqueue_quote_email(quote, token)
    logger.info("Quote %s sent again by user %s", quote.pk, getattr(by, "pk", None))
    return QuoteSending(quote=quote, token=token)


@transaction.atomic
def quote_answer(*, token: str, accept: bool, comment: str = "") -> Quote:
    """The client's answer through the link: accepting plans one job per line of the quote."""
    # Locked by its hash: a concurrent answer waits, then no longer finds the (emptied) hash.
    quote = (
        Quote.objects.select_for_update()
        .filter(response_token_hash=quote_token_hash(token), status=QuoteStatus.SENT)
        .first()
        if token
        else None
    )
    if quote is None:
        raise _refuse(
            _(
                "Ce lien n'est plus valable : le devis a déjà reçu une réponse, ou un lien plus "
                "récent vous a été envoyé."
            )
        )
    if quote.valid_until < timezone.localdate():
        raise _refuse(
            _(
                "Ce devis a expiré le %(date)s : contactez la coopérative pour en obtenir "
                "un nouveau."
            )
            % {"date": date_format(quote.valid_until, "SHORT_DATE_FORMAT")}
        )
    quote.status = QuoteStatus.ACCEPTED if accept else QuoteStatus.DECLINED
    quote.answered_at = timezone.now()
    quote.answer_comment = comment.strip()
    quote.response_token_hash = ""
    _full_clean(quote, _("Cette réponse ne peut pas être enregistrée."))
    quote.save(update_fields=["status", "answered_at", "answer_comment", "response_token_hash"])
    if accept:
        for line in quote.lines.all():
            job = Job(
                cohort_id=quote.cohort_id,
                client_id=quote.client_id,
                quote_line=line,
                service_id=line.service_id,
                title=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_excl_vat=line.unit_price_excl_vat,
                vat_rate=line.vat_rate,
            )
            _full_clean(job, _("Cette prestation ne peut pas être enregistrée."))
            job.save()
    logger.info("Quote %s answered (accepted: %s)", quote.pk, accept)
    return quote


def quote_email_send(*, quote: Quote, token: str) -> bool:
    """Email the quote and its answer link, once per link; return whether it was sent now.

    A link replaced by a newer one (or already used) is not sent: the client would only get a
    link that no longer works.
    """
    from tenants.commerce.documents import quote_pdf  # written beside this module

    token_hash = quote_token_hash(token)
    with transaction.atomic():
        quote = Quote.objects.select_related("cohort", "client").get(pk=quote.pk)
        if quote.status != QuoteStatus.SENT or quote.response_token_hash != token_hash:
            logger.info("Quote %s: its link changed before the email left, not sent", quote.pk)
            return False
        _run, created = task_run_record(
            key=f"commerce.quote_email:{quote.pk}:{token_hash}", task_name="commerce.quote_email"
        )
        if not created:
            return False
        cae = current_cae()
        context = {
            "quote": quote,
            "cohort_name": quote.cohort.name,
            "cae_name": cae.name if cae is not None else "",
            "answer_url": f"{current_site_url()}/devis/{token}/",
            "valid_until": date_format(quote.valid_until, "DATE_FORMAT"),
            "total_incl_vat": format_euros(quote.total_incl_vat),
        }
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Devis %(number)s de %(cohort)s") % {
                "number": quote.number,
                "cohort": quote.cohort.name,
            }
            body = render_to_string("commerce/email/quote.txt", context)
        message = EmailMessage(subject=subject, body=body, to=[quote.recipient_email])
        message.attach(f"devis-{quote.number}.pdf", quote_pdf(quote=quote), "application/pdf")
        message.send()
    return True


# --- Jobs (prestations réalisées) ----------------------------------------------------------

JOB_EDITABLE_FIELDS = frozenset(
    {"client", "title", "place", "quantity", "unit", "unit_price_excl_vat", "vat_rate", "notes"}
)
MAX_HOURS_WORKED = Decimal(24 * 31)


def _locked_job(job_id: int, *allowed: str) -> Job:
    """The job, locked, refused unless its status is one of `allowed`."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if job.status not in allowed:
        messages = {
            JobStatus.DONE: _("Cette prestation est déjà réalisée."),
            JobStatus.INVOICED: _("Cette prestation est déjà facturée."),
            JobStatus.CANCELLED: _("Cette prestation est annulée."),
            JobStatus.PLANNED: _("Cette prestation n'est pas encore réalisée."),
        }
        raise _refuse(messages[JobStatus(job.status)])
    return job


@transaction.atomic
def job_create(
    *,
    cohort: Cohort,
    client: Client,
    quantity: Decimal,
    service: Service | None = None,
    title: str = "",
    unit: str | None = None,
    unit_price_excl_vat: Decimal | None = None,
    vat_rate: Decimal | None = None,
    place: str = "",
    notes: str = "",
) -> Job:
    """Plan a job for a client without a quote (a service of the cohort gives the defaults)."""
    _check_service_of_cohort(service, cohort.pk)
    figures = _figures(
        service=service,
        label=title,
        label_field="title",
        unit=unit,
        unit_price_excl_vat=unit_price_excl_vat,
        vat_rate=vat_rate,
    )
    job = Job(
        cohort=cohort,
        client=client,
        service=service,
        title=figures.label,
        quantity=quantity,
        unit=figures.unit,
        unit_price_excl_vat=figures.unit_price_excl_vat,
        vat_rate=figures.vat_rate,
        place=place.strip(),
        notes=notes.strip(),
    )
    _check_line_figures(job)
    _full_clean(job, _("Cette prestation ne peut pas être enregistrée."))
    job.save()
    return job


@transaction.atomic
def job_update(*, job: Job, changes: Mapping[str, Any]) -> Job:
    """Change a planned job: its client, title, place, figures or notes."""
    unknown = set(changes) - JOB_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable on a job: {sorted(unknown)}")
    job = _locked_job(job.pk, JobStatus.PLANNED)
    for field, value in changes.items():
        setattr(job, field, value.strip() if isinstance(value, str) else value)
    _check_line_figures(job)
    _full_clean(job, _("Ces modifications ne peuvent pas être enregistrées."))
    job.save(update_fields=sorted(changes))
    return job


@transaction.atomic
def job_slot_add(
    *, job: Job, date: datetime.date, starts_at: datetime.time, ends_at: datetime.time
) -> JobSlot:
    """Put a planned job in the calendar: one day, from `starts_at` to `ends_at`."""
    job = _locked_job(job.pk, JobStatus.PLANNED)
    if ends_at <= starts_at:
        raise _refuse(_("Un créneau finit après avoir commencé."), field="ends_at")
    slot = JobSlot(job=job, date=date, starts_at=starts_at, ends_at=ends_at)
    _full_clean(slot, _("Ce créneau ne peut pas être enregistré."))
    slot.save()
    return slot


@transaction.atomic
def job_slot_remove(*, slot: JobSlot) -> None:
    """Take a slot of a planned job out of the calendar."""
    _locked_job(slot.job_id, JobStatus.PLANNED)
    JobSlot.objects.filter(pk=slot.pk).delete()


@transaction.atomic
def job_member_assign(*, job: Job, member: Member) -> JobAssignment:
    """Put a member of the job's cohort (enrolled, not withdrawn) on a planned job."""
    job = _locked_job(job.pk, JobStatus.PLANNED)
    if not Enrolment.objects.enrolled().filter(member=member, cohort_id=job.cohort_id).exists():
        raise _refuse(
            _("Cette personne n'est pas (ou plus) inscrite dans la coopérative de la prestation."),
            field="member",
        )
    if job.assignments.filter(member=member).exists():
        raise _refuse(_("Cette personne est déjà affectée à la prestation."), field="member")
    assignment = JobAssignment(job=job, member=member)
    _full_clean(assignment, _("Cette affectation ne peut pas être enregistrée."))
    assignment.save()
    return assignment


@transaction.atomic
def job_member_unassign(*, assignment: JobAssignment) -> None:
    """Take a member off a planned job."""
    _locked_job(assignment.job_id, JobStatus.PLANNED)
    JobAssignment.objects.filter(pk=assignment.pk).delete()


@transaction.atomic
def job_hours_record(*, assignment: JobAssignment, hours: Decimal) -> JobAssignment:
    """Record the hours a member worked on a job (planned or done, not once invoiced)."""
    _locked_job(assignment.job_id, JobStatus.PLANNED, JobStatus.DONE)
    if not Decimal(0) <= hours <= MAX_HOURS_WORKED:
        raise _refuse(_("Les heures travaillées sont comprises entre 0 et 744."), field="hours")
    assignment = JobAssignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.hours_worked = to_cents(hours)
    _full_clean(assignment, _("Ces heures ne peuvent pas être enregistrées."))
    assignment.save(update_fields=["hours_worked"])
    facts_publish_on_commit(cohort_id=assignment.job.cohort_id)
    return assignment


@transaction.atomic
def job_mark_done(*, job: Job) -> Job:
    """Record that a planned job was done: it has a slot, members, and all their hours."""
    job = _locked_job(job.pk, JobStatus.PLANNED)
    if not job.slots.exists():
        raise _refuse(_("Planifiez au moins un créneau avant de marquer la prestation réalisée."))
    assignments = list(job.assignments.all())
    if not assignments:
        raise _refuse(_("Affectez au moins une personne avant de marquer la prestation réalisée."))
    if any(assignment.hours_worked is None for assignment in assignments):
        raise _refuse(
            _("Indiquez d'abord les heures travaillées de chaque personne affectée."),
            field="hours",
        )
    job.status = JobStatus.DONE
    job.done_at = timezone.now()
    _full_clean(job, _("Cette prestation ne peut pas être marquée réalisée."))
    job.save(update_fields=["status", "done_at"])
    facts_publish_on_commit(cohort_id=job.cohort_id)
    return job


@transaction.atomic
def job_cancel(*, job: Job) -> Job:
    """Cancel a planned job (it stays on record, out of the calendar)."""
    job = _locked_job(job.pk, JobStatus.PLANNED)
    job.status = JobStatus.CANCELLED
    job.save(update_fields=["status"])
    facts_publish_on_commit(cohort_id=job.cohort_id)
    return job


@transaction.atomic
def job_mark_invoiced(*, job_ids: Iterable[int]) -> None:
    """Record that done jobs were invoiced (billing calls this when it issues the invoice)."""
    wanted = set(job_ids)
    jobs = list(Job.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(jobs) != len(wanted):
        raise _refuse(_("Une de ces prestations n'existe pas."))
    not_done = [job.title for job in jobs if job.status != JobStatus.DONE]
    if not_done:
        raise _refuse(
            _("Seule une prestation réalisée peut être facturée : %(titles)s.")
            % {"titles": ", ".join(not_done)}
        )
    Job.objects.filter(pk__in=wanted).update(status=JobStatus.INVOICED)
