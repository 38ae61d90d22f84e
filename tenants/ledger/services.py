"""Posting to the CAE's ledger: one balanced entry per invoice, credit note, payment, refund or
provider fee, idempotent on its source (posting the same source again returns the entry made
the first time). Billing calls these inside its own transactions, right after the document or
the payment is saved, so the books and the documents commit or roll back together.

See docs/ledger.md for the entries each event generates.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from coopilote.money import to_cents
from coopilote.totals import Line, totals_of
from tenants.billing.models import CreditNote, Invoice, Payment, PaymentMethod
from tenants.billing.numbering import number_next
from tenants.cohorts.models import Cohort
from tenants.cohorts.tasks import facts_publish_on_commit
from tenants.ledger import chart
from tenants.ledger.models import (
    Account,
    EntryLine,
    Journal,
    JournalEntry,
    Purchase,
    PurchaseStatus,
    SourceKind,
)
from tenants.people.validators import document_extension, validate_document_file

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class _Line:
    account: str
    label: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    auxiliary: tuple[str, str] = ("", "")


def _accounts(numbers: set[str]) -> dict[str, Account]:
    # Created on first use, not by a data migration: new CAE schemas are cloned from the
    # template without its rows, so seeded data would never reach them.
    found = {account.number: account for account in Account.objects.filter(number__in=numbers)}
    for number in numbers - found.keys():
        found[number] = Account.objects.get_or_create(
            number=number, defaults={"label": chart.CHART[number]}
        )[0]
    return found


@transaction.atomic
def ledger_chart_ensure() -> dict[str, Account]:
    """The accounts Coopilote books to (tenants.ledger.chart), created if missing."""
    return _accounts(set(chart.CHART))


def _rate_label(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",") + " %"


def _client_of(invoice: Invoice) -> tuple[str, str]:
    """The client's sub-account and name, as frozen on the invoice."""
    return (
        chart.client_auxiliary_number(invoice.client_id),
        str(invoice.buyer.get("name", "")) or str(invoice.client_id),
    )


def _treasury_account(method: str) -> str:
    try:
        return chart.PAYMENT_METHOD_ACCOUNTS[method]
    except KeyError:
        raise ApplicationError(
            _("Ce moyen de paiement n'a pas de compte de trésorerie : %(method)s.")
            % {"method": method}
        ) from None


def _existing(source_kind: str, source_id: str) -> JournalEntry | None:
    return JournalEntry.objects.filter(source_kind=source_kind, source_id=source_id).first()


def _post(
    *,
    journal: Journal,
    date: datetime.date,
    label: str,
    piece_reference: str,
    piece_date: datetime.date,
    cohort_id: int | None,
    source_kind: SourceKind,
    source_id: str,
    lines: list[_Line],
) -> JournalEntry | None:
    """Write one entry and its lines, once per source. None when there is nothing to book."""
    existing = _existing(source_kind, source_id)
    if existing is not None:
        return existing
    lines = [line for line in lines if line.debit > 0 or line.credit > 0]
    if not lines:
        return None
    debit = sum((line.debit for line in lines), ZERO)
    credit = sum((line.credit for line in lines), ZERO)
    if debit != credit:  # the database would refuse it at COMMIT; say so where it happens
        raise RuntimeError(f"Unbalanced {source_kind} {source_id}: {debit} ≠ {credit}")
    accounts = _accounts({line.account for line in lines})
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin gives its number back
            value = number_next(key=f"ledger:{journal.value}:{date.year}")
            entry = JournalEntry.objects.create(
                journal=journal,
                number=f"{journal.value}{date.year}-{value:06d}",
                date=date,
                label=label[:200],
                piece_reference=piece_reference[:100],
                piece_date=piece_date,
                cohort_id=cohort_id,
                source_kind=source_kind,
                source_id=source_id,
            )
            # One INSERT for all lines: the balance trigger sees them together even when
            # constraints are made immediate.
            EntryLine.objects.bulk_create(
                EntryLine(
                    entry=entry,
                    account=accounts[line.account],
                    label=line.label[:200],
                    debit=line.debit,
                    credit=line.credit,
                    cohort_id=cohort_id,
                    auxiliary_number=line.auxiliary[0],
                    auxiliary_label=line.auxiliary[1][:200],
                )
                for line in lines
            )
    except IntegrityError:
        existing = _existing(source_kind, source_id)
        if existing is None:
            raise
        return existing
    logger.info("Posted %s %s as %s", source_kind, source_id, entry.number)
    if cohort_id is not None:  # money moved: the national figures follow
        facts_publish_on_commit(cohort_id=cohort_id)
    return entry


