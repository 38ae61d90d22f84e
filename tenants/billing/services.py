"""Invoices: drafted by the cohort, submitted, issued by the CAE under its identity."""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.documents import cae_identity
from coopilote.errors import ApplicationError
from coopilote.money import allowed_vat_rates, format_euros, to_cents
from coopilote.payments import CheckoutRequest, ProviderError, payment_provider
from coopilote.tasking.services import task_enqueue_on_commit
from coopilote.tenancy import current_cae, current_schema, current_site_url
from coopilote.totals import totals_of
from tenants.billing.journal import is_individual_payment, payment_journal_append
from tenants.billing.models import (
    ArchivedDocument,
    AttemptStatus,
    CreditNote,
    CreditNoteLine,
    Dispute,
    DisputeStatus,
    Invoice,
    InvoiceDispatch,
    InvoiceLine,
    InvoiceReminder,
    InvoiceStatus,
    NumberingSettings,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    Refund,
)
from tenants.billing.numbering import CREDIT_NOTE, INVOICE, number_assign, template_errors
from tenants.billing.selectors import invoice_balance, invoice_link_url, invoice_list_overdue
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientKind, Job, JobStatus
from tenants.commerce.services import job_mark_invoiced
from tenants.ledger.services import (
    ledger_post_credit_note,
    ledger_post_fee,
    ledger_post_invoice,
    ledger_post_payment,
    ledger_post_refund,
)

logger = logging.getLogger(__name__)


def numbering_settings_get() -> NumberingSettings:
    """The CAE's numbering templates (the defaults until the CAE changes them)."""
    settings, _created = NumberingSettings.objects.get_or_create(singleton=True)
    return settings


@transaction.atomic
def numbering_settings_update(
    *, invoice_template: str, credit_note_template: str
) -> NumberingSettings:
    """Change the templates; numbers already issued keep theirs."""
    errors = {
        field: template_errors(template)
        for field, template in (
            ("invoice_template", invoice_template),
            ("credit_note_template", credit_note_template),
        )
    }
    errors = {field: messages for field, messages in errors.items() if messages}
    if invoice_template.split("{")[0] == credit_note_template.split("{")[0]:
        errors.setdefault("credit_note_template", []).append(
            _("Les avoirs ont leur propre préfixe, distinct de celui des factures.")
        )
    if errors:
        raise ApplicationError(
            _("Cette numérotation ne convient pas."), errors=ValidationError(errors)
        )
    settings = NumberingSettings.objects.select_for_update().get_or_create(singleton=True)[0]
    settings.invoice_template = invoice_template
    settings.credit_note_template = credit_note_template
    settings.full_clean()
    settings.save()
    return settings


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


@transaction.atomic
def invoice_draft_create(*, cohort: Cohort, client: Client, sale_date: datetime.date) -> Invoice:
    """Start an invoice for a cohort's work for a client (a draft, without a number)."""
    invoice = Invoice(cohort=cohort, client=client, sale_date=sale_date)
    invoice.full_clean()
    invoice.save()
    return invoice


