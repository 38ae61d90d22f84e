"""Cohort purchases: requested with a receipt, approved or refused by the CAE, paid and booked
(balanced, idempotent, on the cohort's analytic axis); every refusal leaves nothing behind. And
the cohort's P&L with its purchases and the CAE's contribution."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.cohorts.services import cohort_update
from tenants.ledger.models import JournalEntry, Purchase, PurchaseStatus, SourceKind
from tenants.ledger.selectors import cohort_profit_and_loss
from tenants.ledger.services import (
    ledger_post_fee,
    ledger_post_purchase,
    purchase_approve,
    purchase_pay,
    purchase_refuse,
    purchase_request,
)
from tests.tenants.ledger.helpers import D, assert_balanced, issued_invoice
from tests.tenants.people.factories import JPEG_BYTES, PDF_BYTES, CohortFactory

M = Decimal


def receipt(name: str = "ticket.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def requested(person: User, cohort: Cohort, **overrides: Any) -> Purchase:
    """A request for 36.00 TTC of materials, 6.00 of it VAT, unless told otherwise."""
    fields: dict[str, Any] = {
        "description": "Peinture pour les volets",
        "supplier": "Brico Vannes",
        "category": "materials",
        "amount_incl_vat": M("36.00"),
        "vat_amount": M("6.00"),
        "receipt": receipt(),
        **overrides,
    }
    return purchase_request(cohort=cohort, by=person, **fields)


def paid(person: User, cohort: Cohort, *, method: str = "transfer", **overrides: Any) -> Purchase:
    purchase = purchase_approve(purchase=requested(person, cohort, **overrides), by=person)
    return purchase_pay(purchase=purchase, by=person, paid_on=D(2026, 3, 10), method=method)


def _stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def _lines(entry: JournalEntry) -> list[tuple[str, Decimal, Decimal, int | None]]:
    return [
        (line.account.number, line.debit, line.credit, line.cohort_id)
        for line in entry.lines.select_related("account")
    ]


# --- The workflow -----------------------------------------------------------------------------


def test_a_purchase_is_requested_approved_paid_and_booked(in_alpha: Cae, person: User) -> None:
    cohort = CohortFactory.create()

    purchase = requested(person, cohort, receipt=receipt("Facture Camille Dupont.pdf"))
    assert (purchase.status, purchase.requested_by_id) == (PurchaseStatus.REQUESTED, person.pk)
    # Under the CAE's own media folder, with a random name keeping the real content's type.
    stored = Path(purchase.receipt.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / in_alpha.schema_name / "achats")
    assert stored.suffix == ".pdf"
    assert "Camille" not in stored.name
    assert JournalEntry.objects.count() == 0  # nothing booked before the payment

    purchase = purchase_approve(purchase=purchase, by=person)
    assert (purchase.status, purchase.decided_by_id) == (PurchaseStatus.APPROVED, person.pk)
    assert purchase.decided_at is not None

    purchase = purchase_pay(purchase=purchase, by=person, paid_on=D(2026, 3, 10), method="transfer")

    purchase.refresh_from_db()
    assert (purchase.status, purchase.paid_on, purchase.payment_method) == (
        PurchaseStatus.PAID,
        D(2026, 3, 10),
        "transfer",
    )
    entry = JournalEntry.objects.get(source_kind=SourceKind.PURCHASE, source_id=str(purchase.pk))
    assert (entry.journal, entry.date, entry.cohort_id) == ("BQ", D(2026, 3, 10), cohort.pk)
    assert entry.piece_reference == f"ACH-{purchase.pk:06d}"
    assert _lines(entry) == [
        ("6068", M("30.00"), M("0.00"), cohort.pk),
        ("44566", M("6.00"), M("0.00"), cohort.pk),
        ("512", M("0.00"), M("36.00"), cohort.pk),
    ]
    assert_balanced()


@pytest.mark.parametrize(
    ("category", "method", "expense", "treasury"),
    [
        ("materials", "cash", "6068", "530"),
        ("travel", "card", "6251", "512"),  # the CAE's bank card: the bank account, not 517
        ("other", "transfer", "628", "512"),
    ],
)
def test_each_category_and_method_has_its_account(
    in_alpha: Cae, person: User, category: str, method: str, expense: str, treasury: str
) -> None:
    cohort = CohortFactory.create()

    purchase = paid(person, cohort, method=method, category=category, vat_amount=M("0"))

    entry = JournalEntry.objects.get(source_kind=SourceKind.PURCHASE, source_id=str(purchase.pk))
    # No VAT on the receipt: no 44566 line.
    assert _lines(entry) == [
        (expense, M("36.00"), M("0.00"), cohort.pk),
        (treasury, M("0.00"), M("36.00"), cohort.pk),
    ]
    assert_balanced()


def test_booking_a_purchase_twice_gives_one_entry(in_alpha: Cae, person: User) -> None:
    purchase = paid(person, CohortFactory.create())
    first = JournalEntry.objects.get(source_kind=SourceKind.PURCHASE)

    again = ledger_post_purchase(purchase=purchase)

    assert again == first
    assert JournalEntry.objects.filter(source_kind=SourceKind.PURCHASE).count() == 1
    assert_balanced()


def test_an_unpaid_purchase_is_not_booked(in_alpha: Cae, person: User) -> None:
    purchase = purchase_approve(purchase=requested(person, CohortFactory.create()), by=person)

    with pytest.raises(ApplicationError):
        ledger_post_purchase(purchase=purchase)

    assert JournalEntry.objects.count() == 0


def test_a_refused_purchase_keeps_its_reason(in_alpha: Cae, person: User) -> None:
    purchase = requested(person, CohortFactory.create())

    purchase = purchase_refuse(purchase=purchase, by=person, reason="  Hors budget  ")

    purchase.refresh_from_db()
    assert (purchase.status, purchase.refusal_reason) == (PurchaseStatus.REFUSED, "Hors budget")
    assert JournalEntry.objects.count() == 0


# --- Refusals: nothing is saved ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_incl_vat": M("0")}, "amount_incl_vat"),
        ({"amount_incl_vat": M("-12.00"), "vat_amount": M("0")}, "amount_incl_vat"),
        ({"vat_amount": M("36.01")}, "vat_amount"),
        ({"vat_amount": M("-1.00")}, "vat_amount"),
        ({"receipt": None}, "receipt"),
        ({"receipt": receipt("ticket.pdf", b"")}, "receipt"),
        # A text file renamed .pdf: the content decides, not the name.
        ({"receipt": receipt("ticket.pdf", b"Je suis un ticket, promis.")}, "receipt"),
        ({"receipt": receipt("ticket.jpg", JPEG_BYTES + b"\x00" * (5 * 1024 * 1024))}, "receipt"),
        ({"category": "food"}, "category"),
        ({"supplier": ""}, "supplier"),
    ],
)
def test_a_bad_request_is_refused_and_nothing_is_saved(
    in_alpha: Cae, person: User, overrides: dict[str, Any], field: str
) -> None:
    cohort = CohortFactory.create()

    with pytest.raises(ApplicationError) as refusal:
        requested(person, cohort, **overrides)

    assert field in refusal.value.details
    assert Purchase.objects.count() == 0
    assert _stored_files() == []


@pytest.mark.parametrize("second", ["approve", "refuse"])
@pytest.mark.parametrize("first", ["approve", "refuse"])
def test_a_purchase_is_decided_once(in_alpha: Cae, person: User, first: str, second: str) -> None:
    decide = {
        "approve": lambda purchase: purchase_approve(purchase=purchase, by=person),
        "refuse": lambda purchase: purchase_refuse(purchase=purchase, by=person, reason="Non"),
    }
    purchase = decide[first](requested(person, CohortFactory.create()))
    before = Purchase.objects.values().get(pk=purchase.pk)

    with pytest.raises(ApplicationError, match="déjà été traité"):
        decide[second](purchase)

    assert Purchase.objects.values().get(pk=purchase.pk) == before


def test_a_refusal_needs_a_reason(in_alpha: Cae, person: User) -> None:
    purchase = requested(person, CohortFactory.create())

    with pytest.raises(ApplicationError) as refusal:
        purchase_refuse(purchase=purchase, by=person, reason="   ")

    assert "reason" in refusal.value.details
    assert Purchase.objects.get().status == PurchaseStatus.REQUESTED


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("refused", "refusé n'est pas payé"),
        ("requested", "accepté par la CAE avant"),
        ("paid", "déjà payé"),
    ],
)
def test_only_an_approved_purchase_is_paid(
    in_alpha: Cae, person: User, state: str, message: str
) -> None:
    cohort = CohortFactory.create()
    if state == "paid":
        purchase = paid(person, cohort)
    else:
        purchase = requested(person, cohort)
        if state == "refused":
            purchase = purchase_refuse(purchase=purchase, by=person, reason="Hors budget")
    before = Purchase.objects.values().get(pk=purchase.pk)
    entries = JournalEntry.objects.count()

    with pytest.raises(ApplicationError, match=message):
        purchase_pay(purchase=purchase, by=person, paid_on=D(2026, 3, 11), method="cash")

    assert Purchase.objects.values().get(pk=purchase.pk) == before
    assert JournalEntry.objects.count() == entries


def test_a_payment_in_the_future_is_refused(in_alpha: Cae, person: User) -> None:
    purchase = purchase_approve(purchase=requested(person, CohortFactory.create()), by=person)

    with pytest.raises(ApplicationError) as refusal:
        purchase_pay(purchase=purchase, by=person, paid_on=D(2999, 1, 1), method="cash")

    assert "paid_on" in refusal.value.details
    assert Purchase.objects.get().status == PurchaseStatus.APPROVED
    assert JournalEntry.objects.count() == 0


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_purchase SET amount_incl_vat = 1 WHERE id = %s",
        "DELETE FROM ledger_purchase WHERE id = %s",
    ],
)
def test_the_database_keeps_a_paid_purchase_as_it_is(in_alpha: Cae, person: User, sql: str) -> None:
    purchase = paid(person, CohortFactory.create())

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [purchase.pk])

    assert Purchase.objects.get().amount_incl_vat == M("36.00")


# --- The cohort's P&L -------------------------------------------------------------------------


def _selects(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]


def test_the_pnl_counts_purchases_and_the_cae_contribution(in_alpha: Cae, person: User) -> None:
    cohort, other = CohortFactory.create(), CohortFactory.create(name="CJS d'Auray")
    issued_invoice(person, cohort=cohort)  # 58.85 HT
    paid(person, cohort)  # 30.00 HT + 6.00 VAT, paid by transfer
    paid(person, other)  # another cohort's
    requested(person, cohort, amount_incl_vat=M("500.00"), vat_amount=M("0"))  # not paid yet
    ledger_post_fee(amount=M("1.21"), on=D(2026, 3, 5), reference="t", cohort=cohort, source_id="t")

    with CaptureQueriesContext(connection) as queries:
        pnl = cohort_profit_and_loss(cohort_id=cohort.pk, start=D(2026, 1, 1), end=D(2026, 12, 31))

    assert len(_selects(queries)) == 1
    assert (pnl.revenue, pnl.purchases, pnl.fees) == (M("58.85"), M("30.00"), M("1.21"))
    # 10 % (the default) of 58.85 = 5.885, rounded half up to 5.89.
    assert (pnl.contribution_rate, pnl.contribution) == (M("10.00"), M("5.89"))
    # 58.85 - 30.00 - 1.21 - 5.89
    assert pnl.result == M("21.75")
    assert (pnl.cash_in, pnl.cash_out) == (M("0.00"), M("37.21"))  # 36.00 paid + 1.21 fee

    cohort_update(cohort=cohort, cae_contribution_rate=M("12.50"))
    pnl = cohort_profit_and_loss(cohort_id=cohort.pk, start=D(2026, 1, 1), end=D(2026, 12, 31))

    assert (pnl.contribution, pnl.result) == (M("7.36"), M("20.28"))  # 7.35625 → 7.36


def test_the_pnl_of_a_period_without_lines_still_knows_the_rate(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(cae_contribution_rate=M("7.50"))

    pnl = cohort_profit_and_loss(cohort_id=cohort.pk, start=D(2026, 1, 1), end=D(2026, 12, 31))

    assert (pnl.contribution_rate, pnl.revenue, pnl.contribution, pnl.result) == (
        M("7.50"),
        M("0.00"),
        M("0.00"),
        M("0.00"),
    )


def test_the_contribution_rate_is_a_percentage(in_alpha: Cae) -> None:
    cohort = CohortFactory.create()

    with pytest.raises(ApplicationError):
        cohort_update(cohort=cohort, cae_contribution_rate=M("100.01"))

    cohort.refresh_from_db()
    assert cohort.cae_contribution_rate == M("10.00")
