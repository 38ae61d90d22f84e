"""Purchases through the API and the pages, by role: the cohort's people request and see them,
CAE staff decide and pay; another cohort's people get 404, even for a receipt; a fake receipt
is refused. And the CAE's contribution rate, set by CAE staff only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from tenants.cohorts.models import Cohort
from tenants.ledger.models import JournalEntry, Purchase, PurchaseStatus, SourceKind
from tenants.ledger.services import purchase_approve, purchase_request
from tests.conftest import World
from tests.tenants.people.factories import PDF_BYTES

M = Decimal

ROLES_OF_THE_COHORT = [
    ("cae_admin", 201),
    ("staff", 201),
    ("animateur", 201),
    ("coop_member", 201),
    ("other_animateur", 404),
    ("other_member", 404),
    ("coordinator", 403),
    ("other_cae_staff", 403),
    ("anonymous", 403),
]
ROLES_OF_THE_DECISION = [
    ("cae_admin", 200),
    ("staff", 200),
    ("animateur", 403),
    ("coop_member", 403),
    ("other_member", 403),
    ("coordinator", 403),
    ("other_cae_staff", 403),
    ("anonymous", 403),
]


def _receipt(content: bytes = PDF_BYTES, name: str = "ticket.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _form(**overrides: object) -> dict[str, object]:
    return {
        "description": "Gants de jardinage",
        "supplier": "Jardinerie du Golfe",
        "category": "materials",
        "amount_incl_vat": "24.00",
        "vat_amount": "4.00",
        "receipt": _receipt(),
        **overrides,
    }


def _purchase(world: World, *, approved: bool = False) -> int:
    member = world.personas["coop_member"]
    staff = world.personas["staff"]
    with tenant_context(world.cae):
        purchase = purchase_request(
            cohort=world.cohort,
            by=member,
            description="Gants de jardinage",
            supplier="Jardinerie du Golfe",
            category="materials",
            amount_incl_vat=M("24.00"),
            vat_amount=M("4.00"),
            receipt=_receipt(),
        )
        if approved:
            purchase_approve(purchase=purchase, by=staff)
        return purchase.pk


def _count() -> int:
    return Purchase.objects.count()


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), ROLES_OF_THE_COHORT)
def test_requesting_a_purchase_by_role(world: World, persona: str, status: int) -> None:
    response = world.client(persona).post(f"/api/v1/cohorts/{world.cohort.pk}/purchases/", _form())

    assert response.status_code == status
    with tenant_context(world.cae):
        assert _count() == (1 if status == 201 else 0)
    if status == 201:
        body = response.json()
        assert (body["status"], body["cohort"], body["amount_excl_vat"]) == (
            "requested",
            world.cohort.pk,
            "20.00",
        )
        assert body["receipt_url"] == f"/api/v1/purchases/{body['id']}/receipt/"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"receipt": _receipt(b"Un ticket en texte, renomme en .pdf")}, "receipt"),
        ({"receipt": None}, "receipt"),  # None: no receipt sent at all
        ({"amount_incl_vat": "0"}, "amount_incl_vat"),
        ({"vat_amount": "30.00"}, "vat_amount"),
    ],
)
def test_a_bad_request_is_a_400_and_saves_nothing(
    world: World, overrides: dict[str, object], field: str
) -> None:
    form = {key: value for key, value in _form(**overrides).items() if value is not None}

    response = world.client("coop_member").post(
        f"/api/v1/cohorts/{world.cohort.pk}/purchases/", form
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]
    with tenant_context(world.cae):
        assert _count() == 0


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coop_member", 200), ("staff", 200), ("other_member", 404), ("other_cae_staff", 403)],
)
def test_the_purchases_of_a_cohort_by_role(world: World, persona: str, status: int) -> None:
    purchase_id = _purchase(world)
    client = world.client(persona)

    listing = client.get(f"/api/v1/cohorts/{world.cohort.pk}/purchases/")
    detail = client.get(f"/api/v1/purchases/{purchase_id}/")

    assert (listing.status_code, detail.status_code) == (status, status)
    if status == 200:
        assert [row["id"] for row in listing.json()] == [purchase_id]
        assert detail.json()["supplier"] == "Jardinerie du Golfe"


def test_the_purchase_list_shows_only_the_persons_cohorts(world: World) -> None:
    _purchase(world)

    mine = world.client("coop_member").get("/api/v1/purchases/?status=requested")
    theirs = world.client("other_member").get("/api/v1/purchases/")
    staff = world.client("staff").get("/api/v1/purchases/?status=requested")

    assert (len(mine.json()), len(theirs.json()), len(staff.json())) == (1, 0, 1)


@pytest.mark.parametrize(("persona", "status"), ROLES_OF_THE_DECISION)
def test_approving_by_role(world: World, persona: str, status: int) -> None:
    purchase_id = _purchase(world)

    response = world.client(persona).post(f"/api/v1/purchases/{purchase_id}/approve/")

    assert response.status_code == status
    with tenant_context(world.cae):
        expected = PurchaseStatus.APPROVED if status == 200 else PurchaseStatus.REQUESTED
        assert Purchase.objects.get(pk=purchase_id).status == expected


def test_staff_refuse_with_a_reason_then_paying_is_a_400(world: World) -> None:
    purchase_id = _purchase(world)
    client = world.client("staff")

    refused = client.post(f"/api/v1/purchases/{purchase_id}/refuse/", {"reason": "Hors budget"})
    twice = client.post(f"/api/v1/purchases/{purchase_id}/approve/")
    paying = client.post(
        f"/api/v1/purchases/{purchase_id}/pay/", {"paid_on": "2026-03-10", "payment_method": "cash"}
    )

    assert refused.status_code == 200
    assert refused.json()["refusal_reason"] == "Hors budget"
    assert (twice.status_code, paying.status_code) == (400, 400)
    with tenant_context(world.cae):
        assert Purchase.objects.get(pk=purchase_id).status == PurchaseStatus.REFUSED
        assert JournalEntry.objects.filter(source_kind=SourceKind.PURCHASE).count() == 0


@pytest.mark.parametrize(("persona", "status"), ROLES_OF_THE_DECISION)
def test_paying_by_role_books_the_purchase(world: World, persona: str, status: int) -> None:
    purchase_id = _purchase(world, approved=True)

    response = world.client(persona).post(
        f"/api/v1/purchases/{purchase_id}/pay/",
        {"paid_on": "2026-03-10", "payment_method": "transfer"},
    )

    assert response.status_code == status
    with tenant_context(world.cae):
        booked = JournalEntry.objects.filter(
            source_kind=SourceKind.PURCHASE, source_id=str(purchase_id)
        ).count()
        assert booked == (1 if status == 200 else 0)
    if status == 200:
        assert (response.json()["status"], response.json()["paid_on"]) == ("paid", "2026-03-10")


def test_the_pnl_api_shows_purchases_and_the_contribution(world: World) -> None:
    purchase_id = _purchase(world, approved=True)
    world.client("staff").post(
        f"/api/v1/purchases/{purchase_id}/pay/", {"paid_on": "2026-03-10", "payment_method": "card"}
    )

    body = world.client("coop_member").get(
        f"/api/v1/cohorts/{world.cohort.pk}/pnl/?start=2026-01-01&end=2026-12-31"
    )

    assert {key: body.json()[key] for key in ("purchases", "contribution", "result")} == {
        "purchases": "20.00",
        "contribution": "0.00",
        "result": "-20.00",
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coop_member", 200),
        ("animateur", 200),
        ("staff", 200),
        ("other_member", 404),
        ("other_animateur", 404),
        ("other_cae_staff", 403),
        ("anonymous", 403),
    ],
)
def test_the_receipt_is_downloaded_by_role(world: World, persona: str, status: int) -> None:
    purchase_id = _purchase(world)

    response = world.client(persona).get(f"/api/v1/purchases/{purchase_id}/receipt/")

    assert response.status_code == status
    if status == 200:
        assert response.content == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="justificatif-achat-{purchase_id}.pdf"'
        )


def test_a_receipt_is_never_served_from_the_media_url(world: World) -> None:
    purchase_id = _purchase(world)
    with tenant_context(world.cae):
        name = Purchase.objects.get(pk=purchase_id).receipt.name

    response = world.client("coop_member").get(f"/media/{world.cae.schema_name}/{name}")

    assert response.status_code == 404


@pytest.mark.parametrize(("persona", "status"), [("staff", 200), ("animateur", 403)])
def test_the_contribution_rate_is_set_by_cae_staff(world: World, persona: str, status: int) -> None:
    response = world.client(persona).patch(
        f"/api/v1/cohorts/{world.cohort.pk}/",
        {"cae_contribution_rate": "12.50"},
        content_type="application/json",
    )

    assert response.status_code == status
    with tenant_context(world.cae):
        rate = Cohort.objects.get(pk=world.cohort.pk).cae_contribution_rate
    assert rate == (M("12.50") if status == 200 else M("10.00"))
    if status == 200:
        assert response.json()["cae_contribution_rate"] == "12.50"


def test_a_contribution_rate_above_100_is_a_400(world: World) -> None:
    response = world.client("staff").patch(
        f"/api/v1/cohorts/{world.cohort.pk}/",
        {"cae_contribution_rate": "100.50"},
        content_type="application/json",
    )

    assert response.status_code == 400


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coop_member", 200), ("animateur", 200), ("staff", 200), ("other_member", 404)],
)
def test_the_purchases_page_by_role(world: World, persona: str, status: int) -> None:
    _purchase(world)

    response = world.client(persona).get(f"/cooperatives/{world.cohort.pk}/achats/")

    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Achats de la coopérative" in page
        assert "Gants de jardinage" in page


def test_a_member_requests_a_purchase_from_the_page(world: World) -> None:
    response = world.client("coop_member").post(
        f"/cooperatives/{world.cohort.pk}/achats/", _form(amount_incl_vat="24,00")
    )

    assert response.status_code == 302
    with tenant_context(world.cae):
        purchase = Purchase.objects.get()
    assert response["Location"] == f"/achats/{purchase.pk}/"
    assert (purchase.amount_incl_vat, purchase.status) == (M("24.00"), PurchaseStatus.REQUESTED)


def test_a_fake_receipt_is_refused_on_the_page(world: World) -> None:
    response = world.client("coop_member").post(
        f"/cooperatives/{world.cohort.pk}/achats/",
        _form(receipt=_receipt(b"Ceci n'est pas un PDF")),
    )

    assert response.status_code == 400
    assert "seul son contenu compte" in response.content.decode()
    with tenant_context(world.cae):
        assert _count() == 0


@pytest.mark.parametrize(("persona", "status"), [("staff", 302), ("coop_member", 403)])
def test_approving_on_the_page_by_role(world: World, persona: str, status: int) -> None:
    purchase_id = _purchase(world)

    response = world.client(persona).post(f"/achats/{purchase_id}/", {"step": "approve"})

    assert response.status_code == status
    with tenant_context(world.cae):
        expected = PurchaseStatus.APPROVED if status == 302 else PurchaseStatus.REQUESTED
        assert Purchase.objects.get(pk=purchase_id).status == expected


def test_staff_pay_on_the_page(world: World) -> None:
    purchase_id = _purchase(world, approved=True)
    client = world.client("staff")

    page = client.get(f"/achats/{purchase_id}/")
    response = client.post(
        f"/achats/{purchase_id}/",
        {"step": "pay", "pay-paid_on": "2026-03-10", "pay-method": "cash"},
    )

    assert "Enregistrer le paiement" in page.content.decode()
    assert response.status_code == 302
    with tenant_context(world.cae):
        assert Purchase.objects.get(pk=purchase_id).status == PurchaseStatus.PAID


@pytest.mark.parametrize(("persona", "status"), [("coop_member", 200), ("other_member", 404)])
def test_the_receipt_page_by_role(world: World, persona: str, status: int) -> None:
    purchase_id = _purchase(world)

    response = world.client(persona).get(f"/achats/{purchase_id}/justificatif/")

    assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), [("staff", 302), ("coop_member", 403)])
def test_the_rate_form_of_the_result_page(world: World, persona: str, status: int) -> None:
    page = world.client(persona).get(f"/cooperatives/{world.cohort.pk}/resultat/")
    response = world.client(persona).post(
        f"/cooperatives/{world.cohort.pk}/resultat/", {"cae_contribution_rate": "15"}
    )

    assert ("Enregistrer le taux" in page.content.decode()) == (persona == "staff")
    assert "Contribution de la CAE (10 %" in page.content.decode()
    assert response.status_code == status
    with tenant_context(world.cae):
        rate = Cohort.objects.get(pk=world.cohort.pk).cae_contribution_rate
    assert rate == (M("15.00") if status == 302 else M("10.00"))
