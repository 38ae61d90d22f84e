"""Online payment providers: Stripe (Connect, direct charges on each CAE's connected account) and
the offline `dummy` provider, which runs the same flow: a checkout page, then events signed
exactly as Stripe signs its webhooks, delivered to the same endpoint and code.

Domain code asks `payment_provider()` for the configured one; nothing else knows which it is.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import stripe
from django.apps import apps
from django.conf import settings

DUMMY = "dummy"
STRIPE = "stripe"


class InvalidEventError(Exception):
    """A webhook whose signature is missing, forged or stale, or whose body is not an event."""


class ProviderError(Exception):
    """The provider did not answer or refused the call (network, outage, bad request)."""


@dataclass(frozen=True)
class CheckoutRequest:
    """One payment attempt: `amount_cents` in euros' cents on the CAE's `account`."""

    account: str
    amount_cents: int
    description: str
    idempotency_key: str
    success_url: str
    cancel_url: str
    simulation_url: str  # the dummy provider's checkout page (Stripe hosts its own)
    metadata: dict[str, str] = field(default_factory=dict)
    customer_email: str = ""


@dataclass(frozen=True)
class Checkout:
    session_id: str
    url: str


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider knows it (for reconciliation)."""

    reference: str
    amount_cents: int
    created: datetime.datetime


@dataclass(frozen=True)
class Onboarding:
    account: str
    url: str


class PaymentProvider(Protocol):
    name: str

    def checkout_create(self, request: CheckoutRequest) -> Checkout: ...

    def onboarding_start(
        self, *, account: str, slug: str, email: str, return_url: str, refresh_url: str
    ) -> Onboarding: ...

    def webhook_secret(self) -> str: ...

    def payments_list(
        self, *, account: str, start: datetime.datetime, end: datetime.datetime
    ) -> list[ProviderPayment]: ...

    def payment_fee_cents(self, *, account: str, reference: str, amount_cents: int) -> int: ...


def event_verify(*, payload: bytes, signature: str, secret: str) -> dict[str, Any]:
    """The event in a webhook body, once its signature is checked (HMAC-SHA256 of
    "timestamp.body", at most 5 minutes old): raises InvalidEventError otherwise."""
    try:
        stripe.WebhookSignature.verify_header(payload.decode(), signature, secret, tolerance=300)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise InvalidEventError(str(error)) from error
    if not isinstance(event, dict) or not {"id", "type", "data"} <= event.keys():
        raise InvalidEventError("not an event")
    return event


