"""Commerce tasks: they run in the CAE's schema they were sent from."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import CoopiloteTask
from tenants.commerce.models import Quote
from tenants.commerce.services import quote_email_send


@shared_task(
    name="commerce.quote_email",
    base=CoopiloteTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def quote_email_task(quote_id: int, token: str) -> None:
    """Email the client a sent quote, its PDF and the single-use answer link."""
    quote = Quote.objects.get(pk=quote_id)
    quote_email_send(quote=quote, token=token)
