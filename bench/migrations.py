"""Deploy migrations with nothing to apply, over every CAE schema of the scratch database (the
dashboard benchmark's CAEs): django-tenants' `migrate_schemas`, serial and with its
multiprocessing executor, against `migrate_caes`, which asks in one query which schemas are
behind and migrates only those."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection

from network.registry.models import Cae


def _seconds(*args: str) -> float:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    started = time.perf_counter()
    call_command(*args, interactive=False, verbosity=0, stdout=StringIO())
    return time.perf_counter() - started


def run() -> dict[str, Any]:
    schemas = Cae.objects.exclude(schema_name="public").count()
    fast = _seconds("migrate_caes")
    serial = _seconds("migrate_schemas")
    parallel = _seconds("migrate_schemas", "--executor=multiprocessing")
    return {
        "schemas": schemas,
        "migrate_caes_seconds": round(fast, 2),
        "migrate_schemas_serial_seconds": round(serial, 1),
        "migrate_schemas_multiprocessing_seconds": round(parallel, 1),
        "speedup_vs_serial": round(serial / fast),
    }
