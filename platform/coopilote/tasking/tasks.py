"""Operational tasks of the kernel."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import NetworkTask
from coopilote.tasking.services import outbox_relay, outbox_relay_everywhere, task_run_record


@shared_task(name="tasking.worker_probe", bind=True, max_retries=3)
def worker_probe(self: object, *, key: str) -> None:
    """Prove a worker runs tasks in the right CAE: records `key` in the schema it ran in."""
    task_run_record(key=key, task_name="tasking.worker_probe")


@shared_task(name="tasking.outbox_relay", base=NetworkTask)
def outbox_relay_task() -> int:
    """Sweep the outbox of the schema the task runs in (public without a header, a CAE's when
    sent with its header, e.g. through `registry.tenant_fanout`); return how many were sent."""
    return outbox_relay().sent


@shared_task(name="tasking.outbox_relay_all", base=NetworkTask)
def outbox_relay_all_task() -> int:
    """Every minute (Celery beat): sweep the outbox of public and of every CAE schema, in one
    task rather than one message per CAE; return how many were sent."""
    return sum(sweep.sent for sweep in outbox_relay_everywhere())
