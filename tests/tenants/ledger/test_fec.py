"""The FEC export: the 18 legal columns in order, tab-separated, legal file name, dates and
amounts in the legal format, each entry's lines together, and debits equal to credits."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.billing.models import PaymentMethod
from tenants.billing.services import payment_record
from tenants.ledger.fec import COLUMNS, fec_export, fiscal_year_start_of
from tenants.ledger.services import ledger_post_fee, ledger_post_payment
from tests.tenants.ledger.helpers import D, issued_invoice

LEGAL_COLUMNS = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
]


def _parse(content: bytes) -> list[dict[str, str]]:
    text = content.decode("iso-8859-15")
    return list(
        csv.DictReader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    )


def _amount(text: str) -> Decimal:
    assert "." not in text, text
    assert " " not in text, text
    return Decimal(text.replace(",", "."))


@pytest.fixture
def books(in_alpha: Cae, person: User) -> None:
    invoice = issued_invoice(person, issued_on=D(2026, 3, 2))
    payment = payment_record(
        invoice=invoice,
        amount=Decimal("68.83"),
        received_on=D(2026, 3, 9),
        method=PaymentMethod.CARD,
        reference="pi_1",
        by=person,
    )
    ledger_post_payment(payment=payment)
    ledger_post_fee(
        amount=Decimal("1.21"),
        on=D(2026, 3, 9),
        reference="txn_1",
        cohort=invoice.cohort,
        source_id="txn_1",
    )
    issued_invoice(person, issued_on=D(2025, 12, 20))  # the previous fiscal year


def test_the_file_is_named_after_the_siren_and_the_closing_date(in_alpha: Cae, books: None) -> None:
    fec = fec_export(fiscal_year_end=D(2026, 12, 31))

    assert fec.filename == f"{in_alpha.siren}FEC20261231.txt"


def test_the_header_has_the_18_legal_columns_in_order(in_alpha: Cae, books: None) -> None:
    fec = fec_export(fiscal_year_end=D(2026, 12, 31))

    header = fec.content.decode("iso-8859-15").split("\r\n")[0]
    assert header.split("\t") == LEGAL_COLUMNS == list(COLUMNS)


def test_every_line_has_18_fields_in_the_legal_formats(in_alpha: Cae, books: None) -> None:
    fec = fec_export(fiscal_year_end=D(2026, 12, 31))

    lines = fec.content.decode("iso-8859-15").split("\r\n")
    assert lines[-1] == ""  # each line ends with CRLF
    assert len(lines[1:-1]) == 5 + 2 + 2  # invoice, payment, fee of 2026 only
    for line in lines[1:-1]:
        fields = line.split("\t")
        assert len(fields) == 18, line
        record = dict(zip(LEGAL_COLUMNS, fields, strict=True))
        for column in ("EcritureDate", "PieceDate", "ValidDate"):
            assert len(record[column]) == 8, record
            assert record[column].isdigit(), record
        assert record["EcritureDate"].startswith("2026")
        assert (_amount(record["Debit"]) > 0) != (_amount(record["Credit"]) > 0)
        assert record["Montantdevise"] == record["Idevise"] == ""


def test_parsed_back_the_entries_balance_and_their_lines_are_together(
    in_alpha: Cae, books: None
) -> None:
    records = _parse(fec_export(fiscal_year_end=D(2026, 12, 31)).content)

    assert sum(_amount(r["Debit"]) for r in records) == sum(_amount(r["Credit"]) for r in records)
    numbers = [r["EcritureNum"] for r in records]
    assert numbers == ["VE2026-000001"] * 5 + ["BQ2026-000001"] * 2 + ["BQ2026-000002"] * 2
    for number in set(numbers):
        lines = [r for r in records if r["EcritureNum"] == number]
        assert sum(_amount(r["Debit"]) for r in lines) == sum(_amount(r["Credit"]) for r in lines)
    dates = [r["EcritureDate"] for r in records]
    assert dates == sorted(dates)
    sale = records[0]
    assert (sale["JournalCode"], sale["JournalLib"], sale["CompteNum"]) == ("VE", "Ventes", "411")
    assert sale["CompteLib"] == "Clients"
    assert sale["CompAuxNum"].startswith("C")
    assert sale["CompAuxLib"] == "Boulangerie Le Fournil"
    assert (sale["PieceRef"], sale["PieceDate"], sale["Debit"]) == (
        "F2026-00001",
        "20260302",
        "68,83",
    )
    fee = records[-2]
    assert (fee["CompteNum"], fee["Debit"], fee["Credit"]) == ("627", "1,21", "0,00")


def test_a_shorter_first_year_and_an_empty_year(in_alpha: Cae, books: None) -> None:
    first = _parse(
        fec_export(fiscal_year_start=D(2025, 6, 1), fiscal_year_end=D(2025, 12, 31)).content
    )
    empty = fec_export(fiscal_year_end=D(2024, 12, 31))

    assert [r["EcritureNum"] for r in first] == ["VE2025-000001"] * 5
    assert empty.content == ("\t".join(LEGAL_COLUMNS) + "\r\n").encode()


def test_labels_lose_tabs_and_line_breaks_and_fit_latin_9(in_alpha: Cae, person: User) -> None:
    ledger_post_fee(
        amount=Decimal("1"),
        on=D(2026, 1, 5),
        reference="a\tb\nc|d — œ € ś",
        cohort=None,
        source_id="x",
    )

    records = _parse(fec_export(fiscal_year_end=D(2026, 12, 31)).content)

    assert records[0]["PieceRef"] == "a b c d ? œ € s"


def test_fiscal_years() -> None:
    assert fiscal_year_start_of(D(2026, 12, 31)) == D(2026, 1, 1)
    assert fiscal_year_start_of(D(2026, 6, 30)) == D(2025, 7, 1)
    assert fiscal_year_start_of(D(2028, 2, 29)) == D(2027, 3, 1)


def test_a_year_starting_after_its_end_is_refused(in_alpha: Cae) -> None:
    with pytest.raises(ApplicationError):
        fec_export(fiscal_year_start=D(2027, 1, 1), fiscal_year_end=D(2026, 12, 31))
