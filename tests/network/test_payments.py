"""Online payments: the platform webhook (signature, once-only storage, routing to the CAE) and
the effects applied in the CAE's schema (payments, order of events, refunds, disputes)."""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from pytest_django.fixtures import Settings

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from coopilote.payments import (
    Checkout,
    CheckoutRequest,
    DummyProvider,
    ProviderError,
    event_sign,
)
from network.payments.models import PaymentEvent
from network.payments.services import dummy_payment_events, webhook_receive
from network.registry.models import Cae
from tenants.billing import services as billing_services
from tenants.billing.models import AttemptStatus, Dispute, Invoice, Payment, PaymentAttempt, Refund
from tenants.billing.selectors import Settlement, invoice_balance
from tenants.billing.services import (
    PaymentNotYetKnownError,
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
    payment_checkout_start,
    payment_event_apply,
    payments_reconcile,
)
from tenants.ledger import chart
from tenants.ledger.models import EntryLine
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.ledger.helpers import assert_balanced, client_balance, still_due
from tests.tenants.people.factories import CohortFactory

SECRET = "whsec_coopilote_dummy_provider"
ACCOUNT = "acct_dummy_alpha"


@pytest.fixture
def connected_alpha(cae_alpha: Cae) -> Cae:
    Cae.objects.filter(pk=cae_alpha.pk).update(payment_account=ACCOUNT)
    cae_alpha.payment_account = ACCOUNT
    return cae_alpha


def _issued(cae: Cae, person: User) -> Invoice:
    with tenant_context(cae):
        invoice = invoice_draft_create(
            cohort=CohortFactory.create(),
            client=ClientFactory.create(),
            sale_date=datetime.date(2026, 7, 20),
        )
        invoice_line_add(
            invoice=invoice,
            description="Tonte",
            quantity=Decimal(2),
            unit="hour",
            unit_price_excl_vat=Decimal(50),
            vat_rate=Decimal("20.0"),
        )
        invoice_submit(invoice=invoice, by=person)
        return invoice_issue(invoice=invoice, by=person, issued_on=datetime.date(2026, 7, 31))


def _attempt(cae: Cae, invoice: Invoice, amount: str = "120") -> PaymentAttempt:
    with tenant_context(cae):
        return payment_checkout_start(invoice=invoice, amount=Decimal(amount))


def _event(
    kind: str, data: dict[str, Any], *, account: str = ACCOUNT, event_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{kind}_{data.get('id')}",
        "object": "event",
        "type": kind,
        "account": account,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": data},
    }


def _paid_events(attempt: PaymentAttempt, intent: str = "pi_1") -> dict[str, dict[str, Any]]:
    metadata = {"schema": "cae_alpha", "attempt": str(attempt.public_id)}
    cents = int(attempt.amount * 100)
    return {
        "intent": _event(
            "payment_intent.succeeded",
            {"id": intent, "amount_received": cents, "metadata": metadata},
        ),
        "session": _event(
            "checkout.session.completed",
            {
                "id": attempt.session_id,
                "payment_status": "paid",
                "payment_intent": intent,
                "amount_total": cents,
                "metadata": metadata,
            },
        ),
    }