def _sales_lines(
    *, document_lines: Iterable[Line], invoice_side: bool, reference: str
) -> list[_Line]:
    """706 (HT) and 44571 (VAT) per VAT rate: credited for an invoice, debited for a credit
    note (an avoir cancels sales, it is not a discount: see docs/ledger.md)."""
    lines = []
    for rate, (base, vat) in totals_of(document_lines).vat_by_rate.items():
        for account, amount, what in (
            (chart.SERVICES_SOLD, base, "HT"),
            (chart.VAT_COLLECTED, vat, "TVA"),
        ):
            label = f"{reference} {what} {_rate_label(rate)}"
            if invoice_side:
                lines.append(_Line(account=account, label=label, credit=amount))
            else:
                lines.append(_Line(account=account, label=label, debit=amount))
    return lines


@transaction.atomic
def ledger_post_invoice(*, invoice: Invoice) -> JournalEntry | None:
    """Book an issued invoice in VE: 411 client (TTC) against 706 and 44571 per VAT rate."""
    invoice = Invoice.objects.get(pk=invoice.pk)
    if invoice.issued_on is None or not invoice.number:
        raise ApplicationError(_("Seule une facture émise est comptabilisée."))
    client = _client_of(invoice)
    # Labels of the books are French whatever the person's language: they are the CAE's
    # records, read by its accountant.
    label = f"Facture {invoice.number} {client[1]}"
    lines = [
        _Line(
            account=chart.CLIENTS,
            label=label,
            debit=invoice.total_incl_vat,
            auxiliary=client,
        )
    ]
    lines += _sales_lines(
        document_lines=invoice.lines.all(), invoice_side=True, reference=f"Facture {invoice.number}"
    )
    return _post(
        journal=Journal.SALES,
        date=invoice.issued_on,
        label=label,
        piece_reference=invoice.number,
        piece_date=invoice.issued_on,
        cohort_id=invoice.cohort_id,
        source_kind=SourceKind.INVOICE,
        source_id=str(invoice.pk),
        lines=lines,
    )


@transaction.atomic
def ledger_post_credit_note(*, credit_note: CreditNote) -> JournalEntry | None:
    """Book a credit note in VE, the reverse of its invoice: 706 and 44571 against 411."""
    credit_note = CreditNote.objects.select_related("invoice").get(pk=credit_note.pk)
    invoice = credit_note.invoice
    client = _client_of(invoice)
    label = f"Avoir {credit_note.number} sur {invoice.number} {client[1]}"
    lines = _sales_lines(
        document_lines=credit_note.lines.all(),
        invoice_side=False,
        reference=f"Avoir {credit_note.number}",
    )
    lines.append(
        _Line(
            account=chart.CLIENTS,
            label=label,
            credit=credit_note.total_incl_vat,
            auxiliary=client,
        )
    )
    return _post(
        journal=Journal.SALES,
        date=credit_note.issued_on,
        label=label,
        piece_reference=credit_note.number,
        piece_date=credit_note.issued_on,
        cohort_id=invoice.cohort_id,
        source_kind=SourceKind.CREDIT_NOTE,
        source_id=str(credit_note.pk),
        lines=lines,
    )


@transaction.atomic
def ledger_post_payment(*, payment: Payment) -> JournalEntry | None:
    """Book money received in BQ: the treasury account of its method (512 transfer, 5112
    cheque, 530 cash, 517 online provider) against the client's 411."""
    payment = Payment.objects.select_related("invoice").get(pk=payment.pk)
    invoice = payment.invoice
    client = _client_of(invoice)
    label = f"Règlement {invoice.number} {client[1]}"
    return _post(
        journal=Journal.BANK,
        date=payment.received_on,
        label=label,
        piece_reference=payment.reference or invoice.number,
        piece_date=payment.received_on,
        cohort_id=invoice.cohort_id,
        source_kind=SourceKind.PAYMENT,
        source_id=str(payment.pk),
        lines=[
            _Line(account=_treasury_account(payment.method), label=label, debit=payment.amount),
            _Line(account=chart.CLIENTS, label=label, credit=payment.amount, auxiliary=client),
        ],
    )


