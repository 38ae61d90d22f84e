"""Invoices: drafted by the cohort, submitted, issued by the CAE under its identity."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from coopilote.money import allowed_vat_rates, to_cents
from coopilote.tenancy import current_cae
from coopilote.totals import totals_of
from tenants.billing.models import Invoice, InvoiceLine, InvoiceStatus, NumberingSettings
from tenants.billing.numbering import INVOICE, number_assign, template_errors
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientKind


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
    )
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def invoice_submit(*, invoice: Invoice, by: Any) -> Invoice:
    """The cohort's finance committee hands the invoice to the CAE for validation."""
    invoice = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise _refuse(_("Seule une facture en brouillon peut être soumise."))
    if not invoice.lines.exists():
        raise _refuse(_("Une facture a au moins une ligne."))
    client = invoice.client
    if client.kind != ClientKind.INDIVIDUAL and not client.siret:
        raise _refuse(
            _("Le client professionnel n'a pas de SIRET : complétez sa fiche avant de facturer."),
            "client",
        )
    invoice.status = InvoiceStatus.SUBMITTED
    invoice.submitted_at = timezone.now()
    invoice.submitted_by = by
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
    invoice.seller = {field: str(getattr(cae, field)) for field in SELLER_FIELDS}
    client = invoice.client
    invoice.buyer = {
        "kind": client.kind,
        "name": client.name,
        "siret": client.siret,
        "vat_number": client.vat_number,
        "address": client.address,
        "postcode": client.postcode,
        "city": client.city,
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
    return invoice


SELLER_FIELDS = (
    "name",
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    "vat_regime",
    "address",
    "postcode",
    "city",
)
