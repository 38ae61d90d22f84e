"""Enqueueing work for after the commit, through the outbox, in the schema where it was asked for.

Every task asked for inside a transaction is first written as an `OutboxMessage` row in that
same transaction: rolled back, nothing is sent; committed, the work is on disk before anything
talks to the broker. The row is relayed right after the commit and, if that fails (broker down,
process killed between the commit and the send), by the sweep that runs every minute. Delivery
is at least once: the Celery task id is the row's id and tasks stay idempotent.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError as BrokerOperationalError
from kombu.utils import json as kombu_json

from coopilote.tasking.base import MissingTenantError
from coopilote.tasking.models import OutboxMessage, TaskRun
from coopilote.tasking.selectors import outbox_schemas
from coopilote.tenancy import current_schema, in_public_schema

logger = logging.getLogger(__name__)

# The broker cannot be reached: not the message's fault, so it is retried at the next sweep and
# the sweep stops there instead of trying every other message against a dead broker.
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerOperationalError, OSError)
# Celery retries a publish before giving up; keep that short, the sweep retries a minute later.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# A message that failed for its own reasons waits 30 s, 1 min, 2 min… up to an hour.
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# After this many failed attempts a message stays pending but is flagged: logged as an error on
# each new failure and counted by `manage.py outbox_relay`, which then exits with status 1.
ATTEMPTS_FLAGGED = 8
# Sent rows (their payload already emptied) are kept this long for investigations, then purged.
SENT_RETENTION = timedelta(days=7)
SWEEP_BATCH_SIZE = 100
SWEEP_LIMIT = 5000
LAST_ERROR_LENGTH = 300


def task_enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits, stamped with the current schema.

    The schema is read now, not when the commit hook fires: by then an enclosing
    `tenant_context()` may have exited (tenant-schemas-celery reads it at send time).
    """
    if getattr(task, "tenant_scoped", True) and in_public_schema():
        raise MissingTenantError(f"Task {task.name} must be enqueued inside a CAE schema.")
    outbox_message_write(
        task_name=str(task.name), args=args, kwargs=kwargs, schema_name=current_schema()
    )


def task_send(name: str, *, schema_name: str, **kwargs: Any) -> None:
    """Send the task registered as `name` to run in `schema_name` now: the network routes work
    to a CAE without importing the CAE's code."""
    current_app.send_task(name, kwargs=kwargs, headers={"_schema_name": schema_name})


def task_send_on_commit(name: str, *, schema_name: str, **kwargs: Any) -> None:
    """The same, once the current transaction commits (through the outbox of the schema the
    transaction works in, e.g. public for the payment webhook)."""
    outbox_message_write(task_name=name, args=(), kwargs=kwargs, schema_name=schema_name)


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


# --- The outbox ----------------------------------------------------------------------------


def outbox_message_write(
    *, task_name: str, args: Sequence[Any], kwargs: dict[str, Any], schema_name: str
) -> OutboxMessage:
    """Write a task to send into the current schema's outbox, in the current transaction, and
    relay it right after the commit (at once when no transaction is open).

    `schema_name` is the schema the task will run in (its `_schema_name` header).
    """
    # kombu's JSON keeps dates, decimals and UUIDs as they would have travelled; a payload that
    # cannot be sent fails here, inside the transaction, rather than after the commit.
    payload = json.loads(kombu_json.dumps({"args": list(args), "kwargs": kwargs}))
    message = OutboxMessage.objects.create(
        task_name=task_name,
        args=payload["args"],
        kwargs=payload["kwargs"],
        schema_name=schema_name,
    )
    message_id, row_schema = message.pk, current_schema()
    transaction.on_commit(lambda: _relay_after_commit(message_id=message_id, schema=row_schema))
    return message


def _relay_after_commit(*, message_id: uuid.UUID, schema: str) -> None:
    # The change is committed whatever happens here: a failure only leaves the row pending for
    # the sweep, it must never fail the request that asked for the work.
    try:
        with schema_context(schema):
            outbox_message_relay(message_id=message_id)
    except Exception:
        logger.warning(
            "outbox message %s (schema %s) not relayed after commit; the sweep will retry it",
            message_id,
            schema,
            exc_info=True,
        )


def outbox_message_relay(*, message_id: uuid.UUID) -> bool:
    """Send one pending message of the current schema now; return whether this call sent it
    (False when it was already sent, is being sent by another relay, or the send failed)."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.pending()
            .select_for_update(skip_locked=True)
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return False
        return _publish(message) is None


@dataclass(frozen=True)
class OutboxSweep:
    """What one sweep of a schema's outbox did."""

    schema_name: str
    sent: int
    failed: int
    pending: int
    flagged: int
    purged: int
    broker_unreachable: bool


