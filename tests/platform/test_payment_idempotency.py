"""Every outgoing Stripe call that could create something twice (a checkout, a connected account)
carries an idempotency key derived from our own rows, the same on every retry: the SDK's own
network retries and a retry of the whole operation alike. Stripe's HTTP client is replaced by
recorded responses (the real SDK builds the requests)."""

from __future__ import annotations

import datetime
import json
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
import stripe
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from coopilote.payments import CheckoutRequest, StripeProvider
from network.registry.models import Cae
from tenants.billing import services as billing_services
from tenants.billing.models import PaymentAttempt
from tenants.billing.services import payment_checkout_start
from tests.network.test_payments import _issued, connected_alpha  # noqa: F401  (a fixture)
from tests.platform.test_payment_providers import ACCOUNT, ACCOUNT_LINK, SESSION


class FlakyHttpClient(stripe.HTTPClient):
    """Fails the first `failures` calls as a lost connection would, then answers with the
    recorded responses; keeps the Idempotency-Key of every call it receives."""

    name = "flaky"

    def __init__(self, *responses: dict[str, Any], failures: int = 0) -> None:
        super().__init__()
        self.responses = list(responses)
        self.failures = failures
        self.calls: list[tuple[str, str, str | None]] = []
        self.on_call: Any = None

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        key = dict(headers or {}).get("Idempotency-Key")
        self.calls.append((method, urllib.parse.urlparse(url).path, key))
        if self.on_call is not None:
            self.on_call(key)
        if self.failures:
            self.failures -= 1
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                "connection reset", should_retry=True
            )
        return json.dumps(self.responses.pop(0)), 200, {"request-id": "req_test"}

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return 0.0  # no back-off in tests


def _provider(http: FlakyHttpClient) -> StripeProvider:
    client = stripe.StripeClient(
        "sk_test_123", http_client=http, max_network_retries=StripeProvider.NETWORK_RETRIES
    )
    return StripeProvider(client)


def _checkout_request(key: str) -> CheckoutRequest:
    return CheckoutRequest(
        account="acct_1Cae",
        amount_cents=4550,
        description="Facture F2026-00012",
        idempotency_key=key,
        success_url="https://alpha.example.org/merci",
        cancel_url="https://alpha.example.org/",
        simulation_url="unused",
        metadata={"schema": "cae_alpha", "invoice": "12", "attempt": "8d0f"},
    )


def test_the_default_client_retries_lost_calls() -> None:
    provider = StripeProvider()

    assert provider.client._requestor._options.max_network_retries == 2


def test_a_checkout_lost_on_the_network_is_retried_with_the_same_key() -> None:
    http = FlakyHttpClient(SESSION, failures=2)

    checkout = _provider(http).checkout_create(_checkout_request("cae_alpha:invoice:12:attempt:1"))

    assert [key for _method, _path, key in http.calls] == ["cae_alpha:invoice:12:attempt:1"] * 3
    assert checkout.session_id == SESSION["id"]


def test_a_checkout_asked_again_for_the_same_attempt_sends_the_same_key() -> None:
    http = FlakyHttpClient(SESSION, SESSION)
    provider = _provider(http)

    provider.checkout_create(_checkout_request("cae_alpha:invoice:12:attempt:1"))
    provider.checkout_create(_checkout_request("cae_alpha:invoice:12:attempt:1"))

    assert [key for _method, _path, key in http.calls] == ["cae_alpha:invoice:12:attempt:1"] * 2


def test_the_connected_account_is_created_under_a_key_of_the_cae_on_every_retry() -> None:
    http = FlakyHttpClient(ACCOUNT, ACCOUNT_LINK, ACCOUNT, ACCOUNT_LINK, failures=1)
    provider = _provider(http)
    arguments = {
        "account": "",
        "slug": "alpha",
        "email": "admin@alpha.example.org",
        "return_url": "https://alpha.example.org/parametres/paiement-en-ligne/",
        "refresh_url": "https://alpha.example.org/parametres/paiement-en-ligne/",
    }

    provider.onboarding_start(**arguments)
    provider.onboarding_start(**arguments)  # the admin clicks again before it was saved

    creations = [key for _method, path, key in http.calls if path == "/v1/accounts"]
    links = [key for _method, path, key in http.calls if path == "/v1/account_links"]
    assert creations == ["onboarding:alpha"] * 3  # lost once, retried, then asked again
    # Account links create nothing that could be duplicated; each gets the SDK's own key
    # (a reused one would return a link already used): see docs/payments.md.
    assert len(links) == 2
    assert all(links)
    assert len(set(links)) == 2


def test_no_other_stripe_call_writes_anything() -> None:
    """The provider's other calls are reads (GET), which Stripe never executes twice."""
    intent = {
        "id": "pi_1",
        "object": "payment_intent",
        "amount_received": 100,
        "latest_charge": None,
    }
    listing = {"object": "list", "data": [], "has_more": False, "url": "/v1/payment_intents"}
    http = FlakyHttpClient(intent, listing)
    provider = _provider(http)

    provider.payment_fee_cents(account="acct_1Cae", reference="pi_1", amount_cents=100)
    provider.payments_list(
        account="acct_1Cae",
        start=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),
        end=datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC),
    )

    assert [method for method, _path, _key in http.calls] == ["get", "get"]


def test_a_checkout_key_names_the_cae_the_invoice_and_the_attempt_stored_before_the_call(
    connected_alpha: Cae,  # noqa: F811
    person: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    invoice = _issued(connected_alpha, person)
    http = FlakyHttpClient(SESSION, failures=1)
    stored_at_call: list[bool] = []
    http.on_call = lambda key: stored_at_call.append(
        PaymentAttempt.objects.filter(idempotency_key=key).exists()
    )
    monkeypatch.setattr(billing_services, "payment_provider", lambda: _provider(http))

    with tenant_context(connected_alpha):
        attempt = payment_checkout_start(invoice=invoice, amount=Decimal("50"))

    expected = f"cae_alpha:invoice:{invoice.pk}:attempt:{attempt.public_id}"
    assert attempt.idempotency_key == expected
    assert [key for _method, _path, key in http.calls] == [expected, expected]
    assert stored_at_call == [True, True]
    assert attempt.session_id == SESSION["id"]
