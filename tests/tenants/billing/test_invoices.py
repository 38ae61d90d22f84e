"""Invoices: drafted, submitted, issued with a number and totals, then frozen by the database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from coopilote.money import to_cents
from coopilote.totals import totals_of
from network.registry.models import Cae
from tenants.billing.models import Invoice, InvoiceLine, InvoiceStatus
from tenants.billing.services import (
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
)
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.people.factories import CohortFactory

D = datetime.date


def _draft(**line: object) -> Invoice:
    invoice = invoice_draft_create(
        cohort=CohortFactory.create(), client=ClientFactory.create(), sale_date=D(2027, 7, 20)
    )
    values: dict[str, object] = {
        "description": "Tonte de pelouse",
        "quantity": Decimal("3"),
        "unit": "hour",
        "unit_price_excl_vat": Decimal("15.50"),
        "vat_rate": Decimal("20.0"),
    }
    values.update(line)
    invoice_line_add(invoice=invoice, **values)  # type: ignore[arg-type]
    return invoice


def test_an_invoice_is_issued_with_number_totals_and_parties(in_alpha: Cae, person: User) -> None:
    invoice = _draft()
    invoice_line_add(
        invoice=invoice,
        description="Livraison de flyers",
        quantity=Decimal("1"),
        unit="flat",
        unit_price_excl_vat=Decimal("12.35"),
        vat_rate=Decimal("5.5"),
    )

    invoice_submit(invoice=invoice, by=person)
    issued = invoice_issue(invoice=invoice, by=person, issued_on=D(2027, 7, 31))

    assert issued.status == InvoiceStatus.ISSUED
    assert issued.number == "F2027-00001"
    assert (issued.total_excl_vat, issued.total_vat, issued.total_incl_vat) == (
        Decimal("58.85"),
        Decimal("9.98"),
        Decimal("68.83"),
    )  # VAT: 46.50 at 20 % = 9.30, 12.35 at 5.5 % = 0.68
    assert issued.due_on == D(2027, 8, 30)
    assert issued.seller["siren"] == in_alpha.siren
    assert issued.buyer["name"] == "Boulangerie Le Fournil"


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": Decimal("-1")}, "quantity", "Une quantité est positive."),
        ({"unit_price_excl_vat": Decimal("-0.01")}, "unit_price_excl_vat", "pas être négatif"),
        ({"vat_rate": Decimal("7.0")}, "vat_rate", "pas permis par le régime"),
    ],
)
def test_bad_lines_are_refused(
    in_alpha: Cae, line: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ApplicationError) as refusal:
        _draft(**line)

    assert message in refusal.value.details[field][0]
    assert not InvoiceLine.objects.exists()


def test_an_invoice_without_lines_cannot_be_submitted(in_alpha: Cae, person: User) -> None:
    invoice = invoice_draft_create(
        cohort=CohortFactory.create(), client=ClientFactory.create(), sale_date=D(2027, 7, 20)
    )

    with pytest.raises(ApplicationError, match="au moins une ligne"):
        invoice_submit(invoice=invoice, by=person)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT


def test_only_a_submitted_invoice_is_issued_and_nothing_changes_after(
    in_alpha: Cae, person: User
) -> None:
    invoice = _draft()
    with pytest.raises(ApplicationError, match="Seule une facture soumise"):
        invoice_issue(invoice=invoice, by=person, issued_on=D(2027, 7, 31))
    invoice_submit(invoice=invoice, by=person)
    with pytest.raises(ApplicationError, match="ne change plus"):
        invoice_line_add(
            invoice=invoice,
            description="x",
            quantity=Decimal(1),
            unit="item",
            unit_price_excl_vat=Decimal(1),
            vat_rate=Decimal("20.0"),
        )
    invoice_issue(invoice=invoice, by=person, issued_on=D(2027, 7, 31))

    assert invoice.lines.count() == 1


def _refused_by_the_database(sql: str, params: list[int]) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_the_database_refuses_any_change_to_an_issued_invoice(in_alpha: Cae, person: User) -> None:
    invoice = _draft()
    invoice_submit(invoice=invoice, by=person)
    invoice_issue(invoice=invoice, by=person, issued_on=D(2027, 7, 31))
    line = invoice.lines.get()

    assert _refused_by_the_database(
        "UPDATE billing_invoice SET total_incl_vat = 1 WHERE id = %s", [invoice.pk]
    )
    assert _refused_by_the_database("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
    assert _refused_by_the_database(
        "UPDATE billing_invoiceline SET unit_price_excl_vat = 0 WHERE id = %s", [line.pk]
    )
    assert _refused_by_the_database("DELETE FROM billing_invoiceline WHERE id = %s", [line.pk])
    assert _refused_by_the_database(
        "INSERT INTO billing_invoiceline (invoice_id, position, description, quantity, unit, "
        "unit_price_excl_vat, vat_rate) VALUES (%s, 2, 'x', 1, 'item', 1, 20)",
        [invoice.pk],
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(number="F2027-99999")
    invoice.refresh_from_db()
    assert (invoice.number, invoice.total_incl_vat) == ("F2027-00001", Decimal("55.80"))


def test_a_draft_stays_editable_in_the_database(in_alpha: Cae) -> None:
    invoice = _draft()

    assert not _refused_by_the_database(
        "UPDATE billing_invoiceline SET quantity = 4 WHERE invoice_id = %s", [invoice.pk]
    )


prices = st.decimals(min_value=0, max_value=10_000, places=2)
quantities = st.decimals(min_value=Decimal("0.01"), max_value=1_000, places=2)
rates = st.sampled_from([Decimal("20.0"), Decimal("10.0"), Decimal("5.5"), Decimal("2.1")])


class _Line:
    def __init__(self, quantity: Decimal, price: Decimal, rate: Decimal) -> None:
        self.quantity, self.unit_price_excl_vat, self.vat_rate = quantity, price, rate


@settings(max_examples=200)
@given(st.lists(st.tuples(quantities, prices, rates), min_size=1, max_size=12))
def test_totals_add_up_as_french_invoices_do(raw_lines: list[tuple[Decimal, ...]]) -> None:
    lines = [_Line(*raw) for raw in raw_lines]

    totals = totals_of(lines)

    assert totals.excl_vat == sum(
        to_cents(line.quantity * line.unit_price_excl_vat) for line in lines
    )
    assert totals.excl_vat == sum(base for base, _vat in totals.vat_by_rate.values())
    for rate, (base, vat) in totals.vat_by_rate.items():
        assert vat == to_cents(base * rate / 100)
    assert totals.incl_vat == totals.excl_vat + totals.vat
    assert all(amount.as_tuple().exponent == -2 for amount in (totals.excl_vat, totals.vat))