@transaction.atomic
def ledger_post_refund(
    *,
    invoice: Invoice,
    amount: Decimal,
    on: datetime.date,
    reference: str,
    source_id: str,
    method: str = PaymentMethod.CARD,
) -> JournalEntry | None:
    """Book money given back to the client in BQ: 411 client against the treasury account it
    leaves from (by default the online provider's, 517). `source_id` identifies the refund
    (e.g. the billing Refund's id or the provider's refund id): posting it again is a no-op."""
    amount = to_cents(amount)
    if amount <= 0:
        raise ApplicationError(_("Un remboursement est un montant positif."))
    invoice = Invoice.objects.get(pk=invoice.pk)
    client = _client_of(invoice)
    label = f"Remboursement {invoice.number} {client[1]}"
    return _post(
        journal=Journal.BANK,
        date=on,
        label=label,
        piece_reference=reference or invoice.number,
        piece_date=on,
        cohort_id=invoice.cohort_id,
        source_kind=SourceKind.REFUND,
        source_id=source_id,
        lines=[
            _Line(account=chart.CLIENTS, label=label, debit=amount, auxiliary=client),
            _Line(account=_treasury_account(method), label=label, credit=amount),
        ],
    )


@transaction.atomic
def ledger_post_fee(
    *,
    amount: Decimal,
    on: datetime.date,
    reference: str,
    cohort: Cohort | None,
    source_id: str,
) -> JournalEntry | None:
    """Book the online payment provider's fee in BQ: 627 against 517 (the provider keeps it
    from the money it holds). `source_id` identifies the fee (e.g. the balance transaction)."""
    amount = to_cents(amount)
    if amount <= 0:
        raise ApplicationError(_("Des frais sont un montant positif."))
    label = f"Frais de paiement en ligne {reference}".strip()
    return _post(
        journal=Journal.BANK,
        date=on,
        label=label,
        piece_reference=reference,
        piece_date=on,
        cohort_id=cohort.pk if cohort is not None else None,
        source_kind=SourceKind.FEE,
        source_id=source_id,
        lines=[
            _Line(account=chart.BANK_FEES, label=label, debit=amount),
            _Line(account=chart.PAYMENT_PROVIDER, label=label, credit=amount),
        ],
    )


# --- Cohort purchases -----------------------------------------------------------------------


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _locked(purchase: Purchase) -> Purchase:
    # Read-modify-write under a row lock: two staff members deciding at once must not both win.
    return Purchase.objects.select_for_update().get(pk=purchase.pk)


@transaction.atomic(durable=True)
def purchase_request(
    *,
    cohort: Cohort,
    by: Any,
    description: str,
    supplier: str,
    category: str,
    amount_incl_vat: Decimal,
    vat_amount: Decimal,
    receipt: File[Any] | None,
) -> Purchase:
    """A cohort asks the CAE to pay for something it needs, with the receipt (PDF/JPEG/PNG)."""
    amount_incl_vat = to_cents(amount_incl_vat)
    vat_amount = to_cents(vat_amount)
    if amount_incl_vat <= 0:
        raise _refuse(_("Le montant d'un achat est positif."), "amount_incl_vat")
    if vat_amount < 0:
        raise _refuse(_("La TVA ne peut pas être négative."), "vat_amount")
    if vat_amount > amount_incl_vat:
        raise _refuse(_("La TVA ne peut pas dépasser le montant TTC."), "vat_amount")
    if receipt is None or not receipt:
        raise _refuse(_("Joignez le justificatif de l'achat (ticket ou facture)."), "receipt")
    try:
        validate_document_file(receipt)
    except ValidationError as error:
        raise ApplicationError(
            _("Ce justificatif ne convient pas."),
            errors=ValidationError({"receipt": error.messages}),
        ) from error
    purchase = Purchase(
        cohort=cohort,
        description=description.strip(),
        supplier=supplier.strip(),
        category=category,
        amount_incl_vat=amount_incl_vat,
        vat_amount=vat_amount,
        receipt=receipt,
        requested_by=by,
    )
    try:
        purchase.full_clean()
    except ValidationError as error:
        raise ApplicationError(_("Cet achat ne peut pas être demandé."), errors=error) from error
    # A random name with the extension of its real content: the sender's file name may carry a
    # person's name, and the stored name must not be guessable.
    purchase.receipt.name = f"{uuid.uuid4().hex}.{document_extension(purchase.receipt)}"
    purchase.save()
    logger.info("Purchase %s requested for cohort %s", purchase.pk, cohort.pk)
    return purchase


