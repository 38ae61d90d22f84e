"""Payments from private individuals: an append-only journal chained by hash."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from coopilote.accounts.models import User
from network.registry.models import Cae
from tenants.billing.journal import GENESIS, payment_journal_verify
from tenants.billing.models import Invoice, PaymentJournalEntry
from tenants.billing.services import (
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
    payment_record,
)
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.people.factories import CohortFactory

D = datetime.date


def _issued_to(person: User, **client: str) -> Invoice:
    invoice = invoice_draft_create(
        cohort=CohortFactory.create(),
        client=ClientFactory.create(**client),
        sale_date=D(2026, 7, 1),
    )
    invoice_line_add(
        invoice=invoice,
        description="Tonte",
        quantity=Decimal(4),
        unit="hour",
        unit_price_excl_vat=Decimal(15),
        vat_rate=Decimal("20.0"),
    )
    invoice_submit(invoice=invoice, by=person)
    return invoice_issue(invoice=invoice, by=person, issued_on=D(2026, 7, 2))


def _individual(person: User) -> Invoice:
    return _issued_to(person, kind="individual", name="Yvette Le Dréau", siret="", vat_number="")


def _pay(invoice: Invoice, person: User, amount: str, day: int) -> None:
    payment_record(
        invoice=invoice,
        amount=Decimal(amount),
        received_on=D(2026, 7, day),
        method="cash",
        by=person,
    )


def test_payments_from_individuals_are_chained_and_others_are_not(
    in_alpha: Cae, person: User
) -> None:
    invoice = _individual(person)
    _pay(invoice, person, "30", 5)
    _pay(invoice, person, "42", 9)
    _pay(_issued_to(person), person, "72", 9)  # a company: not in this journal

    first, second = PaymentJournalEntry.objects.order_by("sequence")
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.hash
    assert (first.amount, first.payer, first.invoice_number) == (
        Decimal("30.00"),
        "Yvette Le Dréau",
        invoice.number,
    )
    assert payment_journal_verify().intact


def test_the_database_refuses_to_change_or_remove_an_entry(in_alpha: Cae, person: User) -> None:
    _pay(_individual(person), person, "30", 5)

    for sql in (
        "UPDATE billing_paymentjournalentry SET amount = 1",
        "DELETE FROM billing_paymentjournalentry",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE billing_paymentjournalentry SET amount = 3 WHERE sequence = 2",
        "UPDATE billing_paymentjournalentry SET payer = 'Autre' WHERE sequence = 2",
        "DELETE FROM billing_paymentjournalentry WHERE sequence = 2",
    ],
    ids=["amount", "payer", "removed"],
)
def test_an_alteration_behind_the_database_s_back_is_detected(
    in_alpha: Cae, person: User, tampering: str
) -> None:
    invoice = _individual(person)
    for day, amount in ((5, "20"), (6, "20"), (7, "20")):
        _pay(invoice, person, amount, day)
    assert payment_journal_verify().intact

    trigger = "billing.PaymentJournalEntry:payment_journal_is_append_only"
    with pgtrigger.ignore(trigger), connection.cursor() as cursor:
        cursor.execute(tampering)

    result = payment_journal_verify()
    assert result.first_broken == 2
    output = StringIO()
    with pytest.raises(CommandError, match="altéré à partir de l'écriture n° 2"):
        call_command("payment_journal_verify", "--cae", "alpha", stdout=output)