def outbox_relay(*, batch_size: int = SWEEP_BATCH_SIZE, limit: int = SWEEP_LIMIT) -> OutboxSweep:
    """Send the current schema's due messages, oldest first, and purge those sent long ago.

    Each batch is claimed with `SELECT … FOR UPDATE SKIP LOCKED` and marked sent before its
    transaction commits, so concurrent relays (the commit hook, two sweeps) never send a message
    twice. The sweep stops at the first message the broker refuses.
    """
    sent = failed = 0
    broker_unreachable = False
    while sent + failed < limit and not broker_unreachable:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.due(now=timezone.now()).select_for_update(skip_locked=True)[
                    : min(batch_size, limit - sent - failed)
                ]
            )
            for message in batch:
                error = _publish(message)
                if error is None:
                    sent += 1
                    continue
                failed += 1
                if isinstance(error, BROKER_ERRORS):
                    broker_unreachable = True
                    break
        if len(batch) < batch_size:
            break
    purged, _by_model = OutboxMessage.objects.filter(
        sent_at__lt=timezone.now() - SENT_RETENTION
    ).delete()
    counts = OutboxMessage.objects.pending().aggregate(
        pending=Count("pk"), flagged=Count("pk", filter=Q(attempts__gte=ATTEMPTS_FLAGGED))
    )
    if counts["flagged"]:
        logger.error(
            "outbox of schema %s: %d message(s) still pending after %d failed attempts",
            current_schema(),
            counts["flagged"],
            ATTEMPTS_FLAGGED,
        )
    return OutboxSweep(
        schema_name=current_schema(),
        sent=sent,
        failed=failed,
        pending=counts["pending"],
        flagged=counts["flagged"],
        purged=purged,
        broker_unreachable=broker_unreachable,
    )


def outbox_relay_everywhere(*, schema_names: Sequence[str] | None = None) -> list[OutboxSweep]:
    """Sweep the outbox of every schema that has one (public first), or of `schema_names`.

    One walk costs about a millisecond per schema when there is nothing to send, far less than
    a message per CAE through the broker. It stops when the broker is unreachable: the other
    schemas' messages would fail the same way, each after its own publish retries.
    """
    sweeps: list[OutboxSweep] = []
    for schema_name in outbox_schemas() if schema_names is None else schema_names:
        try:
            with schema_context(schema_name):
                sweep = outbox_relay()
        except DatabaseError:
            logger.exception("outbox of schema %s could not be swept", schema_name)
            continue
        sweeps.append(sweep)
        if sweep.broker_unreachable:
            logger.warning("outbox sweep stopped at schema %s: broker unreachable", schema_name)
            break
    return sweeps


def _publish(message: OutboxMessage) -> BaseException | None:
    """Send a claimed (locked) message and mark it sent, emptying its payload; on failure,
    record the attempt and return the error. The caller holds the row lock."""
    payload = kombu_json.loads(json.dumps({"args": message.args, "kwargs": message.kwargs}))
    options: dict[str, Any] = {
        "args": payload["args"],
        "kwargs": payload["kwargs"],
        "headers": {"_schema_name": message.schema_name},
        "task_id": str(message.pk),
        "retry_policy": PUBLISH_RETRY_POLICY,
    }
    try:
        # The registered task's own apply_async (its routing options, and what tests patch);
        # a task this process does not know goes by name.
        task = current_app.tasks.get(message.task_name)
        if task is not None:
            task.apply_async(**options)
        else:
            current_app.send_task(message.task_name, **options)
    except DatabaseError:
        raise
    except Exception as error:
        _failure_record(message, error=error)
        return error
    message.sent_at = timezone.now()
    message.args, message.kwargs = [], {}
    message.save(update_fields=["sent_at", "args", "kwargs"])
    return None


def _failure_record(message: OutboxMessage, *, error: BaseException) -> None:
    now = timezone.now()
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:LAST_ERROR_LENGTH]
    if isinstance(error, BROKER_ERRORS):
        # To the back of the queue, due again at the next sweep: the broker failed, not it.
        message.available_at = now
    else:
        message.available_at = now + outbox_backoff(attempts=message.attempts)
    message.save(update_fields=["attempts", "last_error", "available_at"])
    level = logging.ERROR if message.attempts >= ATTEMPTS_FLAGGED else logging.WARNING
    logger.log(
        level,
        "outbox message %s (%s, schema %s) not sent, attempt %d: %s",
        message.pk,
        message.task_name,
        message.schema_name,
        message.attempts,
        message.last_error,
    )


def outbox_backoff(*, attempts: int) -> timedelta:
    """How long a message that failed `attempts` times for its own reasons waits."""
    return min(BACKOFF_FIRST * (1 << min(max(attempts - 1, 0), 16)), BACKOFF_MAX)
