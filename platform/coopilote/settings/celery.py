"""Celery: a real worker on a real broker; the embedded default needs no server."""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab

from coopilote.settings.environment import DATA_DIR, env

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")


def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """kombu's `filesystem://` transport: a real broker with no server, in `folder`."""
    for name in ("queue", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "broker")
else:
    # Above the longest task or ETA, or Redis hands the message to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 500
CELERY_TASK_TENANT_CACHE_SECONDS = 30
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Paris"
# Every periodic task, in one place. Tenant work goes through `registry.tenant_fanout`, which
# sends it to each active CAE's schema.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "overdue-invoice-reminders": {
        "task": "registry.tenant_fanout",
        "schedule": crontab(hour=9, minute=0),
        "kwargs": {"task_name": "billing.invoice_reminders"},
    },
    # Votes close at their closing time without anyone clicking (5 minutes late at most).
    "close-due-votes": {
        "task": "registry.tenant_fanout",
        "schedule": crontab(minute="*/5"),
        "kwargs": {"task_name": "governance.proposals_close_due"},
    },
    # The outbox sweep: one task walks public and every CAE schema (cheaper than a message per
    # CAE); a sweep not started within the minute is dropped, the next one does its work.
    "outbox-relay": {
        "task": "tasking.outbox_relay_all",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The national figures follow each change through the outbox; every night they are also
    # recomputed from every CAE's schema, which catches anything the incremental path missed.
    "indicators-rebuild": {
        "task": "indicators.rebuild",
        "schedule": crontab(hour=3, minute=30),
    },
    # RGPD: members whose last cohort ended longer ago than the CAE's retention period are
    # anonymised (docs/personal-data.md).
    "personal-data-retention": {
        "task": "registry.tenant_fanout",
        "schedule": crontab(hour=2, minute=15),
        "kwargs": {"task_name": "people.retention_purge"},
    },
}
