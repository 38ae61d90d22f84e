"""Enqueueing work for after the commit, in the schema where it was asked for."""

from __future__ import annotations

from typing import Any

from celery import Task, current_app
from django.db import transaction
from django.utils import timezone

from coopilote.tasking.base import MissingTenantError
from coopilote.tasking.models import TaskRun
from coopilote.tenancy import current_schema, in_public_schema


def task_enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits, stamped with the current schema.

    The schema is read now, not when the commit hook fires: by then an enclosing
    `tenant_context()` may have exited (tenant-schemas-celery reads it at send time).
    """
    schema_name = current_schema()
    if getattr(task, "tenant_scoped", True) and in_public_schema():
        raise MissingTenantError(f"Task {task.name} must be enqueued inside a CAE schema.")
    headers = {"_schema_name": schema_name}
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs, headers=headers))


def task_send(name: str, *, schema_name: str, **kwargs: Any) -> None:
    """Send the task registered as `name` to run in `schema_name` now: the network routes work
    to a CAE without importing the CAE's code."""
    current_app.send_task(name, kwargs=kwargs, headers={"_schema_name": schema_name})


def task_send_on_commit(name: str, *, schema_name: str, **kwargs: Any) -> None:
    """The same, once the current transaction commits."""
    transaction.on_commit(lambda: task_send(name, schema_name=schema_name, **kwargs))


@transaction.atomic
def task_run_record(*, key: str, task_name: str) -> tuple[TaskRun, bool]:
    """Record that the task identified by `key` ran here; return (run, created).

    Tasks are delivered at least once: a task that finds its key already recorded has nothing
    left to do.
    """
    return TaskRun.objects.get_or_create(
        key=key,
        defaults={
            "task_name": task_name,
            "schema_name": current_schema(),
            "finished_at": timezone.now(),
        },
    )