def _post(event: dict[str, Any], *, secret: str = SECRET, timestamp: int | None = None) -> Any:
    payload = json.dumps(event)
    signature = event_sign(payload=payload, secret=secret, timestamp=timestamp)
    return HttpClient(HTTP_HOST="localhost").post(
        "/paiements/webhook/dummy/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def _apply_stored() -> None:
    """What the worker does with each stored event: apply it in its CAE's schema."""
    for stored in PaymentEvent.objects.exclude(schema_name="").filter(ignored_because=""):
        with tenant_context(Cae.objects.get(schema_name=stored.schema_name)):
            payment_event_apply(event=stored.payload)


@pytest.mark.parametrize(
    ("secret", "age"), [("whsec_forged", 0), (SECRET, 600)], ids=["forged", "stale"]
)
def test_a_forged_or_stale_signature_is_a_400_and_nothing_is_stored(
    connected_alpha: Cae, person: User, secret: str, age: int
) -> None:
    attempt = _attempt(connected_alpha, _issued(connected_alpha, person))

    response = _post(
        _paid_events(attempt)["session"], secret=secret, timestamp=int(time.time()) - age
    )

    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()
    with tenant_context(connected_alpha):
        assert not Payment.objects.exists()


def test_an_unsigned_or_malformed_body_is_a_400(connected_alpha: Cae) -> None:
    client = HttpClient(HTTP_HOST="localhost")

    unsigned = client.post("/paiements/webhook/dummy/", data="{}", content_type="application/json")
    not_json = client.post(
        "/paiements/webhook/dummy/",
        data="nope",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=event_sign(payload="nope", secret=SECRET),
    )
    other_provider = client.post("/paiements/webhook/stripe/", data="{}", content_type="x")

    assert (unsigned.status_code, not_json.status_code, other_provider.status_code) == (
        400,
        400,
        400,
    )


def test_the_same_event_five_times_makes_one_payment(
    connected_alpha: Cae, person: User, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = _issued(connected_alpha, person)
    attempt = _attempt(connected_alpha, invoice)
    event = _paid_events(attempt)["session"]

    with django_capture_on_commit_callbacks(execute=False) as sent:
        answers = [_post(event) for _ in range(5)]
    _apply_stored()
    _apply_stored()  # a redelivered task changes nothing either

    assert [answer.status_code for answer in answers] == [200] * 5
    assert [answer.json()["duplicate"] for answer in answers] == [False] + [True] * 4
    assert len(sent) == 1  # one task for the CAE
    assert PaymentEvent.objects.get().schema_name == "cae_alpha"
    with tenant_context(connected_alpha):  # the provider's fee, booked once (1.5 % + 0.25 €)
        fees = EntryLine.objects.filter(account__number=chart.BANK_FEES)
        assert [line.debit for line in fees] == [Decimal("2.05")]
        assert_balanced()
    with tenant_context(connected_alpha):
        payment = Payment.objects.get()
        assert (payment.amount, payment.method, payment.provider_reference) == (
            Decimal("120.00"),
            "card",
            "pi_1",
        )
        assert invoice_balance(invoice=invoice).settlement == Settlement.PAID
        assert PaymentAttempt.objects.get().status == AttemptStatus.COMPLETED


@pytest.mark.parametrize("order", [("intent", "session"), ("session", "intent")])
def test_events_in_any_order_lead_to_the_same_state(
    connected_alpha: Cae, person: User, order: tuple[str, str]
) -> None:
    invoice = _issued(connected_alpha, person)
    attempt = _attempt(connected_alpha, invoice, "50")
    events = _paid_events(attempt)

    with tenant_context(connected_alpha):
        for name in order:
            payment_event_apply(event=events[name])

        assert list(Payment.objects.values_list("amount", "provider_reference")) == [
            (Decimal("50.00"), "pi_1")
        ]
        balance = invoice_balance(invoice=invoice)
        assert balance.outstanding == Decimal("70.00")
        assert balance.settlement in (Settlement.PARTIALLY_PAID, Settlement.OVERDUE)


def test_several_partial_payments_settle_the_invoice(connected_alpha: Cae, person: User) -> None:
    invoice = _issued(connected_alpha, person)
    first = _attempt(connected_alpha, invoice, "20")
    second = _attempt(connected_alpha, invoice, "100")

    with tenant_context(connected_alpha):
        payment_event_apply(event=_paid_events(first, "pi_a")["session"])
        payment_event_apply(event=_paid_events(second, "pi_b")["session"])
        assert invoice_balance(invoice=invoice).settlement == Settlement.PAID
        with pytest.raises(ApplicationError, match="reste dû"):
            payment_checkout_start(invoice=invoice, amount=Decimal("1"))


def test_a_checkout_cannot_ask_more_than_what_is_due_nor_without_an_account(
    cae_alpha: Cae, person: User
) -> None:
    invoice = _issued(cae_alpha, person)

    with tenant_context(cae_alpha), pytest.raises(ApplicationError, match="pas encore activé"):
        payment_checkout_start(invoice=invoice, amount=Decimal("10"))
    Cae.objects.filter(pk=cae_alpha.pk).update(payment_account=ACCOUNT)
    cae_alpha.payment_account = ACCOUNT
    with tenant_context(cae_alpha), pytest.raises(ApplicationError, match="reste dû"):
        payment_checkout_start(invoice=invoice, amount=Decimal("120.01"))
    with tenant_context(cae_alpha):
        assert not PaymentAttempt.objects.exists()


def test_refunds_wait_for_their_payment_and_count_once(connected_alpha: Cae, person: User) -> None:
    invoice = _issued(connected_alpha, person)
    attempt = _attempt(connected_alpha, invoice)
    refunded = _event(
        "charge.refunded",
        {
            "id": "ch_1",
            "payment_intent": "pi_1",
            "refunds": {"data": [{"id": "re_1", "amount": 3000, "created": int(time.time())}]},
        },
    )

    with tenant_context(connected_alpha):
        with pytest.raises(PaymentNotYetKnownError):  # the task retries it later
            payment_event_apply(event=refunded)
        payment_event_apply(event=_paid_events(attempt)["session"])
        payment_event_apply(event=refunded)
        payment_event_apply(event=refunded)

        assert Refund.objects.get().amount == Decimal("30.00")
        balance = invoice_balance(invoice=invoice)
        assert (balance.paid, balance.outstanding) == (Decimal("90.00"), Decimal("30.00"))
        # and the ledger followed: balanced, the client owing what billing says
        assert_balanced()
        assert client_balance(invoice) == still_due(invoice) == Decimal("30.00")


def test_a_closed_dispute_is_not_reopened_by_a_late_event(
    connected_alpha: Cae, person: User
) -> None:
    attempt = _attempt(connected_alpha, _issued(connected_alpha, person))
    dispute = {"id": "dp_1", "payment_intent": "pi_1", "amount": 12000, "reason": "fraudulent"}

    with tenant_context(connected_alpha):
        payment_event_apply(event=_paid_events(attempt)["session"])
        payment_event_apply(event=_event("charge.dispute.closed", {**dispute, "status": "won"}))
        payment_event_apply(
            event=_event("charge.dispute.created", {**dispute, "status": "needs_response"})
        )

        recorded = Dispute.objects.get()
        assert (recorded.status, recorded.reason) == ("won", "fraudulent")
        assert recorded.closed_at is not None


def test_an_event_for_an_unknown_account_or_another_cae_changes_nothing(
    connected_alpha: Cae, cae_beta: Cae, person: User, django_capture_on_commit_callbacks: Any
) -> None:
    attempt = _attempt(connected_alpha, _issued(connected_alpha, person))
    events = _paid_events(attempt)
    Cae.objects.filter(pk=cae_beta.pk).update(payment_account="acct_dummy_beta")
    unknown = {**events["session"], "id": "evt_unknown", "account": "acct_nobody"}
    crossed = {**events["session"], "id": "evt_crossed", "account": "acct_dummy_beta"}

    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert _post(unknown).status_code == 200
        assert _post(crossed).status_code == 200

    assert sent == []
    reasons = dict(PaymentEvent.objects.values_list("event_id", "ignored_because"))
    assert reasons == {
        "evt_unknown": "no CAE has this payment account",
        "evt_crossed": "its metadata names another CAE than its account",
    }


def test_an_expired_checkout_is_marked_abandoned(connected_alpha: Cae, person: User) -> None:
    attempt = _attempt(connected_alpha, _issued(connected_alpha, person))

    with tenant_context(connected_alpha):
        payment_event_apply(event=_event("checkout.session.expired", {"id": attempt.session_id}))

        assert PaymentAttempt.objects.get().status == AttemptStatus.EXPIRED


def test_a_dummy_signature_is_refused_when_stripe_is_in_use(
    db: None,
    settings: Settings,
) -> None:
    settings.PAYMENT_PROVIDER = "stripe"

    response = _post(_event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}}))

    assert response.status_code == 400  # signed with the dummy secret: not Stripe's


