"""Issued invoices for the ledger tests and the checks every flow must pass."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from coopilote.accounts.models import User
from tenants.billing.models import Invoice
from tenants.billing.selectors import invoice_balance
from tenants.billing.services import (
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
)
from tenants.cohorts.models import Cohort
from tenants.ledger.chart import CLIENTS, client_auxiliary_number
from tenants.ledger.models import EntryLine, JournalEntry
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.people.factories import CohortFactory

D = datetime.date
ZERO = Decimal("0.00")


def issued_invoice(
    person: User,
    *,
    cohort: Cohort | None = None,
    issued_on: datetime.date | None = None,
    lines: tuple[tuple[str, str, str], ...] = (("3", "15.50", "20.0"), ("1", "12.35", "5.5")),
    payment_terms_days: int = 30,
) -> Invoice:
    """An issued invoice (default: 46.50 HT at 20 % + 12.35 HT at 5.5 % = 68.83 TTC), booked
    by invoice_issue itself."""
    issued_on = issued_on or D(2026, 3, 2)
    invoice = invoice_draft_create(
        cohort=cohort or CohortFactory.create(),
        client=ClientFactory.create(),
        sale_date=issued_on,
    )
    if payment_terms_days != 30:
        Invoice.objects.filter(pk=invoice.pk).update(payment_terms_days=payment_terms_days)
    for position, (quantity, price, rate) in enumerate(lines, start=1):
        invoice_line_add(
            invoice=invoice,
            description=f"Prestation {position}",
            quantity=Decimal(quantity),
            unit="hour",
            unit_price_excl_vat=Decimal(price),
            vat_rate=Decimal(rate),
        )
    invoice_submit(invoice=invoice, by=person)
    return invoice_issue(invoice=invoice, by=person, issued_on=issued_on)


def check_deferred_constraints() -> None:
    """Run now the checks PostgreSQL keeps for COMMIT (tests never commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def assert_balanced() -> None:
    """Every entry and the whole ledger: debits = credits; and the database agrees."""
    check_deferred_constraints()
    for entry in JournalEntry.objects.prefetch_related("lines"):
        lines = list(entry.lines.all())
        assert len(lines) >= 2, entry
        assert sum(line.debit for line in lines) == sum(line.credit for line in lines), entry
    totals = EntryLine.objects.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    assert totals["debit"] == totals["credit"]


def client_balance(invoice: Invoice) -> Decimal:
    """Debit minus credit of the invoice's client on 411."""
    totals = EntryLine.objects.filter(
        account__number=CLIENTS, auxiliary_number=client_auxiliary_number(invoice.client_id)
    ).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return (totals["debit"] or ZERO) - (totals["credit"] or ZERO)


def still_due(invoice: Invoice) -> Decimal:
    """What the client still owes by billing's reckoning (negative: what the CAE owes back)."""
    balance = invoice_balance(invoice=invoice)
    return balance.due - balance.paid
