"""Governance tasks: adapters that call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import CoopiloteTask
from tenants.governance.services import proposals_close_due


@shared_task(name="governance.proposals_close_due", base=CoopiloteTask)
def proposals_close_due_task() -> int:
    """Every few minutes (Celery beat, through registry.tenant_fanout): close the votes of this
    CAE whose closing time has passed and log their decisions. A vote closed meanwhile by
    someone else is skipped, so two runs never close a vote twice."""
    return len(proposals_close_due())
