"""Cohorts' tasks: they run in their CAE's schema."""

from __future__ import annotations

from celery import shared_task

from coopilote.facts import facts_compute, facts_store
from coopilote.tasking.base import CoopiloteTask
from coopilote.tasking.services import task_enqueue_on_commit
from coopilote.tenancy import current_schema


@shared_task(
    name="cohorts.facts_publish",
    base=CoopiloteTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def cohort_facts_publish_task(*, cohort_id: int) -> None:
    """Compute the cohort's facts now and store them in the national store (idempotent: the
    latest computation wins, whatever order the messages arrive in)."""
    facts_store(current_schema(), facts_compute([cohort_id]), complete=False)


def facts_publish_on_commit(*, cohort_id: int) -> None:
    """Send the cohort's facts to the national store once the current transaction commits:
    every service that changes what the indicators count calls this (docs/indicators.md)."""
    task_enqueue_on_commit(cohort_facts_publish_task, cohort_id=cohort_id)
