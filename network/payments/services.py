"""The platform's payment webhook: verify, store each event once, hand it to the CAE it is about.

The network never touches a CAE's invoices: it routes the event (by the connected account that
received the money) to a task that runs in that CAE's schema, registered by name so that the
network does not import tenant code.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from coopilote.payments import DUMMY, InvalidEventError, event_sign, event_verify, payment_provider
from coopilote.tasking.services import task_send_on_commit
from network.payments.models import PaymentEvent
from network.registry.models import Cae, SiteKind

APPLY_TASK = "billing.payment_event_apply"


@dataclass(frozen=True)
class Receipt:
    event: PaymentEvent
    duplicate: bool


def _ignored_because(event: dict[str, Any], cae: Cae | None) -> str:
    """Why a verified event must not change anything, if so."""
    if cae is None:
        return "no CAE has this payment account"
    metadata = event["data"].get("object", {}).get("metadata") or {}
    if metadata.get("schema") and metadata["schema"] != cae.schema_name:
        return "its metadata names another CAE than its account"
    live_keys = str(settings.STRIPE_SECRET_KEY).startswith("sk_live_")
    if event.get("livemode", False) != live_keys:
        return "live and test modes differ"
    return ""


@transaction.atomic
def webhook_receive(*, provider_name: str, payload: bytes, signature: str) -> Receipt:
    """Verify a webhook of `provider_name` and store its event once; the first delivery sends
    it to the CAE it is about, after commit. Raises InvalidEventError for a bad signature (and
    for a provider that is not the one in use)."""
    if provider_name != settings.PAYMENT_PROVIDER:
        raise InvalidEventError(f"provider {provider_name!r} is not in use")
    provider = payment_provider(provider_name)
    event = event_verify(payload=payload, signature=signature, secret=provider.webhook_secret())
    account = str(event.get("account") or "")
    cae = (
        Cae.objects.filter(payment_account=account, kind=SiteKind.CAE).first() if account else None
    )
    ignored = _ignored_because(event, cae)
    stored, created = PaymentEvent.objects.get_or_create(
        provider=provider_name,
        event_id=str(event["id"]),
        defaults={
            "event_type": str(event["type"]),
            "account": account,
            "schema_name": cae.schema_name if cae is not None else "",
            "payload": event,
            "ignored_because": ignored,
        },
    )
    if created and not ignored and cae is not None:
        task_send_on_commit(APPLY_TASK, schema_name=cae.schema_name, event=event)
    return Receipt(event=stored, duplicate=not created)


def dummy_payment_events(
    *, account: str, session_id: str, amount_cents: int, metadata: dict[str, str]
) -> list[tuple[bytes, str]]:
    """The events Stripe would send for a paid checkout, signed with the dummy secret, in the
    order Stripe does not promise either: the payment intent first, then the session."""
    if settings.PAYMENT_PROVIDER != DUMMY:
        raise InvalidEventError("the dummy provider is not in use")
    intent = f"pi_dummy_{uuid.uuid4().hex}"
    now = int(time.time())
    objects = [
        (
            "payment_intent.succeeded",
            {
                "id": intent,
                "object": "payment_intent",
                "amount_received": amount_cents,
                "metadata": metadata,
            },
        ),
        (
            "checkout.session.completed",
            {
                "id": session_id,
                "object": "checkout.session",
                "payment_status": "paid",
                "payment_intent": intent,
                "amount_total": amount_cents,
                "metadata": metadata,
            },
        ),
    ]
    secret = payment_provider(DUMMY).webhook_secret()
    events = []
    for event_type, data in objects:
        payload = json.dumps(
            {
                "id": f"evt_dummy_{uuid.uuid4().hex}",
                "object": "event",
                "type": event_type,
                "account": account,
                "created": now,
                "livemode": False,
                "data": {"object": data},
            }
        )
        events.append((payload.encode(), event_sign(payload=payload, secret=secret)))
    return events
