"""The billing API: the cohort prepares, the CAE issues; refusals are 400/403/404, never 500."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone
from django_tenants.utils import tenant_context

from network.registry.models import Cae
from tenants.billing.models import CreditNote, Invoice, InvoiceDispatch, Payment
from tenants.billing.services import invoice_dispatch_deliver
from tests.conftest import World
from tests.tenants.commerce.factories import ClientFactory

LINE = {
    "description": "Tonte de pelouse",
    "quantity": "4",
    "unit": "hour",
    "unit_price_excl_vat": "15",
    "vat_rate": "20",
}


def _send(client: HttpClient, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def _draft(world: World) -> int:
    with tenant_context(world.cae):
        client_id = ClientFactory.create(email="compta@fournil.example").pk
    response = _send(
        world.client("coop_member"),
        f"/api/v1/cohorts/{world.cohort.pk}/invoices/",
        {"client": client_id, "sale_date": "2026-07-20"},
    )
    assert response.status_code == 201, response.content
    invoice_id: int = response.json()["id"]
    response = _send(world.client("coop_member"), f"/api/v1/invoices/{invoice_id}/lines/", LINE)
    assert response.status_code == 201, response.content
    return invoice_id


def _issued(world: World) -> int:
    invoice_id = _draft(world)
    assert (
        _send(world.client("animateur"), f"/api/v1/invoices/{invoice_id}/submit/").status_code
        == 200
    )
    response = _send(
        world.client("staff"), f"/api/v1/invoices/{invoice_id}/issue/", {"issued_on": "2026-07-31"}
    )
    assert response.status_code == 200, response.content
    return invoice_id


def test_the_cohort_prepares_and_the_cae_issues(world: World) -> None:
    invoice_id = _draft(world)

    refused = _send(
        world.client("coop_member"),
        f"/api/v1/invoices/{invoice_id}/issue/",
        {"issued_on": "2026-07-31"},
    )
    _send(world.client("coop_member"), f"/api/v1/invoices/{invoice_id}/submit/")
    issued = _send(
        world.client("staff"), f"/api/v1/invoices/{invoice_id}/issue/", {"issued_on": "2026-07-31"}
    )

    assert refused.status_code == 403
    body = issued.json()
    assert issued.status_code == 200
    assert body["number"] == "F2026-00001"
    assert body["total_incl_vat"] == "72.00"
    assert body["balance"]["settlement"] == "overdue" or body["balance"]["settlement"] == "issued"
    assert body["seller"]["siren"] == world.cae.siren


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("animateur", 200),
        ("coop_member", 200),
        ("other_member", 404),
        ("other_cae_staff", 403),
        ("coordinator", 403),
        ("anonymous", 403),
    ],
)
def test_invoice_detail_by_role(world: World, persona: str, status: int) -> None:
    invoice_id = _draft(world)

    assert world.client(persona).get(f"/api/v1/invoices/{invoice_id}/").status_code == status


def test_an_invoice_of_another_cae_is_not_found(world: World, cae_beta: Cae) -> None:
    invoice_id = _draft(world)

    assert (
        world.client("other_cae_staff", cae_beta).get(f"/api/v1/invoices/{invoice_id}/").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"unit_price_excl_vat": "-3"}, "unit_price_excl_vat"),
        ({"vat_rate": "7"}, "vat_rate"),
    ],
)
def test_a_bad_line_is_a_400_and_nothing_is_saved(
    world: World, line: dict[str, str], field: str
) -> None:
    invoice_id = _draft(world)

    response = _send(
        world.client("animateur"), f"/api/v1/invoices/{invoice_id}/lines/", {**LINE, **line}
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]
    with tenant_context(world.cae):
        assert Invoice.objects.get(pk=invoice_id).lines.count() == 1


def test_an_issued_invoice_cannot_be_edited_through_the_api(world: World) -> None:
    invoice_id = _issued(world)

    added = _send(world.client("staff"), f"/api/v1/invoices/{invoice_id}/lines/", LINE)
    deleted = world.client("staff").delete(f"/api/v1/invoices/{invoice_id}/")

    assert added.status_code == 400
    assert "ne change plus" in added.content.decode()
    assert deleted.status_code == 400


def test_submitting_an_invoice_without_lines_is_a_400(world: World) -> None:
    with tenant_context(world.cae):
        client_id = ClientFactory.create().pk
    created = _send(
        world.client("animateur"),
        f"/api/v1/cohorts/{world.cohort.pk}/invoices/",
        {"client": client_id, "sale_date": "2026-07-20"},
    ).json()

    response = _send(world.client("animateur"), f"/api/v1/invoices/{created['id']}/submit/")

    assert response.status_code == 400
    assert "au moins une ligne" in response.content.decode()


def test_the_pdf_is_served_as_pdf(world: World) -> None:
    invoice_id = _issued(world)

    response = world.client("coop_member").get(f"/api/v1/invoices/{invoice_id}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_payments_and_credit_notes_are_the_cae_staffs(world: World) -> None:
    invoice_id = _issued(world)
    today = timezone.localdate().isoformat()
    payment = {"amount": "30", "received_on": today, "method": "transfer"}

    by_member = _send(
        world.client("coop_member"), f"/api/v1/invoices/{invoice_id}/payments/", payment
    )
    paid = _send(world.client("staff"), f"/api/v1/invoices/{invoice_id}/payments/", payment)
    too_much = _send(
        world.client("staff"),
        f"/api/v1/invoices/{invoice_id}/credit-notes/",
        {
            "reason": "Remise",
            "issued_on": today,
            "lines": [{**LINE, "quantity": "5"}],
        },
    )
    credited = _send(
        world.client("staff"),
        f"/api/v1/invoices/{invoice_id}/credit-notes/",
        {"reason": "Remise", "issued_on": today, "lines": [{**LINE, "quantity": "1"}]},
    )

    assert by_member.status_code == 403
    assert paid.status_code == 201
    assert paid.json()["balance"]["outstanding"] == "42.00"
    assert too_much.status_code == 400
    assert "dépasse" in too_much.content.decode()
    assert credited.status_code == 201
    assert credited.json()["number"] == "A2026-00001"
    with tenant_context(world.cae):
        assert Payment.objects.count() == 1
        assert CreditNote.objects.count() == 1
    pdf = world.client("staff").get(f"/api/v1/credit-notes/{credited.json()['id']}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_sending_emails_the_pdf_and_the_view_link(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    invoice_id = _issued(world)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _send(world.client("animateur"), f"/api/v1/invoices/{invoice_id}/send/")
    with tenant_context(world.cae):
        dispatch = InvoiceDispatch.objects.get()
        invoice_dispatch_deliver(dispatch=dispatch)
        invoice_dispatch_deliver(dispatch=dispatch)  # delivered twice: one email

    assert response.status_code == 202
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["compta@fournil.example"]
    assert "F2026-00001" in email.subject
    (name, content, _mimetype) = email.attachments[0]
    assert name == "Facture-F2026-00001.pdf"
    assert content.startswith(b"%PDF")
    link = next(line for line in email.body.splitlines() if "/factures/consulter/" in line)
    path = link.split("localhost", 1)[1].split("/", 1)[1]
    page = HttpClient(HTTP_HOST=f"{world.cae.slug}.localhost").get("/" + path)
    assert page.status_code == 200
    assert "F2026-00001" in page.content.decode()
    assert "72,00" in page.content.decode()


def test_a_client_without_email_needs_a_recipient(world: World) -> None:
    invoice_id = _issued(world)
    with tenant_context(world.cae):
        Invoice.objects.get(pk=invoice_id).client.__class__.objects.update(email="")

    response = _send(world.client("staff"), f"/api/v1/invoices/{invoice_id}/send/")

    assert response.status_code == 400
    assert "adresse e-mail" in response.content.decode()


def test_jobs_done_are_invoiced_through_the_api(world: World) -> None:
    from tests.tenants.billing.test_settlement import _job_done

    with tenant_context(world.cae):
        client = ClientFactory.create()
        job = _job_done(world.cohort, client, "Tonte", 8)

    response = _send(
        world.client("coop_member"),
        f"/api/v1/cohorts/{world.cohort.pk}/invoices/",
        {"jobs": [job.pk]},
    )
    mixed = _send(
        world.client("coop_member"),
        f"/api/v1/cohorts/{world.cohort.pk}/invoices/",
        {"jobs": [job.pk], "client": client.pk},
    )

    assert response.status_code == 201
    assert response.json()["lines"][0]["job"] == job.pk
    assert response.json()["total_incl_vat"] == "0.00"  # totals come at issue
    assert mixed.status_code == 400


@pytest.mark.parametrize(
    ("persona", "status"), [("cae_admin", 200), ("staff", 403), ("animateur", 403)]
)
def test_numbering_is_the_cae_admins(world: World, persona: str, status: int) -> None:
    assert world.client(persona).get("/api/v1/settings/numbering/").status_code == status


def test_a_bad_numbering_template_is_a_400(world: World) -> None:
    client = world.client("cae_admin")

    bad = client.put(
        "/api/v1/settings/numbering/",
        data=json.dumps({"invoice_template": "F-{YYYY}", "credit_note_template": "A-{SEQ}"}),
        content_type="application/json",
    )
    good = client.put(
        "/api/v1/settings/numbering/",
        data=json.dumps(
            {"invoice_template": "F{YY}-{SEQYEAR:4}", "credit_note_template": "AV{YY}-{SEQYEAR:4}"}
        ),
        content_type="application/json",
    )

    assert bad.status_code == 400
    assert "compteur" in bad.content.decode()
    assert good.status_code == 200
    assert good.json()["invoice_template"] == "F{YY}-{SEQYEAR:4}"


def test_staff_see_the_invoices_waiting_for_them(world: World) -> None:
    first = _draft(world)
    _draft(world)
    _send(world.client("animateur"), f"/api/v1/invoices/{first}/submit/")

    waiting = world.client("staff").get("/api/v1/invoices/?status=submitted").json()
    unknown = world.client("staff").get("/api/v1/invoices/?status=paid")

    assert [invoice["id"] for invoice in waiting] == [first]
    assert unknown.status_code == 400
    assert world.client("other_member").get("/api/v1/invoices/").json() == []
    assert world.client("coordinator").get("/api/v1/invoices/").status_code == 403
    assert Decimal(waiting[0]["total_incl_vat"]) == 0
