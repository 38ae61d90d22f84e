"""The payment provider's webhook (national site): answers fast, the work runs in a task."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from coopilote.payments import InvalidEventError
from network.payments.services import webhook_receive

logger = logging.getLogger(__name__)


@csrf_exempt  # authenticated by the provider's signature instead
@require_POST
def payment_webhook(request: HttpRequest, provider: str) -> JsonResponse:
    """400 for a forged, stale or unsigned event (nothing stored); 200 otherwise, duplicates
    included, so the provider stops retrying."""
    try:
        receipt = webhook_receive(
            provider_name=provider,
            payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""),
        )
    except InvalidEventError as error:
        logger.warning("Payment webhook refused: %s", error)
        return JsonResponse({"error": "invalid signature or event"}, status=400)
    return JsonResponse({"received": True, "duplicate": receipt.duplicate})