@transaction.atomic
def invoice_line_add(
    *,
    invoice: Invoice,
    description: str,
    quantity: Decimal,
    unit: str,
    unit_price_excl_vat: Decimal,
    vat_rate: Decimal,
    job: Job | None = None,
) -> InvoiceLine:
    """Add a line to a draft invoice; refused once the invoice left the draft stage."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise _refuse(_("Une facture soumise ou émise ne change plus."))
    if quantity <= 0:
        raise _refuse(_("Une quantité est positive."), "quantity")
    if unit_price_excl_vat < 0:
        raise _refuse(_("Un prix ne peut pas être négatif."), "unit_price_excl_vat")
    cae: Any = current_cae()
    if vat_rate not in allowed_vat_rates(cae.vat_regime):
        raise _refuse(
            _("Ce taux de TVA n'est pas permis par le régime de TVA de la CAE."), "vat_rate"
        )
    line = InvoiceLine(
        invoice=invoice,
        position=invoice.lines.count() + 1,
        description=description.strip(),
        quantity=to_cents(quantity),
        unit=unit,
        unit_price_excl_vat=to_cents(unit_price_excl_vat),
        vat_rate=vat_rate,
        job=job,
    )
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def invoice_line_remove(*, line: InvoiceLine) -> None:
    """Take a line off a draft invoice (the lines after it move up)."""
    invoice = Invoice.objects.select_for_update().get(pk=line.invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise _refuse(_("Une facture soumise ou émise ne change plus."))
    line.delete()
    for position, remaining in enumerate(invoice.lines.order_by("position", "pk"), start=1):
        if remaining.position != position:
            InvoiceLine.objects.filter(pk=remaining.pk).update(position=position)


@transaction.atomic
def invoice_draft_from_jobs(*, cohort: Cohort, job_ids: Iterable[int]) -> Invoice:
    """A draft invoice with one line per job done for one client (what each job carries:
    quantity, unit price, VAT rate). The jobs become "invoiced" when the invoice is issued."""
    jobs = list(
        Job.objects.select_for_update()
        .filter(pk__in=set(job_ids), cohort=cohort)
        .prefetch_related("slots")
        .order_by("pk")
    )
    if not jobs:
        raise _refuse(_("Choisissez au moins une prestation réalisée."), "jobs")
    if any(job.status != JobStatus.DONE for job in jobs):
        raise _refuse(_("Seules des prestations réalisées peuvent être facturées."), "jobs")
    if len({job.client_id for job in jobs}) > 1:
        raise _refuse(_("Une facture s'adresse à un seul client."), "jobs")
    already = InvoiceLine.objects.filter(job__in=jobs).select_related("invoice").first()
    if already is not None:
        raise _refuse(
            _("La prestation « %(job)s » figure déjà sur une facture (%(invoice)s).")
            % {"job": already.job, "invoice": already.invoice},
            "jobs",
        )
    slot_dates = [slot.date for job in jobs for slot in job.slots.all()]
    invoice = invoice_draft_create(
        cohort=cohort,
        client=jobs[0].client,
        sale_date=max(slot_dates) if slot_dates else timezone.localdate(),
    )
    for job in jobs:
        invoice_line_add(
            invoice=invoice,
            description=job.title,
            quantity=job.quantity,
            unit=job.unit,
            unit_price_excl_vat=job.unit_price_excl_vat,
            vat_rate=job.vat_rate,
            job=job,
        )
    return invoice


@transaction.atomic
def invoice_draft_delete(*, invoice: Invoice) -> None:
    """Throw a draft away (it has no number yet, so no gap is left)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise _refuse(_("Seul un brouillon peut être supprimé."))
    invoice.lines.all().delete()
    invoice.delete()


@transaction.atomic
def invoice_submit(*, invoice: Invoice, by: Any) -> Invoice:
    """The cohort's finance committee hands the invoice to the CAE for validation."""
    invoice = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise _refuse(_("Seule une facture en brouillon peut être soumise."))
    if not invoice.lines.exists():
        raise _refuse(_("Une facture a au moins une ligne."))
    _check_buyer(invoice.client)
    invoice.status = InvoiceStatus.SUBMITTED
    invoice.submitted_at = timezone.now()
    invoice.submitted_by = by
    invoice.save(update_fields=["status", "submitted_at", "submitted_by"])
    return invoice


def _check_buyer(client: Client) -> None:
    """A business buyer is named on the invoice with its SIREN (French law)."""
    if client.kind != ClientKind.INDIVIDUAL and not client.siret:
        raise _refuse(
            _("Le client professionnel n'a pas de SIRET : complétez sa fiche avant de facturer."),
            "client",
        )


