"""The Celery app: every message carries the schema it was sent from (tenant-schemas-celery)."""

from __future__ import annotations

import os

from kombu.transport import TRANSPORT_ALIASES
from tenant_schemas_celery.app import CeleryApp

# The embedded broker's URL (`filesystem://`) names our transport: kombu's, each message
# written whole before a worker can take it. The URL decides, whatever settings set it.
TRANSPORT_ALIASES["filesystem"] = "coopilote.tasking.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopilote.settings.local")

app = CeleryApp("coopilote", task_cls="coopilote.tasking.base:CoopiloteTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
