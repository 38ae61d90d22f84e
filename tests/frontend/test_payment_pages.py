"""Paying an invoice online with the offline provider, through the pages a client sees."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django_tenants.utils import schema_context, tenant_context

from network.payments.models import PaymentEvent
from network.registry.models import Cae
from tenants.billing.models import Payment, PaymentAttempt
from tenants.billing.selectors import Settlement, invoice_balance, invoice_link_token
from tenants.billing.services import payment_event_apply
from tests.conftest import World, site_client
from tests.frontend.test_billing_pages import _issued


def _connect(world: World) -> None:
    response = world.client("cae_admin").post("/parametres/paiement-en-ligne/")
    assert response.status_code == 302
    world.cae.refresh_from_db()


def test_the_cae_admin_connects_the_cae_payment_account(world: World) -> None:
    assert world.client("staff").get("/parametres/paiement-en-ligne/").status_code == 403
    assert (
        "Aucun compte"
        in world.client("cae_admin").get("/parametres/paiement-en-ligne/").content.decode()
    )

    _connect(world)

    assert Cae.objects.get(pk=world.cae.pk).payment_account == "acct_dummy_alpha"


def test_a_client_pays_part_of_an_invoice_online_without_an_account(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = _issued(world)  # 72,00 € TTC
    with tenant_context(world.cae):
        token = invoice_link_token(invoice=invoice)
    client = site_client(world.cae)
    assert "Payer par carte" not in client.get(f"/factures/consulter/{token}/").content.decode()
    _connect(world)
    assert "Payer par carte" in client.get(f"/factures/consulter/{token}/").content.decode()

    to_checkout = client.post(f"/factures/consulter/{token}/payer/", {"amount": "50,00"})
    checkout_page = client.get(to_checkout["Location"])
    with django_capture_on_commit_callbacks(execute=False) as sent:
        paid = client.post(to_checkout["Location"], {"choice": "pay"})
    with schema_context("public"):
        events = [stored.payload for stored in PaymentEvent.objects.order_by("pk")]
    with tenant_context(world.cae):
        for event in events:  # what the worker does with each task sent
            payment_event_apply(event=event)
        payment = Payment.objects.get()
        balance = invoice_balance(invoice=invoice)

    assert "/paiements/simulation/" in to_checkout["Location"]
    assert "50,00" in checkout_page.content.decode()
    assert paid["Location"].endswith(f"/factures/consulter/{token}/?paiement=merci")
    assert len(sent) == 2  # payment_intent.succeeded and checkout.session.completed
    assert (payment.amount, payment.method) == (Decimal("50.00"), "card")
    assert balance.outstanding == Decimal("22.00")
    assert balance.settlement in (Settlement.PARTIALLY_PAID, Settlement.OVERDUE)
    page = client.get(f"/factures/consulter/{token}/?paiement=merci").content.decode()
    assert "22,00" in page
    assert "Merci" in page


def test_asking_to_pay_more_than_due_is_refused_with_a_message(world: World) -> None:
    invoice = _issued(world)
    _connect(world)
    with tenant_context(world.cae):
        token = invoice_link_token(invoice=invoice)
    client = site_client(world.cae)

    too_much = client.post(f"/factures/consulter/{token}/payer/", {"amount": "72,01"}, follow=True)
    not_a_number = client.post(
        f"/factures/consulter/{token}/payer/", {"amount": "beaucoup"}, follow=True
    )

    assert "dépasse le reste dû" in too_much.content.decode()
    assert "Indiquez un montant" in not_a_number.content.decode()
    with tenant_context(world.cae):
        assert not PaymentAttempt.objects.exists()


def test_giving_up_at_checkout_pays_nothing(world: World) -> None:
    invoice = _issued(world)
    _connect(world)
    with tenant_context(world.cae):
        token = invoice_link_token(invoice=invoice)
    client = site_client(world.cae)
    checkout = client.post(f"/factures/consulter/{token}/payer/", {"amount": "72,00"})["Location"]

    back = client.post(checkout, {"choice": "cancel"})

    assert back["Location"].endswith(f"/factures/consulter/{token}/")
    with schema_context("public"):
        assert not PaymentEvent.objects.exists()
    assert site_client(world.cae).get("/paiements/simulation/not-a-uuid/").status_code == 404
