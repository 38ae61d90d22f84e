"""Billing tasks: adapters that load by id and call a service, safe to run twice."""

from __future__ import annotations

from typing import Any

import stripe
from celery import shared_task
from django.db import OperationalError

from coopilote.tasking.base import CoopiloteTask
from tenants.billing.models import InvoiceDispatch
from tenants.billing.services import (
    PaymentNotYetKnownError,
    invoice_dispatch_deliver,
    invoice_reminders_send,
    payment_event_apply,
)


@shared_task(
    name="billing.invoice_email",
    base=CoopiloteTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def invoice_email_task(*, dispatch_id: int) -> None:
    """Email an issued invoice to its client (once, even if the task is delivered twice)."""
    dispatch = InvoiceDispatch.objects.select_related("invoice__cohort").get(pk=dispatch_id)
    invoice_dispatch_deliver(dispatch=dispatch)


@shared_task(
    name="billing.payment_event_apply",
    base=CoopiloteTask,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    autoretry_for=(PaymentNotYetKnownError, OperationalError, stripe.APIConnectionError),
    retry_backoff=5,
    retry_jitter=True,
)
def payment_event_apply_task(*, event: dict[str, Any]) -> None:
    """Apply a provider event (stored once and verified by the network's webhook) in this CAE.
    An event about a payment not recorded yet is retried: it arrived before its payment."""
    payment_event_apply(event=event)


@shared_task(name="billing.invoice_reminders", base=CoopiloteTask)
def invoice_reminders_task() -> int:
    """Daily (Celery beat, through registry.tenant_fanout): remind clients of overdue invoices."""
    return len(invoice_reminders_send())
