"""Deploy migrations over every CAE schema of the scratch database (the dashboard benchmark's
CAEs): django-tenants' `migrate_schemas`, serial and with its multiprocessing executor, against
`migrate_caes`, which asks in one query which schemas are behind and migrates only those; first
with nothing to apply, then with one new tenant migration (a real one: a table created in every
schema, from a copy of an app's migrations plus one; the scratch database is dropped after)."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import override_settings

from network.registry.models import Cae

APP = "trainings"  # a tenant app (tenants.trainings)
PACKAGE = "bench_new_migration"
NEW_MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("{app}", "{leaf}")]
    operations = [
        migrations.RunSQL(
            "CREATE TABLE trainings_bench_probe (id bigint PRIMARY KEY)",
            "DROP TABLE trainings_bench_probe",
        )
    ]
"""


def _seconds(*args: str) -> float:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    started = time.perf_counter()
    call_command(*args, interactive=False, verbosity=0, stdout=StringIO())
    return time.perf_counter() - started


@contextmanager
def _one_new_migration() -> Iterator[str]:
    """The app's migrations as the code has them, plus one, in a package of their own; yields
    the leaf to roll back to."""
    leaf = next(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == APP)
    folder = Path(tempfile.mkdtemp(prefix="bench-migrations-"))
    package = folder / PACKAGE
    source = Path(sys.modules["tenants.trainings"].__file__ or "").parent / "migrations"
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "9999_bench_probe.py").write_text(NEW_MIGRATION.format(app=APP, leaf=leaf))
    sys.path.insert(0, str(folder))
    try:
        with override_settings(MIGRATION_MODULES={APP: PACKAGE}):
            yield leaf
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]
        shutil.rmtree(folder)


def run() -> dict[str, Any]:
    schemas = Cae.objects.exclude(schema_name="public").count()
    fast = _seconds("migrate_caes")
    serial = _seconds("migrate_schemas")
    parallel = _seconds("migrate_schemas", "--executor=multiprocessing")
    with _one_new_migration() as leaf:
        new_fast = _seconds("migrate_caes", "--executor=multiprocessing")
        _seconds("migrate_schemas", "--tenant", "--executor=multiprocessing", APP, leaf)  # undone
        new_parallel = _seconds("migrate_schemas", "--executor=multiprocessing")
    return {
        "schemas": schemas,
        "migrate_caes_seconds": round(fast, 2),
        "migrate_schemas_serial_seconds": round(serial, 1),
        "migrate_schemas_multiprocessing_seconds": round(parallel, 1),
        "speedup_vs_serial": round(serial / fast),
        "one_new_migration": {
            "migrate_caes_multiprocessing_seconds": round(new_fast, 1),
            "migrate_schemas_multiprocessing_seconds": round(new_parallel, 1),
        },
    }