@transaction.atomic
def invoice_return_to_draft(*, invoice: Invoice) -> Invoice:
    """CAE staff hand a submitted invoice back to the cohort, to be corrected."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.SUBMITTED:
        raise _refuse(_("Seule une facture soumise peut être renvoyée à la coopérative."))
    invoice.status = InvoiceStatus.DRAFT
    invoice.submitted_at = None
    invoice.submitted_by = None
    invoice.save(update_fields=["status", "submitted_at", "submitted_by"])
    return invoice


@transaction.atomic
def invoice_issue(*, invoice: Invoice, by: Any, issued_on: datetime.date) -> Invoice:
    """CAE staff issue the invoice under the CAE's identity: it gets its number (gap-free,
    chronological), its totals and both parties' identities, then never changes again."""
    invoice = (
        Invoice.objects.select_for_update().select_related("client", "cohort").get(pk=invoice.pk)
    )
    if invoice.status != InvoiceStatus.SUBMITTED:
        raise _refuse(_("Seule une facture soumise peut être émise."))
    if issued_on < invoice.sale_date - datetime.timedelta(days=365):
        raise _refuse(_("La date d'émission est trop éloignée de la prestation."), "issued_on")
    totals = totals_of(invoice.lines.all())
    invoice.number = number_assign(
        template=numbering_settings_get().invoice_template,
        kind=INVOICE,
        issued_on=issued_on,
        cohort_code=invoice.cohort.code,
    )
    cae: Any = current_cae()
    invoice.seller = cae_identity(cae)
    client = invoice.client
    _check_buyer(client)  # the client's record may have changed since the submission
    invoice.buyer = {
        "kind": client.kind,
        "name": client.name,
        "siren": client.siren,
        "siret": client.siret,
        "vat_number": client.vat_number,
        "address": client.address,
        "postcode": client.postcode,
        "city": client.city,
        "email": client.email,
    }
    invoice.total_excl_vat = totals.excl_vat
    invoice.total_vat = totals.vat
    invoice.total_incl_vat = totals.incl_vat
    invoice.issued_on = issued_on
    invoice.due_on = issued_on + datetime.timedelta(days=invoice.payment_terms_days)
    invoice.issued_at = timezone.now()
    invoice.issued_by = by
    invoice.status = InvoiceStatus.ISSUED
    invoice.full_clean()
    invoice.save()
    job_ids = [job_id for job_id in invoice.lines.values_list("job_id", flat=True) if job_id]
    if job_ids:
        job_mark_invoiced(job_ids=job_ids)
    ledger_post_invoice(invoice=invoice)
    return invoice


# --- Credit notes, payments, sending ---------------------------------------------------------


@dataclass(frozen=True)
class CreditLine:
    """A line of a credit note: what is credited back, at the rate it was invoiced."""

    description: str
    quantity: Decimal
    unit: str
    unit_price_excl_vat: Decimal
    vat_rate: Decimal