def _undecided(purchase: Purchase) -> Purchase:
    purchase = _locked(purchase)
    if purchase.status != PurchaseStatus.REQUESTED:
        raise _refuse(
            _("Cet achat a déjà été traité : %(status)s.")
            % {"status": PurchaseStatus(purchase.status).label}
        )
    return purchase


@transaction.atomic(durable=True)
def purchase_approve(*, purchase: Purchase, by: Any) -> Purchase:
    """CAE staff accept a requested purchase; it can then be paid."""
    purchase = _undecided(purchase)
    purchase.status = PurchaseStatus.APPROVED
    purchase.decided_by = by
    purchase.decided_at = timezone.now()
    purchase.save(update_fields=["status", "decided_by", "decided_at"])
    return purchase


@transaction.atomic(durable=True)
def purchase_refuse(*, purchase: Purchase, by: Any, reason: str) -> Purchase:
    """CAE staff refuse a requested purchase, saying why; it is settled for good."""
    reason = reason.strip()
    if not reason:
        raise _refuse(_("Indiquez le motif du refus."), "reason")
    purchase = _undecided(purchase)
    purchase.status = PurchaseStatus.REFUSED
    purchase.decided_by = by
    purchase.decided_at = timezone.now()
    purchase.refusal_reason = reason[:500]
    purchase.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    return purchase


@transaction.atomic(durable=True)
def purchase_pay(*, purchase: Purchase, by: Any, paid_on: datetime.date, method: str) -> Purchase:
    """CAE staff record that an approved purchase is paid, and it is booked (see
    ledger_post_purchase) in the same transaction."""
    if method not in chart.PURCHASE_PAYMENT_ACCOUNTS:
        raise _refuse(_("Choisissez un moyen de paiement."), "method")
    purchase = _locked(purchase)
    if purchase.status == PurchaseStatus.REFUSED:
        raise _refuse(_("Un achat refusé n'est pas payé."))
    if purchase.status == PurchaseStatus.PAID:
        raise _refuse(_("Cet achat est déjà payé."))
    if purchase.status != PurchaseStatus.APPROVED:
        raise _refuse(_("Un achat est accepté par la CAE avant d'être payé."))
    if paid_on > timezone.localdate():
        raise _refuse(_("Un paiement ne peut pas être daté dans le futur."), "paid_on")
    purchase.status = PurchaseStatus.PAID
    purchase.paid_on = paid_on
    purchase.payment_method = method
    purchase.paid_by = by
    purchase.paid_at = timezone.now()
    purchase.save(update_fields=["status", "paid_on", "payment_method", "paid_by", "paid_at"])
    ledger_post_purchase(purchase=purchase)
    return purchase


@transaction.atomic
def ledger_post_purchase(*, purchase: Purchase) -> JournalEntry | None:
    """Book a paid purchase in BQ: the expense account of its category (6068, 6251, 628) for
    the amount HT and 44566 for the deductible VAT, against the treasury account it was paid
    from (512 transfer or card, 530 cash); the cohort on every line."""
    purchase = Purchase.objects.get(pk=purchase.pk)
    if purchase.status != PurchaseStatus.PAID or purchase.paid_on is None:
        raise ApplicationError(_("Seul un achat payé est comptabilisé."))
    reference = f"ACH-{purchase.pk:06d}"
    label = f"Achat {reference} {purchase.supplier}"
    return _post(
        journal=Journal.BANK,
        date=purchase.paid_on,
        label=label,
        piece_reference=reference,
        piece_date=purchase.paid_on,
        cohort_id=purchase.cohort_id,
        source_kind=SourceKind.PURCHASE,
        source_id=str(purchase.pk),
        lines=[
            _Line(
                account=chart.PURCHASE_CATEGORY_ACCOUNTS[purchase.category],
                label=f"{label} {purchase.description}",
                debit=purchase.amount_excl_vat,
            ),
            _Line(account=chart.VAT_DEDUCTIBLE, label=f"{label} TVA", debit=purchase.vat_amount),
            _Line(
                account=chart.PURCHASE_PAYMENT_ACCOUNTS[purchase.payment_method],
                label=label,
                credit=purchase.amount_incl_vat,
            ),
        ],
    )
