"""Reading invoices: what is left to pay once credit notes and payments are counted, lists
narrowed to the cohorts a person may see, and the client's view link."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coopilote.access import Action, cohort_scope
from coopilote.tenancy import current_schema, current_site_url
from tenants.billing.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAttempt,
    Refund,
)
from tenants.commerce.models import Job, JobStatus

ZERO = Decimal("0.00")
_LINK_SALT = "coopilote.billing.invoice-link"


class Settlement(StrEnum):
    """Where an invoice stands, derived from its status, credit notes and payments (an issued
    invoice never changes: what happens to it afterwards is recorded beside it)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ISSUED = "issued"  # nothing paid yet
    OVERDUE = "overdue"  # nothing or part paid, past its due date
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"  # entirely credited


SETTLEMENT_LABELS = {
    Settlement.DRAFT: _("Brouillon"),
    Settlement.SUBMITTED: _("Soumise à la CAE"),
    Settlement.ISSUED: _("Émise, à payer"),
    Settlement.OVERDUE: _("En retard de paiement"),
    Settlement.PARTIALLY_PAID: _("Partiellement payée"),
    Settlement.PAID: _("Payée"),
    Settlement.CANCELLED: _("Annulée par avoir"),
}


@dataclass(frozen=True)
class Balance:
    total: Decimal
    credited: Decimal
    paid: Decimal  # received, net of refunds
    settlement: Settlement

    @property
    def due(self) -> Decimal:
        """What the client owes once credit notes are deducted."""
        return self.total - self.credited

    @property
    def outstanding(self) -> Decimal:
        return max(self.due - self.paid, ZERO)

    @property
    def label(self) -> str:
        return str(SETTLEMENT_LABELS[self.settlement])


def _settlement(
    invoice: Invoice, credited: Decimal, paid: Decimal, today: datetime.date
) -> Settlement:
    if invoice.status != InvoiceStatus.ISSUED:
        return Settlement(invoice.status)
    due = invoice.total_incl_vat - credited
    if due <= 0:
        return Settlement.CANCELLED
    if paid >= due:
        return Settlement.PAID
    if invoice.due_on is not None and invoice.due_on < today:
        return Settlement.OVERDUE
    return Settlement.PARTIALLY_PAID if paid > 0 else Settlement.ISSUED


def _sum_of(model: type[Any], field: str, invoice: str = "invoice") -> Coalesce:
    amounts = (
        model.objects.filter(**{invoice: OuterRef("pk")})
        .order_by()
        .values(invoice)
        .annotate(total=Sum(field))
        .values("total")
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return Coalesce(Subquery(amounts, output_field=money), Value(ZERO), output_field=money)


def _with_amounts(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.annotate(
        credited_amount=_sum_of(CreditNote, "total_incl_vat"),
        paid_amount=_sum_of(Payment, "amount") - _sum_of(Refund, "amount", "payment__invoice"),
    )


def invoice_balance(*, invoice: Invoice) -> Balance:
    """Total, credited, paid and settlement of `invoice` (uses list annotations when present)."""
    credited = getattr(invoice, "credited_amount", None)
    paid = getattr(invoice, "paid_amount", None)
    if credited is None or paid is None:
        fresh = _with_amounts(Invoice.objects.filter(pk=invoice.pk)).get()
        credited, paid = fresh.credited_amount, fresh.paid_amount  # type: ignore[attr-defined]
    return Balance(
        total=invoice.total_incl_vat,
        credited=credited,
        paid=paid,
        settlement=_settlement(invoice, credited, paid, timezone.localdate()),
    )


def invoice_list(
    *,
    user: Any,
    cae: Any,
    cohort_id: int | None = None,
    client_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Invoice]:
    """Invoices of the cohorts whose commerce `user` may see, newest first, with the amounts
    `invoice_balance` needs (no query per invoice)."""
    scope = cohort_scope(user, Action.COMMERCE_VIEW, cae=cae)
    invoices = Invoice.objects.select_related("cohort", "client")
    if scope is not None:
        invoices = invoices.filter(cohort_id__in=scope)
    if cohort_id is not None:
        invoices = invoices.filter(cohort_id=cohort_id)
    if client_id is not None:
        invoices = invoices.filter(client_id=client_id)
    if status is not None:
        invoices = invoices.filter(status=status)
    return _with_amounts(invoices).order_by("-issued_on", "-created_at", "-pk")


def invoice_get(*, invoice_id: int) -> Invoice | None:
    """The invoice with its lines, credit notes and payments, whoever may see it: callers check
    its cohort with coopilote.access."""
    return (
        _with_amounts(Invoice.objects.select_related("cohort", "client"))
        .prefetch_related("lines", "credit_notes__lines", "payments__refunds", "dispatches")
        .filter(pk=invoice_id)
        .first()
    )


def invoice_link_token(*, invoice: Invoice) -> str:
    """The token of the client's link to view (and later pay) an issued invoice. Signed with the
    CAE's schema, so a link of one CAE never opens an invoice of another."""
    # Not timestamped: the same invoice always has the same link (emails, reminders).
    return signing.Signer(salt=_LINK_SALT).sign_object({"s": current_schema(), "i": invoice.pk})


def invoice_link_url(*, invoice: Invoice) -> str:
    return f"{current_site_url()}/factures/consulter/{invoice_link_token(invoice=invoice)}/"


def invoice_from_link_token(*, token: str) -> Invoice | None:
    """The issued invoice a client's link points to, in this CAE; None for any other token."""
    try:
        payload = signing.Signer(salt=_LINK_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("s") != current_schema():
        return None
    invoice = invoice_get(invoice_id=int(payload.get("i", 0)))
    if invoice is None or invoice.status != InvoiceStatus.ISSUED:
        return None
    return invoice


def jobs_to_invoice(*, cohort_id: int) -> QuerySet[Job]:
    """A cohort's jobs done and not yet on any invoice, oldest first."""
    return (
        Job.objects.filter(cohort_id=cohort_id, status=JobStatus.DONE, invoice_lines__isnull=True)
        .select_related("client")
        .order_by("done_at", "pk")
    )


def payment_attempt_get(*, public_id: str) -> PaymentAttempt | None:
    """An online payment attempt by its public id (the dummy checkout page's address)."""
    try:
        return (
            PaymentAttempt.objects.select_related("invoice__cohort")
            .filter(public_id=public_id)
            .first()
        )
    except ValidationError:  # not a UUID
        return None


def invoice_list_overdue(*, today: datetime.date) -> QuerySet[Invoice]:
    """Issued invoices past their due date, with the amounts `invoice_balance` needs (some may
    be paid already: check their balance)."""
    return _with_amounts(
        Invoice.objects.filter(status=InvoiceStatus.ISSUED, due_on__lt=today)
        .select_related("client")
        .prefetch_related("reminders")
        .order_by("due_on", "pk")
    )
