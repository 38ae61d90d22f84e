"""The ledger API and pages by role: the FEC for CAE admins and staff only; a cohort's P&L and
unpaid invoices for CAE staff and the cohort's own people; others get 403/404, never a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from tenants.billing.services import payment_record
from tenants.ledger.services import ledger_post_payment
from tests.conftest import World
from tests.tenants.ledger.helpers import D, issued_invoice

ROLES_OF_THE_BOOKS = [
    ("cae_admin", 200),
    ("staff", 200),
    ("animateur", 403),
    ("coop_member", 403),
    ("coordinator", 403),
    ("other_cae_staff", 403),
    ("anonymous", 403),
]
ROLES_OF_THE_COHORT = [
    ("cae_admin", 200),
    ("staff", 200),
    ("animateur", 200),
    ("coop_member", 200),
    ("other_animateur", 404),
    ("other_member", 404),
    ("coordinator", 403),
    ("other_cae_staff", 403),
    ("anonymous", 403),
]


def _books(world: World) -> int:
    staff = world.personas["staff"]
    assert staff is not None
    with tenant_context(world.cae):
        invoice = issued_invoice(staff, cohort=world.cohort, issued_on=D(2026, 3, 2))
        payment_record(
            invoice=invoice,
            amount=Decimal("8.83"),
            received_on=D(2026, 3, 10),
            method="transfer",
            by=staff,
        )
        ledger_post_payment(payment=invoice.payments.get())
        return invoice.pk


@pytest.mark.parametrize(("persona", "status"), ROLES_OF_THE_BOOKS)
def test_the_fec_by_role(world: World, persona: str, status: int) -> None:
    _books(world)

    response = world.client(persona).get("/api/v1/ledger/fec/?year_end=2026-12-31")

    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"] == (
            f'attachment; filename="{world.cae.siren}FEC20261231.txt"'
        )
        lines = response.content.decode("iso-8859-15").split("\r\n")
        assert lines[0].startswith("JournalCode\tJournalLib\tEcritureNum")
        assert len(lines) == 1 + 5 + 2 + 1


@pytest.mark.parametrize(
    "query", ["", "?year_end=31/12/2026", "?year_end=2026-12-31&year_start=2027-01-01"]
)
def test_a_bad_fec_request_is_a_400(world: World, query: str) -> None:
    assert world.client("staff").get(f"/api/v1/ledger/fec/{query}").status_code == 400


@pytest.mark.parametrize(("persona", "status"), ROLES_OF_THE_COHORT)
def test_the_cohort_pnl_by_role(world: World, persona: str, status: int) -> None:
    _books(world)

    response = world.client(persona).get(
        f"/api/v1/cohorts/{world.cohort.pk}/pnl/?start=2026-01-01&end=2026-12-31"
    )

    assert response.status_code == status
    if status == 200:
        assert response.json() == {
            "start": "2026-01-01",
            "end": "2026-12-31",
            "sales": "58.85",
            "credit_notes": "0.00",
            "revenue": "58.85",
            "purchases": "0.00",
            "fees": "0.00",
            "contribution_rate": "10.00",
            "contribution": "5.89",  # 10 % (the default rate) of 58.85, rounded half up
            "result": "52.96",
            "cash_in": "8.83",
            "cash_out": "0.00",
            "cash_net": "8.83",
        }


def test_a_period_ending_before_it_starts_is_a_400(world: World) -> None:
    response = world.client("staff").get(
        f"/api/v1/cohorts/{world.cohort.pk}/pnl/?start=2026-12-31&end=2026-01-01"
    )

    assert response.status_code == 400
    assert "start" in response.json()


@pytest.mark.parametrize(("persona", "status"), ROLES_OF_THE_COHORT)
def test_the_cohort_unpaid_invoices_by_role(world: World, persona: str, status: int) -> None:
    invoice_id = _books(world)

    response = world.client(persona).get(f"/api/v1/cohorts/{world.cohort.pk}/unpaid/")

    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["total"] == "60.00"
        assert [row["id"] for row in body["invoices"]] == [invoice_id]
        row = body["invoices"][0]
        assert (row["outstanding"], row["total_incl_vat"]) == ("60.00", "68.83")
        assert row["ageing"] == "overdue_over_90"  # due 1 April 2026
        assert [bucket["ageing"] for bucket in body["by_ageing"]] == [
            "not_due",
            "overdue_0_30",
            "overdue_31_60",
            "overdue_61_90",
            "overdue_over_90",
        ]


# --- Pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("cae_admin", 200), ("staff", 200), ("animateur", 403), ("coop_member", 403)],
)
def test_the_accounting_page_by_role(world: World, persona: str, status: int) -> None:
    _books(world)

    response = world.client(persona).get("/comptabilite/")

    assert response.status_code == status
    if status == 200:
        assert "Télécharger le FEC" in response.content.decode()


def test_the_accounting_page_downloads_the_fec(world: World) -> None:
    _books(world)

    response = world.client("staff").get("/comptabilite/?year_end=2026-12-31&year_start=")

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'{world.cae.siren}FEC20261231.txt"')


def test_the_accounting_page_shows_form_errors(world: World) -> None:
    response = world.client("staff").get("/comptabilite/?year_end=2026-12-31&year_start=2027-01-01")

    assert response.status_code == 400
    assert "commence après sa clôture" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(world: World) -> None:
    response = world.client("anonymous").get("/comptabilite/")

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("animateur", 200), ("coop_member", 200), ("other_member", 404)],
)
def test_the_cohort_result_page_by_role(world: World, persona: str, status: int) -> None:
    _books(world)

    response = world.client(persona).get(
        f"/cooperatives/{world.cohort.pk}/resultat/?start=2026-01-01&end=2026-12-31"
    )

    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Résultat de la coopérative" in page
        assert "58,85" in page  # revenue
        assert "60,00" in page  # unpaid