def test_reconciliation_finds_a_lost_event_then_agrees(connected_alpha: Cae, person: User) -> None:
    attempt = _attempt(connected_alpha, _issued(connected_alpha, person), "80")
    with schema_context("public"):
        for payload, signature in dummy_payment_events(
            account=ACCOUNT,
            session_id=attempt.session_id,
            amount_cents=8000,
            metadata={"schema": "cae_alpha", "attempt": str(attempt.public_id)},
        ):
            webhook_receive(provider_name="dummy", payload=payload, signature=signature)
    end = timezone.now() + datetime.timedelta(minutes=1)
    start = end - datetime.timedelta(days=35)

    with tenant_context(connected_alpha):
        before = payments_reconcile(start=start, end=end)  # the task has not run: "lost"
    output = StringIO()
    with pytest.raises(CommandError):
        call_command("payments_reconcile", "--cae", "alpha", stdout=output)
    _apply_stored()
    with tenant_context(connected_alpha):
        after = payments_reconcile(start=start, end=end)

    assert len(before.missing_here) == 1
    assert before.missing_here[0].startswith("pi_dummy_")
    assert not before.clean
    assert "absents ici" in output.getvalue()
    assert (after.matched, after.clean) == (1, True)


def test_a_provider_outage_is_a_clear_message_not_a_500(
    connected_alpha: Cae, person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = _issued(connected_alpha, person)

    class Down(DummyProvider):
        def checkout_create(self, request: CheckoutRequest) -> Checkout:
            raise ProviderError("connection refused")

    monkeypatch.setattr(billing_services, "payment_provider", Down)

    with tenant_context(connected_alpha), pytest.raises(ApplicationError, match="indisponible"):
        payment_checkout_start(invoice=invoice, amount=Decimal("10"))
    with tenant_context(connected_alpha):
        assert PaymentAttempt.objects.get().status == AttemptStatus.EXPIRED
