"""Billing tasks: adapters that load by id and call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import CoopiloteTask
from tenants.billing.models import InvoiceDispatch
from tenants.billing.services import invoice_dispatch_deliver


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