@transaction.atomic
def credit_note_issue(
    *,
    invoice: Invoice,
    by: Any,
    reason: str,
    issued_on: datetime.date,
    lines: Sequence[CreditLine] | None = None,
) -> CreditNote:
    """Issue an avoir on an issued invoice: the whole invoice when `lines` is None (only if
    nothing was credited yet), else the lines given. A credit note never exceeds what is left
    of the invoice, in total or at any VAT rate; it gets its own gap-free number."""
    invoice = Invoice.objects.select_for_update().select_related("cohort").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.ISSUED:
        raise _refuse(_("Seule une facture émise peut être corrigée par un avoir."))
    if not reason.strip():
        raise _refuse(_("Indiquez le motif de l'avoir."), "reason")
    assert invoice.issued_on is not None
    if issued_on < invoice.issued_on:
        raise _refuse(_("Un avoir ne peut pas précéder sa facture."), "issued_on")
    previous = list(invoice.credit_notes.prefetch_related("lines"))
    if lines is None:
        if previous:
            raise _refuse(
                _("Cette facture a déjà un avoir : précisez les lignes du nouvel avoir."), "lines"
            )
        lines = [
            CreditLine(
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_excl_vat=line.unit_price_excl_vat,
                vat_rate=line.vat_rate,
            )
            for line in invoice.lines.all()
        ]
    if not lines:
        raise _refuse(_("Un avoir a au moins une ligne."), "lines")
    for line in lines:
        if line.quantity <= 0:
            raise _refuse(_("Une quantité est positive."), "lines")
        if line.unit_price_excl_vat < 0:
            raise _refuse(_("Un prix ne peut pas être négatif."), "lines")
    lines = [
        CreditLine(
            description=line.description.strip(),
            quantity=to_cents(line.quantity),
            unit=line.unit,
            unit_price_excl_vat=to_cents(line.unit_price_excl_vat),
            vat_rate=line.vat_rate,
        )
        for line in lines
    ]
    invoiced = totals_of(invoice.lines.all())
    credited = totals_of([line for note in previous for line in note.lines.all()])
    new = totals_of(lines)
    if new.incl_vat <= 0:
        raise _refuse(_("Un avoir porte sur un montant positif."), "lines")
    for rate, (base, _vat) in new.vat_by_rate.items():
        invoiced_base = invoiced.vat_by_rate.get(rate, (Decimal("0"), Decimal("0")))[0]
        credited_base = credited.vat_by_rate.get(rate, (Decimal("0"), Decimal("0")))[0]
        if base > invoiced_base - credited_base:
            raise _refuse(
                _(
                    "L'avoir dépasse ce qui reste de la facture au taux de %(rate)s %% "
                    "(%(left)s HT)."
                )
                % {
                    "rate": f"{rate.normalize():f}".replace(".", ","),
                    "left": format_euros(invoiced_base - credited_base),
                },
                "lines",
            )
    if new.incl_vat > invoice.total_incl_vat - credited.incl_vat:
        raise _refuse(_("L'avoir dépasse le montant restant de la facture."), "lines")
    note = CreditNote(
        invoice=invoice,
        number=number_assign(
            template=numbering_settings_get().credit_note_template,
            kind=CREDIT_NOTE,
            issued_on=issued_on,
            cohort_code=invoice.cohort.code,
        ),
        reason=reason.strip(),
        issued_on=issued_on,
        seller=invoice.seller,
        buyer=invoice.buyer,
        total_excl_vat=new.excl_vat,
        total_vat=new.vat,
        total_incl_vat=new.incl_vat,
        issued_by=by,
    )
    note.full_clean()
    note.save()
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_excl_vat=line.unit_price_excl_vat,
            vat_rate=line.vat_rate,
        )
        for position, line in enumerate(lines, start=1)
    )
    ledger_post_credit_note(credit_note=note)
    return note


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    received_on: datetime.date,
    method: str,
    reference: str = "",
    by: Any | None,
) -> Payment:
    """Record money received for an issued invoice (transfer, cheque…). Never more than what is
    still due once credit notes and earlier payments are counted."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.ISSUED:
        raise _refuse(_("Un paiement s'enregistre sur une facture émise."))
    amount = to_cents(amount)
    if amount <= 0:
        raise _refuse(_("Un paiement est un montant positif."), "amount")
    if received_on > timezone.localdate():
        raise _refuse(_("Un paiement ne peut pas être daté dans le futur."), "received_on")
    balance = invoice_balance(invoice=invoice)
    if amount > balance.outstanding:
        raise _refuse(
            _("Le paiement dépasse le reste dû (%(due)s).")
            % {"due": format_euros(balance.outstanding)},
            "amount",
        )
    payment = Payment(
        invoice=invoice,
        amount=amount,
        received_on=received_on,
        method=method,
        reference=reference.strip(),
        recorded_by=by,
    )
    payment.full_clean()
    payment.save()
    _payment_booked(payment)
    return payment


@transaction.atomic
def invoice_send(
    *, invoice: Invoice, by: Any | None, recipient: str | None = None
) -> InvoiceDispatch:
    """Email an issued invoice (PDF with its Factur-X data, and the link to view and pay it),
    through a Celery task once this transaction commits."""
    from tenants.billing.tasks import invoice_email_task

    invoice = Invoice.objects.select_related("client").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.ISSUED:
        raise _refuse(_("Seule une facture émise peut être envoyée au client."))
    address = (recipient or invoice.client.email or "").strip()
    if not address:
        raise _refuse(
            _("Le client n'a pas d'adresse e-mail : indiquez à qui envoyer la facture."),
            "recipient",
        )
    dispatch = InvoiceDispatch(invoice=invoice, recipient=address, requested_by=by)
    dispatch.full_clean()
    dispatch.save()
    task_enqueue_on_commit(invoice_email_task, dispatch_id=dispatch.pk)
    return dispatch


@transaction.atomic
def invoice_dispatch_deliver(*, dispatch: InvoiceDispatch) -> InvoiceDispatch:
    """Send the email of `dispatch` (the PDF attached, the view link in the text), once: the row
    is locked and marked sent in the same transaction."""
    dispatch = (
        InvoiceDispatch.objects.select_for_update()
        .select_related("invoice__cohort")
        .get(pk=dispatch.pk)
    )
    if dispatch.sent_at is not None:
        return dispatch
    invoice = dispatch.invoice
    context = {
        "invoice": invoice,
        "outstanding": format_euros(invoice_balance(invoice=invoice).outstanding),
        "link": invoice_link_url(invoice=invoice),
    }
    message = EmailMessage(
        subject=_("Facture %(number)s — %(seller)s")
        % {"number": invoice.number, "seller": invoice.seller.get("name", "")},
        body=render_to_string("billing/email/invoice.txt", context),
        to=[dispatch.recipient],
    )
    message.attach(
        f"Facture-{invoice.number}.pdf", invoice_pdf_archive(invoice=invoice), "application/pdf"
    )
    message.send()
    dispatch.sent_at = timezone.now()
    dispatch.save(update_fields=["sent_at"])
    return dispatch


def invoice_pdf_archive(*, invoice: Invoice) -> bytes:
    """The PDF of an issued invoice as the client receives it: rendered and archived the first
    time it is asked for, then always that same file."""
    from tenants.billing.documents import invoice_pdf

    return _archived(
        {"invoice": invoice},
        render=lambda: invoice_pdf(invoice=invoice),
        name=f"Facture-{invoice.number}.pdf",
    )


def credit_note_pdf_archive(*, credit_note: CreditNote) -> bytes:
    """The same for a credit note."""
    from tenants.billing.documents import credit_note_pdf

    return _archived(
        {"credit_note": credit_note},
        render=lambda: credit_note_pdf(credit_note=credit_note),
        name=f"Avoir-{credit_note.number}.pdf",
    )


def _read(archive: ArchivedDocument) -> bytes:
    with archive.pdf.open("rb") as stored:
        return bytes(stored.read())


def _archived(document: dict[str, Any], *, render: Callable[[], bytes], name: str) -> bytes:
    existing = ArchivedDocument.objects.filter(**document).first()
    if existing is not None:
        return _read(existing)
    content = render()
    archive = ArchivedDocument(**document, sha256=hashlib.sha256(content).hexdigest())
    archive.pdf.save(name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            archive.save()
    except IntegrityError:
        # Archived by a concurrent request in the meantime: theirs is the legal copy.
        archive.pdf.delete(save=False)
        return _read(ArchivedDocument.objects.get(**document))
    return content


# --- Online payments ---------------------------------------------------------------------------


class PaymentNotYetKnownError(Exception):
    """An event about a payment this CAE has not recorded yet (events arrive in any order):
    the task retries it later."""


def payment_checkout_start(*, invoice: Invoice, amount: Decimal) -> PaymentAttempt:
    """Open an online checkout for `amount` (all or part of what is due) on the CAE's own
    payment account. The attempt and its idempotency key are committed before the provider is
    called: a retry of this attempt never creates a second checkout."""
    cae: Any = current_cae()
    if not cae.payment_account:
        raise _refuse(_("La CAE n'a pas encore activé le paiement en ligne."))
    invoice = Invoice.objects.get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.ISSUED:
        raise _refuse(_("Seule une facture émise se paie en ligne."))
    amount = to_cents(amount)
    outstanding = invoice_balance(invoice=invoice).outstanding
    if amount <= 0:
        raise _refuse(_("Un paiement est un montant positif."), "amount")
    if amount > outstanding:
        raise _refuse(
            _("Le paiement dépasse le reste dû (%(due)s).") % {"due": format_euros(outstanding)},
            "amount",
        )
    public_id = uuid.uuid4()
    provider = payment_provider()
    with transaction.atomic():
        attempt = PaymentAttempt.objects.create(
            invoice=invoice,
            public_id=public_id,
            amount=amount,
            provider=provider.name,
            idempotency_key=f"{current_schema()}:invoice:{invoice.pk}:attempt:{public_id}",
        )
    link = invoice_link_url(invoice=invoice)
    try:
        checkout = provider.checkout_create(
            CheckoutRequest(
                account=cae.payment_account,
                amount_cents=int(amount * 100),
                description=_("Facture %(number)s — %(seller)s")
                % {"number": invoice.number, "seller": invoice.seller.get("name", "")},
                idempotency_key=attempt.idempotency_key,
                success_url=f"{link}?paiement=merci",
                cancel_url=link,
                simulation_url=f"{current_site_url()}/paiements/simulation/{public_id}/",
                metadata={
                    "schema": current_schema(),
                    "invoice": str(invoice.pk),
                    "attempt": str(public_id),
                },
                customer_email=str(invoice.buyer.get("email", "")),
            ),
        )
    except ProviderError as error:
        PaymentAttempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.EXPIRED)
        logger.warning("Checkout of attempt %s failed: %s", attempt.pk, error)
        raise _refuse(
            _("Le paiement en ligne est momentanément indisponible : réessayez un peu plus tard.")
        ) from error
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        session_id=checkout.session_id, checkout_url=checkout.url
    )
    attempt.session_id, attempt.checkout_url = checkout.session_id, checkout.url
    return attempt


def _event_day(event: Mapping[str, Any]) -> datetime.date:
    created = datetime.datetime.fromtimestamp(int(event["created"]), tz=datetime.UTC)
    return timezone.localdate(created)


def _payment_booked(payment: Payment) -> None:
    """What every payment received entails, in its transaction: the ledger entry, and the
    hash-chained journal when the payer is a private individual."""
    ledger_post_payment(payment=payment)
    if is_individual_payment(payment):
        payment_journal_append(payment=payment)


def _online_payment(
    *, attempt_id: str, reference: str, amount_cents: int, day: datetime.date
) -> Payment | None:
    """Record the payment `reference` once, whichever of its events comes first."""
    try:
        public_id = uuid.UUID(attempt_id)
    except ValueError:
        return None
    attempt = PaymentAttempt.objects.select_for_update().filter(public_id=public_id).first()
    if attempt is None:
        return None  # not a checkout of ours (e.g. a payment made on the provider's dashboard)
    existing = Payment.objects.filter(provider_reference=reference).first()
    if existing is not None:
        return existing
    payment = Payment(
        invoice_id=attempt.invoice_id,
        amount=Decimal(amount_cents) / 100,
        received_on=min(day, timezone.localdate()),
        method=PaymentMethod.CARD,
        reference=reference,
        provider_reference=reference,
        attempt=attempt,
    )
    payment.full_clean()
    payment.save()
    _payment_booked(payment)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.COMPLETED)
    _provider_fee_booked(payment, amount_cents=amount_cents)
    return payment


def _provider_fee_booked(payment: Payment, *, amount_cents: int) -> None:
    """Book the fee the provider kept on an online payment (asked from the provider)."""
    cae: Any = current_cae()
    fee_cents = payment_provider().payment_fee_cents(
        account=cae.payment_account, reference=payment.provider_reference, amount_cents=amount_cents
    )
    if fee_cents > 0:
        ledger_post_fee(
            amount=Decimal(fee_cents) / 100,
            on=payment.received_on,
            reference=payment.provider_reference,
            cohort=payment.invoice.cohort,
            source_id=f"fee:{payment.provider_reference}",
        )


def _paid_by(reference: str) -> Payment:
    payment = Payment.objects.filter(provider_reference=reference).first()
    if payment is None:
        raise PaymentNotYetKnownError(reference)
    return payment


_DISPUTE_STATUSES = {"won": DisputeStatus.WON, "lost": DisputeStatus.LOST}


@transaction.atomic
def payment_event_apply(*, event: Mapping[str, Any]) -> None:
    """Apply a verified provider event in this CAE: every effect is keyed by the provider's id,
    so a duplicate is a no-op, and the order of events does not change the final state."""
    kind, data = str(event["type"]), event["data"]["object"]
    metadata = data.get("metadata") or {}
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if data.get("payment_status") == "paid" and data.get("payment_intent"):
            _online_payment(
                attempt_id=metadata.get("attempt", ""),
                reference=str(data["payment_intent"]),
                amount_cents=int(data["amount_total"]),
                day=_event_day(event),
            )
    elif kind == "payment_intent.succeeded":
        _online_payment(
            attempt_id=metadata.get("attempt", ""),
            reference=str(data["id"]),
            amount_cents=int(data["amount_received"]),
            day=_event_day(event),
        )
    elif kind == "checkout.session.expired":
        PaymentAttempt.objects.filter(session_id=str(data["id"]), status=AttemptStatus.OPEN).update(
            status=AttemptStatus.EXPIRED
        )
    elif kind == "charge.refunded":
        payment = _paid_by(str(data["payment_intent"]))
        for refund in data.get("refunds", {}).get("data", []):
            recorded, created = Refund.objects.get_or_create(
                provider_reference=str(refund["id"]),
                defaults={
                    "payment": payment,
                    "amount": Decimal(int(refund["amount"])) / 100,
                    "refunded_on": timezone.localdate(
                        datetime.datetime.fromtimestamp(int(refund["created"]), tz=datetime.UTC)
                    ),
                },
            )
            if created and is_individual_payment(payment):
                payment_journal_append(refund=recorded)
            if created:
                ledger_post_refund(
                    invoice=payment.invoice,
                    amount=recorded.amount,
                    on=recorded.refunded_on,
                    reference=recorded.provider_reference,
                    source_id=f"refund:{recorded.pk}",
                    method=payment.method,
                )
    elif kind.startswith("charge.dispute."):
        payment = _paid_by(str(data["payment_intent"]))
        status = _DISPUTE_STATUSES.get(str(data.get("status")), DisputeStatus.OPEN)
        dispute, created = Dispute.objects.select_for_update().get_or_create(
            provider_reference=str(data["id"]),
            defaults={
                "payment": payment,
                "amount": Decimal(int(data["amount"])) / 100,
                "reason": str(data.get("reason", "")),
                "status": status,
                "closed_at": None if status == DisputeStatus.OPEN else timezone.now(),
            },
        )
        if not created and dispute.status == DisputeStatus.OPEN and status != DisputeStatus.OPEN:
            dispute.status, dispute.closed_at = status, timezone.now()  # closing is final
            dispute.save(update_fields=["status", "closed_at"])


# --- Reminders -------------------------------------------------------------------------------

REMINDER_EVERY_DAYS = 14
REMINDERS_AT_MOST = 3


def invoice_reminders_send(*, today: datetime.date | None = None) -> list[InvoiceReminder]:
    """Remind the clients of overdue invoices (every 14 days, 3 times at most), with what is
    left to pay and the link to pay online. Each reminder is its own transaction, at most one
    per invoice and day, so a rerun of the daily task sends nothing twice."""
    today = today or timezone.localdate()
    overdue = [
        invoice
        for invoice in invoice_list_overdue(today=today)
        if invoice_balance(invoice=invoice).outstanding > 0
    ]
    sent = []
    for invoice in overdue:
        # The prefetched reminders, newest first (an order_by() here would query each invoice).
        reminders = sorted(invoice.reminders.all(), key=lambda r: r.sent_on, reverse=True)
        if len(reminders) >= REMINDERS_AT_MOST:
            continue
        if reminders and (today - reminders[0].sent_on).days < REMINDER_EVERY_DAYS:
            continue
        recipient = str(invoice.buyer.get("email") or invoice.client.email or "")
        if not recipient:
            continue
        try:
            with transaction.atomic():
                reminder = InvoiceReminder.objects.create(
                    invoice=invoice,
                    recipient=recipient,
                    sent_on=today,
                    outstanding=invoice_balance(invoice=invoice).outstanding,
                )
                context = {
                    "invoice": invoice,
                    "outstanding": format_euros(reminder.outstanding),
                    "link": invoice_link_url(invoice=invoice),
                }
                EmailMessage(
                    subject=_("Relance : facture %(number)s — %(seller)s")
                    % {"number": invoice.number, "seller": invoice.seller.get("name", "")},
                    body=render_to_string("billing/email/reminder.txt", context),
                    to=[recipient],
                ).send()
        except IntegrityError:
            continue  # reminded today already (a concurrent run)
        sent.append(reminder)
    return sent


# --- Reconciliation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """Online payments compared with the provider's records over a period."""

    start: datetime.datetime
    end: datetime.datetime
    matched: int
    missing_here: list[str]  # the provider has them, we do not: an event was lost
    unknown_to_provider: list[str]  # recorded here, unknown to the provider
    amount_differs: list[str]

    @property
    def clean(self) -> bool:
        return not (self.missing_here or self.unknown_to_provider or self.amount_differs)


def payments_reconcile(*, start: datetime.datetime, end: datetime.datetime) -> Reconciliation:
    """Compare this CAE's online payments in [start, end) with its provider's."""
    cae: Any = current_cae()
    theirs = {
        payment.reference: payment.amount_cents
        for payment in (
            payment_provider().payments_list(account=cae.payment_account, start=start, end=end)
            if cae.payment_account
            else []
        )
    }
    ours = {
        reference: int(amount * 100)
        for reference, amount in Payment.objects.exclude(provider_reference="")
        .filter(recorded_at__gte=start, recorded_at__lt=end)
        .values_list("provider_reference", "amount")
    }
    recorded_any_time = set(
        Payment.objects.filter(provider_reference__in=list(theirs)).values_list(
            "provider_reference", flat=True
        )
    )
    return Reconciliation(
        start=start,
        end=end,
        matched=len(theirs.keys() & ours.keys()),
        missing_here=sorted(theirs.keys() - recorded_any_time),
        unknown_to_provider=sorted(ours.keys() - theirs.keys()),
        amount_differs=sorted(
            reference
            for reference in theirs.keys() & ours.keys()
            if theirs[reference] != ours[reference]
        ),
    )
