"""Public page tasks: they run in the CAE's schema they were sent from."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import CoopiloteTask
from tenants.showcase.services import quote_request_notify


@shared_task(
    name="showcase.quote_request_notify",
    base=CoopiloteTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def quote_request_notify_task(request_id: int) -> None:
    """Email the cohort's marketing committee and acknowledge the visitor (once)."""
    quote_request_notify(request_id=request_id)
