"""People tasks: adapters that call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import CoopiloteTask
from tenants.people.privacy import retention_purge


@shared_task(name="people.retention_purge", base=CoopiloteTask)
def retention_purge_task() -> int:
    """Every night (Celery beat, through registry.tenant_fanout): anonymise this CAE's members
    whose last cohort ended longer ago than its retention period. Erased members are skipped,
    so a second run erases nobody twice."""
    return retention_purge()
