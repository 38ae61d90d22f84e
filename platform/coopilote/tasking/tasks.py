"""Operational tasks of the kernel."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.services import task_run_record


@shared_task(name="tasking.worker_probe", bind=True, max_retries=3)
def worker_probe(self: object, *, key: str) -> None:
    """Prove a worker runs tasks in the right CAE: records `key` in the schema it ran in."""
    task_run_record(key=key, task_name="tasking.worker_probe")
