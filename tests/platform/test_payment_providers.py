"""The Stripe provider through the real `stripe` SDK, its HTTP client replaced by recorded
responses: what it sends (connected account, idempotency key, amounts) and what it reads back."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import pytest
import stripe

from coopilote.payments import (
    CheckoutRequest,
    InvalidEventError,
    StripeProvider,
    event_sign,
    event_verify,
)

SESSION = {
    "id": "cs_test_a1B2c3",
    "object": "checkout.session",
    "amount_total": 4550,
    "currency": "eur",
    "mode": "payment",
    "payment_status": "unpaid",
    "status": "open",
    "url": "https://checkout.stripe.com/c/pay/cs_test_a1B2c3",
}
ACCOUNT = {"id": "acct_1Test", "object": "account", "type": "standard", "country": "FR"}
ACCOUNT_LINK = {
    "object": "account_link",
    "created": 1790000000,
    "expires_at": 1790000300,
    "url": "https://connect.stripe.com/setup/s/acct_1Test/abc",
}


class RecordedHttpClient(stripe.HTTPClient):
    """Answers each call with the next recorded response and keeps what was sent."""

    name = "recorded"

    def __init__(self, *responses: dict[str, Any]) -> None:
        super().__init__()
        self.responses = list(responses)
        self.calls: list[dict[str, Any]] = []

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        self.calls.append(
            {
                "method": method,
                "url": url,
                "headers": dict(headers or {}),
                "data": urllib.parse.parse_qs(post_data or ""),
            }
        )
        return json.dumps(self.responses.pop(0)), 200, {"request-id": "req_test"}


def _provider(*responses: dict[str, Any]) -> tuple[StripeProvider, RecordedHttpClient]:
    http = RecordedHttpClient(*responses)
    return StripeProvider(stripe.StripeClient("sk_test_123", http_client=http)), http


def test_a_checkout_is_a_direct_charge_on_the_cae_account_with_our_idempotency_key() -> None:
    provider, http = _provider(SESSION)

    checkout = provider.checkout_create(
        CheckoutRequest(
            account="acct_1Cae",
            amount_cents=4550,
            description="Facture F2026-00012 — CAE Sitelle",
            idempotency_key="cae_sitelle:invoice:12:attempt:8d0f",
            success_url="https://sitelle.example.org/factures/consulter/x/?paiement=merci",
            cancel_url="https://sitelle.example.org/factures/consulter/x/",
            simulation_url="unused",
            metadata={"schema": "cae_sitelle", "invoice": "12", "attempt": "8d0f"},
        )
    )

    (call,) = http.calls
    assert (call["method"], call["url"]) == ("post", "https://api.stripe.com/v1/checkout/sessions")
    assert call["headers"]["Stripe-Account"] == "acct_1Cae"
    assert call["headers"]["Idempotency-Key"] == "cae_sitelle:invoice:12:attempt:8d0f"
    assert call["data"]["line_items[0][price_data][unit_amount]"] == ["4550"]
    assert call["data"]["line_items[0][price_data][currency]"] == ["eur"]
    assert call["data"]["metadata[schema]"] == ["cae_sitelle"]
    assert call["data"]["payment_intent_data[metadata][attempt]"] == ["8d0f"]
    assert (checkout.session_id, checkout.url) == (SESSION["id"], SESSION["url"])


def test_onboarding_creates_the_connected_account_once_then_links_to_it() -> None:
    provider, http = _provider(ACCOUNT, ACCOUNT_LINK)

    onboarding = provider.onboarding_start(
        account="",
        slug="sitelle",
        email="admin@sitelle.example.org",
        return_url="https://sitelle.example.org/parametres/paiement-en-ligne/",
        refresh_url="https://sitelle.example.org/parametres/paiement-en-ligne/",
    )

    create, link = http.calls
    assert create["url"].endswith("/v1/accounts")
    assert create["headers"]["Idempotency-Key"] == "onboarding:sitelle"
    assert link["data"]["account"] == ["acct_1Test"]
    assert link["data"]["type"] == ["account_onboarding"]
    assert (onboarding.account, onboarding.url) == ("acct_1Test", ACCOUNT_LINK["url"])


def test_signatures_are_checked_like_stripe_does() -> None:
    payload = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {}})
    good = event_sign(payload=payload, secret="whsec_test")

    assert event_verify(payload=payload.encode(), signature=good, secret="whsec_test")["id"] == (
        "evt_1"
    )
    with pytest.raises(InvalidEventError):
        event_verify(payload=payload.encode(), signature=good, secret="whsec_other")
    with pytest.raises(InvalidEventError):
        event_verify(payload=payload.encode() + b" ", signature=good, secret="whsec_test")
    with pytest.raises(InvalidEventError):
        event_verify(payload=b'{"id": "x"}', signature=good, secret="whsec_test")


def test_the_fee_is_read_back_from_the_payment_s_balance_transaction() -> None:
    intent = {
        "id": "pi_1Fee",
        "object": "payment_intent",
        "amount_received": 4550,
        "status": "succeeded",
        "latest_charge": {
            "id": "ch_1Fee",
            "object": "charge",
            "balance_transaction": {"id": "txn_1", "object": "balance_transaction", "fee": 93},
        },
    }
    provider, http = _provider(intent)

    fee = provider.payment_fee_cents(account="acct_1Cae", reference="pi_1Fee", amount_cents=4550)

    (call,) = http.calls
    assert call["method"] == "get"
    assert "/v1/payment_intents/pi_1Fee" in call["url"]
    assert "expand[0]=latest_charge.balance_transaction" in call["url"]
    assert call["headers"]["Stripe-Account"] == "acct_1Cae"
    assert fee == 93
