"""The Celery app: every message carries the schema it was sent from (tenant-schemas-celery)."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopilote.settings.local")

app = CeleryApp("coopilote", task_cls="coopilote.tasking.base:CoopiloteTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