def event_sign(*, payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header of `payload` (the dummy provider's events, and tests)."""
    return str(stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp))


class StripeProvider:
    """Stripe through its SDK; every call names the CAE's connected account and an idempotency
    key decided before the call, so a retried task or a double click never pays twice."""

    name = STRIPE

    # The SDK retries a call lost on the network (timeout, reset, 409, 5xx) with the same
    # idempotency key: Stripe answers the retry with the first call's result.
    NETWORK_RETRIES = 2

    def __init__(self, client: stripe.StripeClient | None = None) -> None:
        self.client = client or stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, max_network_retries=self.NETWORK_RETRIES
        )

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        try:
            return self._checkout_create(request)
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error

    def _checkout_create(self, request: CheckoutRequest) -> Checkout:
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": request.amount_cents,
                            "product_data": {"name": request.description},
                        },
                    }
                ],
                "payment_intent_data": {"metadata": request.metadata},
                "metadata": request.metadata,
                "client_reference_id": request.metadata.get("attempt", ""),
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
                "expires_at": int(time.time()) + 24 * 3600,
                **({"customer_email": request.customer_email} if request.customer_email else {}),
            },
            options={"stripe_account": request.account, "idempotency_key": request.idempotency_key},
        )
        return Checkout(session_id=session.id, url=str(session.url))

    def onboarding_start(
        self, *, account: str, slug: str, email: str, return_url: str, refresh_url: str
    ) -> Onboarding:
        if not account:
            created = self.client.v1.accounts.create(
                params={"type": "standard", "country": "FR", "email": email},
                options={"idempotency_key": f"onboarding:{slug}"},
            )
            account = created.id
        # No key of ours here, on purpose: an account link creates nothing that could be
        # duplicated (a single-use sign-up address valid a few minutes), and a key reused
        # within Stripe's 24 h would hand back a link already used or expired. The SDK still
        # gives each call its own key for its network retries (docs/payments.md).
        link = self.client.v1.account_links.create(
            params={
                "account": account,
                "type": "account_onboarding",
                "return_url": return_url,
                "refresh_url": refresh_url,
            }
        )
        return Onboarding(account=account, url=link.url)

    def webhook_secret(self) -> str:
        return str(settings.STRIPE_WEBHOOK_SECRET)

    def payments_list(
        self, *, account: str, start: datetime.datetime, end: datetime.datetime
    ) -> list[ProviderPayment]:
        intents = self.client.v1.payment_intents.list(
            params={
                "created": {"gte": int(start.timestamp()), "lt": int(end.timestamp())},
                "limit": 100,
            },
            options={"stripe_account": account},
        )
        return [
            ProviderPayment(
                reference=intent.id,
                amount_cents=int(intent.amount_received),
                created=datetime.datetime.fromtimestamp(intent.created, tz=datetime.UTC),
            )
            for intent in intents.auto_paging_iter()
            if intent.status == "succeeded"
        ]

    def payment_fee_cents(self, *, account: str, reference: str, amount_cents: int) -> int:
        """The fee Stripe kept on the payment (its charge's balance transaction), re-fetched
        from Stripe rather than trusted from an event."""
        intent = self.client.v1.payment_intents.retrieve(
            reference,
            params={"expand": ["latest_charge.balance_transaction"]},
            options={"stripe_account": account},
        )
        charge: Any = intent.latest_charge
        if charge is None or isinstance(charge, str) or charge.balance_transaction is None:
            return 0
        return int(charge.balance_transaction.fee)


class DummyProvider:
    """Offline: the checkout page is ours (`simulation_url`), the account is fictitious."""

    name = DUMMY

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        return Checkout(session_id=f"cs_dummy_{uuid.uuid4().hex}", url=request.simulation_url)

    def onboarding_start(
        self, *, account: str, slug: str, email: str, return_url: str, refresh_url: str
    ) -> Onboarding:
        return Onboarding(account=account or f"acct_dummy_{slug}", url=return_url)

    def webhook_secret(self) -> str:
        return str(settings.DUMMY_WEBHOOK_SECRET)

    def payments_list(
        self, *, account: str, start: datetime.datetime, end: datetime.datetime
    ) -> list[ProviderPayment]:
        """What the dummy provider told: the payment events it signed (kept by the network's
        webhook; looked up by model name, the kernel imports no domain app)."""
        events = apps.get_model("payments", "PaymentEvent").objects.filter(
            provider=DUMMY,
            account=account,
            event_type="payment_intent.succeeded",
            received_at__gte=start,
            received_at__lt=end,
        )
        return [
            ProviderPayment(
                reference=str(event.payload["data"]["object"]["id"]),
                amount_cents=int(event.payload["data"]["object"]["amount_received"]),
                created=event.received_at,
            )
            for event in events
        ]

    def payment_fee_cents(self, *, account: str, reference: str, amount_cents: int) -> int:
        """Stripe's standard European card fee (1.5 % + 0.25 €), so the books look real."""
        return int((Decimal(amount_cents) * Decimal("0.015")).to_integral_value()) + 25


def payment_provider(name: str | None = None) -> PaymentProvider:
    """The provider named (default: the configured one)."""
    if (name or settings.PAYMENT_PROVIDER) == STRIPE:
        return StripeProvider()
    return DummyProvider()
