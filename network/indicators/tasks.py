"""The national store's periodic reconcile: it runs in the public schema."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import NetworkTask
from network.indicators.services import facts_rebuild


@shared_task(name="indicators.rebuild", base=NetworkTask)
def indicators_rebuild_task() -> int:
    """Recompute every cohort's facts (nightly): catches anything the incremental path missed."""
    return facts_rebuild()
