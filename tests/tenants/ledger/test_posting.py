"""Posting billing events to the ledger: balanced entries after every flow, the client account
equal to what is still due, idempotent on the source; the database itself refuses unbalanced
or altered entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from coopilote.accounts.models import User
from network.registry.models import Cae
from tenants.billing.models import PaymentMethod
from tenants.billing.services import CreditLine, credit_note_issue, payment_record
from tenants.ledger.models import Account, EntryLine, JournalEntry
from tenants.ledger.services import (
    ledger_chart_ensure,
    ledger_post_credit_note,
    ledger_post_fee,
    ledger_post_invoice,
    ledger_post_payment,
    ledger_post_refund,
)
from tests.tenants.ledger.helpers import (
    D,
    assert_balanced,
    check_deferred_constraints,
    client_balance,
    issued_invoice,
    still_due,
)

M = Decimal


def _lines(entry: JournalEntry) -> list[tuple[str, Decimal, Decimal]]:
    return [(line.account.number, line.debit, line.credit) for line in entry.lines.all()]


def test_an_invoice_is_booked_in_sales_per_vat_rate(in_alpha: Cae, person: User) -> None:
    invoice = issued_invoice(person)

    entry = JournalEntry.objects.get()

    assert (entry.journal, entry.number, entry.date) == ("VE", "VE2026-000001", D(2026, 3, 2))
    assert (entry.piece_reference, entry.piece_date) == (invoice.number, D(2026, 3, 2))
    assert (entry.source_kind, entry.source_id) == ("invoice", str(invoice.pk))
    assert _lines(entry) == [
        ("411", M("68.83"), M("0.00")),
        ("706", M("0.00"), M("12.35")),
        ("44571", M("0.00"), M("0.68")),
        ("706", M("0.00"), M("46.50")),
        ("44571", M("0.00"), M("9.30")),
    ]
    client_line = entry.lines.get(account__number="411")
    assert client_line.auxiliary_number == f"C{invoice.client_id:06d}"
    assert client_line.auxiliary_label == "Boulangerie Le Fournil"
    assert {line.cohort_id for line in entry.lines.all()} == {invoice.cohort_id}
    assert entry.cohort_id == invoice.cohort_id
    assert client_balance(invoice) == still_due(invoice) == M("68.83")
    assert_balanced()


def test_every_flow_keeps_the_ledger_balanced_and_411_equal_to_what_is_due(
    in_alpha: Cae, person: User
) -> None:
    invoice = issued_invoice(person)

    # Partial payment by transfer: 512.
    payment = payment_record(
        invoice=invoice,
        amount=M("20"),
        received_on=D(2026, 3, 10),
        method=PaymentMethod.TRANSFER,
        by=person,
    )
    ledger_post_payment(payment=payment)
    assert client_balance(invoice) == still_due(invoice) == M("48.83")
    assert_balanced()

    # The rest by card, online: the provider's account 517.
    payment = payment_record(
        invoice=invoice,
        amount=M("48.83"),
        received_on=D(2026, 3, 12),
        method=PaymentMethod.CARD,
        reference="pi_123",
        by=person,
    )
    ledger_post_payment(payment=payment)
    assert client_balance(invoice) == still_due(invoice) == M("0.00")
    assert_balanced()

    # The provider's fee on that payment.
    ledger_post_fee(
        amount=M("0.98"),
        on=D(2026, 3, 12),
        reference="txn_123",
        cohort=invoice.cohort,
        source_id="txn_123",
    )
    assert_balanced()

    # A credit note for the 5.5 % line: the CAE now owes 13.03 back…
    note = credit_note_issue(
        invoice=invoice,
        by=person,
        reason="Flyers non livrés",
        issued_on=D(2026, 3, 20),
        lines=[CreditLine("Prestation 2", M("1"), "hour", M("12.35"), M("5.5"))],
    )
    ledger_post_credit_note(credit_note=note)
    assert client_balance(invoice) == still_due(invoice) == M("-13.03")
    assert_balanced()

    # …and refunds it through the provider.
    ledger_post_refund(
        invoice=invoice, amount=M("13.03"), on=D(2026, 3, 21), reference="re_1", source_id="re_1"
    )
    assert client_balance(invoice) == still_due(invoice) + M("13.03") == M("0.00")
    assert_balanced()

    by_account = {
        number: (debit, credit)
        for number, debit, credit in (
            (account.number, *_sides(account)) for account in Account.objects.all()
        )
    }
    assert by_account["512"] == (M("20.00"), M("0.00"))
    assert by_account["517"] == (M("48.83"), M("14.01"))  # refund 13.03 + fee 0.98
    assert by_account["627"] == (M("0.98"), M("0.00"))
    assert by_account["706"] == (M("12.35"), M("58.85"))
    assert by_account["44571"] == (M("0.68"), M("9.98"))
    assert list(JournalEntry.objects.values_list("number", flat=True)) == [
        "VE2026-000001",
        "BQ2026-000001",
        "BQ2026-000002",
        "BQ2026-000003",
        "VE2026-000002",
        "BQ2026-000004",
    ]


def _sides(account: Account) -> tuple[Decimal, Decimal]:
    lines = list(EntryLine.objects.filter(account=account))
    return (
        sum((line.debit for line in lines), M("0.00")),
        sum((line.credit for line in lines), M("0.00")),
    )


@pytest.mark.parametrize(
    ("method", "account"),
    [
        (PaymentMethod.TRANSFER, "512"),
        (PaymentMethod.CHEQUE, "5112"),
        (PaymentMethod.CASH, "530"),
        (PaymentMethod.CARD, "517"),
    ],
)
def test_a_payment_lands_on_the_account_of_its_method(
    in_alpha: Cae, person: User, method: str, account: str
) -> None:
    invoice = issued_invoice(person)
    payment = payment_record(
        invoice=invoice, amount=M("10"), received_on=D(2026, 3, 5), method=method, by=person
    )

    entry = ledger_post_payment(payment=payment)

    assert entry is not None
    assert _lines(entry) == [(account, M("10.00"), M("0.00")), ("411", M("0.00"), M("10.00"))]
    assert {line.cohort_id for line in entry.lines.all()} == {invoice.cohort_id}


def test_a_whole_credit_note_reverses_the_invoice(in_alpha: Cae, person: User) -> None:
    invoice = issued_invoice(person)
    note = credit_note_issue(
        invoice=invoice, by=person, reason="Annulation", issued_on=D(2026, 3, 3)
    )

    entry = ledger_post_credit_note(credit_note=note)

    assert entry is not None
    assert (entry.journal, entry.piece_reference) == ("VE", note.number)
    assert _lines(entry) == [
        ("706", M("12.35"), M("0.00")),
        ("44571", M("0.68"), M("0.00")),
        ("706", M("46.50"), M("0.00")),
        ("44571", M("9.30"), M("0.00")),
        ("411", M("0.00"), M("68.83")),
    ]
    assert client_balance(invoice) == still_due(invoice) == M("0.00")
    assert_balanced()


def test_posting_the_same_source_twice_gives_one_entry(in_alpha: Cae, person: User) -> None:
    invoice = issued_invoice(person)  # posted once already
    payment = payment_record(
        invoice=invoice, amount=M("5"), received_on=D(2026, 3, 5), method="cash", by=person
    )

    again = ledger_post_invoice(invoice=invoice)
    first_payment = ledger_post_payment(payment=payment)
    second_payment = ledger_post_payment(payment=payment)
    fees = [
        ledger_post_fee(amount=M("1"), on=D(2026, 3, 5), reference="f", cohort=None, source_id="f")
        for _ in range(2)
    ]

    assert again == JournalEntry.objects.get(source_kind="invoice")
    assert first_payment == second_payment
    assert fees[0] == fees[1]
    assert JournalEntry.objects.count() == 3
    assert EntryLine.objects.count() == 5 + 2 + 2
    assert list(JournalEntry.objects.values_list("number", flat=True)) == [
        "VE2026-000001",
        "BQ2026-000001",
        "BQ2026-000002",
    ]


def test_numbers_restart_each_year_per_journal(in_alpha: Cae, person: User) -> None:
    issued_invoice(person, issued_on=D(2025, 12, 30))
    issued_invoice(person, issued_on=D(2026, 1, 2))
    issued_invoice(person, issued_on=D(2026, 1, 3))

    assert list(JournalEntry.objects.values_list("number", flat=True)) == [
        "VE2025-000001",
        "VE2026-000001",
        "VE2026-000002",
    ]


# --- What the database refuses on its own ------------------------------------------------


def _raw(sql: str, params: list[str | int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _raw_entry(source_id: str, posted_days_ago: int = 0) -> int:
    ledger_chart_ensure()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (journal, number, date, label, piece_reference, "
            "piece_date, source_kind, source_id, posted_at) VALUES ('OD', %s, '2026-03-01', "
            "'Saisie directe', 'X', '2026-03-01', 'fee', %s, "
            "transaction_timestamp() - make_interval(days => %s)) RETURNING id",
            [f"OD-{source_id}", source_id, posted_days_ago],
        )
        (entry_id,) = cursor.fetchone()
    return int(entry_id)


def _raw_line(entry_id: int, account: str, debit: str, credit: str) -> None:
    _raw(
        "INSERT INTO ledger_entryline (entry_id, account_id, label, debit, credit, "
        "auxiliary_number, auxiliary_label) SELECT %s, id, 'Saisie', %s, %s, '', '' "
        "FROM ledger_account WHERE number = %s",
        [entry_id, debit, credit, account],
    )


def _committed(source_id: str, *lines: tuple[str, str, str]) -> None:
    """Post an entry by raw SQL and run the COMMIT checks, in a savepoint."""
    with transaction.atomic():
        entry_id = _raw_entry(source_id)
        for account, debit, credit in lines:
            _raw_line(entry_id, account, debit, credit)
        check_deferred_constraints()  # what COMMIT does


def test_the_database_refuses_an_entry_of_one_line_at_commit(in_alpha: Cae) -> None:
    with pytest.raises(IntegrityError, match="at least two lines"):
        _committed("one-line", ("512", "10.00", "0"))

    assert not JournalEntry.objects.exists()
    assert not EntryLine.objects.exists()


def test_the_database_refuses_unbalanced_lines_at_commit(in_alpha: Cae) -> None:
    with pytest.raises(IntegrityError, match="equal debits and credits"):
        _committed("unbalanced", ("512", "10.00", "0"), ("411", "0", "9.99"))

    assert not JournalEntry.objects.exists()


def test_the_database_refuses_an_entry_without_lines_at_commit(in_alpha: Cae) -> None:
    with pytest.raises(IntegrityError, match="at least two lines"):
        _committed("empty")

    assert not JournalEntry.objects.exists()


def test_a_balanced_raw_entry_passes_the_commit_check(in_alpha: Cae) -> None:
    entry_id = _raw_entry("balanced")
    _raw_line(entry_id, "627", "1.00", "0")
    _raw_line(entry_id, "517", "0", "1.00")

    check_deferred_constraints()

    assert JournalEntry.objects.get().lines.count() == 2


def test_a_line_has_exactly_one_positive_side(in_alpha: Cae) -> None:
    entry_id = _raw_entry("sides")
    for debit, credit in (("1.00", "1.00"), ("0", "0"), ("-1.00", "0")):
        with pytest.raises(IntegrityError, match="one_positive_side"), transaction.atomic():
            _raw_line(entry_id, "512", debit, credit)

    assert not EntryLine.objects.exists()
    _raw_line(entry_id, "512", "1.00", "0")  # leave a balanced entry for the COMMIT check
    _raw_line(entry_id, "411", "0", "1.00")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entryline SET debit = debit + 1 WHERE debit > 0",
        "UPDATE ledger_entryline SET label = 'corrigé'",
        "DELETE FROM ledger_entryline",
        "UPDATE ledger_journalentry SET date = '2026-01-01'",
        "DELETE FROM ledger_journalentry",
    ],
)
def test_posted_entries_and_lines_never_change(in_alpha: Cae, person: User, sql: str) -> None:
    invoice = issued_invoice(person)
    before = _lines(JournalEntry.objects.get())

    with pytest.raises(DatabaseError), transaction.atomic():
        _raw(sql, [])

    entry = JournalEntry.objects.get()
    assert (entry.date, _lines(entry)) == (invoice.issued_on, before)


def test_a_posted_entry_takes_no_new_lines(in_alpha: Cae) -> None:
    with transaction.atomic():  # rolled back below: an entry without lines never commits
        entry_id = _raw_entry("earlier", posted_days_ago=1)

        with pytest.raises(IntegrityError, match="takes no new lines"), transaction.atomic():
            _raw_line(entry_id, "627", "1.00", "0")

        assert not EntryLine.objects.exists()
        transaction.set_rollback(True)
