"""Invoice pages: the cohort prepares, CAE staff issue, record payments and credit notes; the
client opens the invoice from its link."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from network.registry.models import Cae
from tenants.billing.models import CreditNote, Invoice, Payment
from tenants.billing.selectors import invoice_link_token
from tests.conftest import World, site_client
from tests.tenants.commerce.factories import ClientFactory

LINE = {
    "step": "line",
    "line-description": "Tonte de pelouse",
    "line-quantity": "4",
    "line-unit": "hour",
    "line-unit_price_excl_vat": "15",
    "line-vat_rate": "20.0",
}


def _draft(world: World) -> Invoice:
    with tenant_context(world.cae):
        client_id = ClientFactory.create().pk
    page = world.client("coop_member")
    response = page.post(
        f"/cooperatives/{world.cohort.pk}/factures/",
        {"step": "new", "new-client": client_id, "new-sale_date": "2026-07-20"},
    )
    assert response.status_code == 302, response.content.decode()
    invoice_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert page.post(f"/factures/{invoice_id}/", LINE).status_code == 302
    with tenant_context(world.cae):
        return Invoice.objects.get(pk=invoice_id)


def _issued(world: World) -> Invoice:
    invoice = _draft(world)
    assert (
        world.client("animateur").post(f"/factures/{invoice.pk}/", {"step": "submit"}).status_code
        == 302
    )
    issued = world.client("staff").post(
        f"/factures/{invoice.pk}/", {"step": "issue", "issue-issued_on": "2026-07-31"}
    )
    assert issued.status_code == 302
    with tenant_context(world.cae):
        return Invoice.objects.get(pk=invoice.pk)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("animateur", 200),
        ("coop_member", 200),
        ("other_member", 404),
        ("coordinator", 403),
    ],
)
def test_a_cohorts_invoices_by_role(world: World, persona: str, status: int) -> None:
    response = world.client(persona).get(f"/cooperatives/{world.cohort.pk}/factures/")

    assert response.status_code == status


def test_the_whole_journey_through_the_pages(world: World) -> None:
    invoice = _issued(world)
    today = timezone.localdate().isoformat()
    staff = world.client("staff")

    page = staff.get(f"/factures/{invoice.pk}/").content.decode()
    paid = staff.post(
        f"/factures/{invoice.pk}/",
        {
            "step": "payment",
            "payment-amount": "72",
            "payment-received_on": today,
            "payment-method": "cheque",
        },
    )

    assert invoice.number == "F2026-00001"
    assert "72,00" in page
    assert paid.status_code == 302
    assert "Payée" in staff.get(f"/factures/{invoice.pk}/").content.decode()
    with tenant_context(world.cae):
        assert Payment.objects.get().amount == 72


def test_a_member_cannot_issue_and_a_bad_line_is_shown_not_saved(world: World) -> None:
    invoice = _draft(world)
    member = world.client("coop_member")

    bad = member.post(f"/factures/{invoice.pk}/", {**LINE, "line-quantity": "-2"})
    issue = member.post(
        f"/factures/{invoice.pk}/", {"step": "issue", "issue-issued_on": "2026-07-31"}
    )

    assert bad.status_code == 400
    assert "Une quantité est positive." in bad.content.decode()
    assert issue.status_code == 403
    with tenant_context(world.cae):
        assert invoice.lines.count() == 1


def test_a_whole_invoice_is_cancelled_by_a_credit_note(world: World) -> None:
    invoice = _issued(world)

    response = world.client("staff").post(
        f"/factures/{invoice.pk}/",
        {"step": "credit", "credit-reason": "Erreur de client", "credit-issued_on": "2026-08-01"},
    )

    assert response.status_code == 302
    with tenant_context(world.cae):
        note = CreditNote.objects.get()
    assert note.number == "A2026-00001"
    page = world.client("staff").get(f"/factures/{invoice.pk}/").content.decode()
    assert "Annulée par avoir" in page
    pdf = world.client("staff").get(f"/avoirs/{note.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"


def test_the_client_opens_the_invoice_from_its_link_without_an_account(world: World) -> None:
    invoice = _issued(world)
    with tenant_context(world.cae):
        token = invoice_link_token(invoice=invoice)
    anonymous = site_client(world.cae)

    page = anonymous.get(f"/factures/consulter/{token}/")
    pdf = anonymous.get(f"/factures/consulter/{token}/pdf/")
    forged = anonymous.get(f"/factures/consulter/{token[:-2]}xx/")

    assert page.status_code == 200
    assert "F2026-00001" in page.content.decode()
    assert "72,00" in page.content.decode()
    assert pdf.content.startswith(b"%PDF")
    assert forged.status_code == 404


def test_a_link_of_one_cae_does_not_open_another(world: World, cae_beta: Cae) -> None:
    invoice = _issued(world)
    with tenant_context(world.cae):
        token = invoice_link_token(invoice=invoice)

    assert site_client(cae_beta).get(f"/factures/consulter/{token}/").status_code == 404


def test_staff_filter_the_invoices_waiting_for_validation(world: World) -> None:
    first, second = _draft(world), _draft(world)
    world.client("animateur").post(f"/factures/{first.pk}/", {"step": "submit"})

    page = world.client("staff").get("/factures/?statut=submitted", HTTP_HX_REQUEST="true")

    body = page.content.decode()
    assert f"/factures/{first.pk}/" in body
    assert f"/factures/{second.pk}/" not in body
    assert "<html" not in body  # the table only, for htmx


def test_the_admin_sets_the_numbering(world: World) -> None:
    admin = world.client("cae_admin")

    bad = admin.post(
        "/parametres/numerotation/",
        {"invoice_template": "F{YYYY}", "credit_note_template": "A{SEQ}"},
    )
    good = admin.post(
        "/parametres/numerotation/",
        {"invoice_template": "F{YYYY}-{SEQYEAR:4}", "credit_note_template": "AV{YYYY}-{SEQYEAR:4}"},
    )

    assert bad.status_code == 400
    assert "compteur" in bad.content.decode()
    assert good.status_code == 302
    assert world.client("staff").get("/parametres/numerotation/").status_code == 403
