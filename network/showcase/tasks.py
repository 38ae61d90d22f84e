"""Directory tasks: they run in the public schema, sent by a CAE's side by name."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from coopilote.tasking.base import NetworkTask
from network.showcase.services import directory_entry_apply

DIRECTORY_TASK = "showcase.directory_update"


@shared_task(
    name=DIRECTORY_TASK,
    base=NetworkTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def directory_update_task(*, cae_schema: str, cohort_id: int, entry: dict[str, Any] | None) -> None:
    """Apply a CAE's published (or hidden) cohort page to the national directory."""
    directory_entry_apply(schema_name=cae_schema, cohort_id=cohort_id, entry=entry)
