"""A cohort's profit and loss from the ledger, and unpaid invoices by age."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coopilote.accounts.models import User
from network.registry.models import Cae
from tenants.billing.models import PaymentMethod
from tenants.billing.services import CreditLine, credit_note_issue, payment_record
from tenants.ledger.selectors import Ageing, ageing_of, cohort_profit_and_loss, unpaid_invoices
from tenants.ledger.services import (
    ledger_post_credit_note,
    ledger_post_fee,
    ledger_post_payment,
    ledger_post_refund,
)
from tests.tenants.ledger.helpers import D, issued_invoice
from tests.tenants.people.factories import CohortFactory

M = Decimal


def _selects(queries: CaptureQueriesContext) -> list[str]:
    """The queries made, leaving out django-tenants' SET search_path."""
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]


def test_profit_and_loss_of_a_cohort(in_alpha: Cae, person: User) -> None:
    cohort, other = CohortFactory.create(), CohortFactory.create(name="CJS d'Auray")
    invoice = issued_invoice(person, cohort=cohort)  # 58.85 HT, 68.83 TTC
    issued_invoice(person, cohort=other)
    issued_invoice(person, cohort=cohort, issued_on=D(2025, 12, 1))  # before the period
    payment = payment_record(
        invoice=invoice,
        amount=M("68.83"),
        received_on=D(2026, 3, 5),
        method=PaymentMethod.CARD,
        by=person,
    )
    ledger_post_payment(payment=payment)
    ledger_post_fee(amount=M("1.21"), on=D(2026, 3, 5), reference="t", cohort=cohort, source_id="t")
    note = credit_note_issue(
        invoice=invoice,
        by=person,
        reason="Geste",
        issued_on=D(2026, 3, 6),
        lines=[CreditLine("Prestation 1", M("1"), "hour", M("15.50"), M("20.0"))],
    )
    ledger_post_credit_note(credit_note=note)
    ledger_post_refund(
        invoice=invoice, amount=M("18.60"), on=D(2026, 3, 7), reference="r", source_id="r"
    )

    with CaptureQueriesContext(connection) as queries:
        pnl = cohort_profit_and_loss(cohort_id=cohort.pk, start=D(2026, 1, 1), end=D(2026, 12, 31))

    assert len(_selects(queries)) == 1
    assert (pnl.sales, pnl.credit_notes, pnl.revenue) == (M("58.85"), M("15.50"), M("43.35"))
    # Contribution: 10 % (the default rate) of 43.35 = 4.335 → 4.34; result 43.35 - 1.21 - 4.34.
    assert (pnl.fees, pnl.contribution, pnl.result) == (M("1.21"), M("4.34"), M("37.80"))
    assert (pnl.cash_in, pnl.cash_out, pnl.cash_net) == (M("68.83"), M("19.81"), M("49.02"))


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, Ageing.NOT_DUE),
        (0, Ageing.NOT_DUE),
        (1, Ageing.OVERDUE_0_30),
        (30, Ageing.OVERDUE_0_30),
        (31, Ageing.OVERDUE_31_60),
        (60, Ageing.OVERDUE_31_60),
        (61, Ageing.OVERDUE_61_90),
        (90, Ageing.OVERDUE_61_90),
        (91, Ageing.OVERDUE_OVER_90),
    ],
)
def test_ageing_buckets(days: int, bucket: Ageing) -> None:
    assert ageing_of(days) == bucket


def test_unpaid_invoices_by_age_in_one_query(in_alpha: Cae, person: User) -> None:
    cohort = CohortFactory.create()
    today = D(2026, 6, 30)
    # Due 30 days after issue: due on 1 Feb, 30 May, 20 June, 15 July.
    old = issued_invoice(person, cohort=cohort, issued_on=D(2026, 1, 2))
    recent = issued_invoice(person, cohort=cohort, issued_on=D(2026, 4, 30))
    paid = issued_invoice(person, cohort=cohort, issued_on=D(2026, 5, 21))
    not_due = issued_invoice(person, cohort=cohort, issued_on=D(2026, 6, 15))
    issued_invoice(person, issued_on=D(2026, 1, 2))  # another cohort's
    payment_record(
        invoice=paid, amount=M("68.83"), received_on=D(2026, 6, 1), method="cash", by=person
    )
    payment_record(
        invoice=recent, amount=M("8.83"), received_on=D(2026, 6, 1), method="cash", by=person
    )

    with CaptureQueriesContext(connection) as queries:
        report = unpaid_invoices(cohort_id=cohort.pk, today=today)
        rows = [
            (row.invoice.pk, row.outstanding, row.days_overdue, row.ageing)
            for row in report.invoices
        ]
        names = [row.invoice.client.name for row in report.invoices]

    assert len(_selects(queries)) == 1
    assert rows == [
        (old.pk, M("68.83"), 149, Ageing.OVERDUE_OVER_90),
        (recent.pk, M("60.00"), 31, Ageing.OVERDUE_31_60),
        (not_due.pk, M("68.83"), 0, Ageing.NOT_DUE),
    ]
    assert names == ["Boulangerie Le Fournil"] * 3
    assert report.by_ageing == {
        Ageing.NOT_DUE: M("68.83"),
        Ageing.OVERDUE_0_30: M("0.00"),
        Ageing.OVERDUE_31_60: M("60.00"),
        Ageing.OVERDUE_61_90: M("0.00"),
        Ageing.OVERDUE_OVER_90: M("68.83"),
    }
    assert report.total == M("197.66")
    assert len(unpaid_invoices(today=today).invoices) == 4  # the whole CAE
