"""New CAE schemas from a SQL snapshot of the template schema.

django-tenants' `clone_schema()` rebuilds the template object by object from PostgreSQL's
catalogue, and several of its catalogue queries scan every table of every schema: measured
0.44 s per CAE in an almost empty database but 2.2 s once 500 CAEs exist (`make bench`). The
snapshot is the template's own `pg_dump` (tables, indexes, constraints, sequences, triggers,
functions and its rows: the migration records), taken once per state of the template's
migrations and kept in the public schema for every machine; creating a schema replays it with
the new schema's name, in the caller's transaction, whatever the number of schemas.

`migrate_caes` takes the snapshot after each deploy; a provisioning that finds none for the
current state takes it then. Without `pg_dump` the schema is cloned the slow way (logged).
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from network.registry.backups import BackupError, Target
from network.registry.models import TemplateSnapshot

logger = logging.getLogger(__name__)

# pg_dump's session settings: replayed as SET LOCAL so that none outlives the transaction.
_SETTING = re.compile(r"^SET (\w+) = (.*);$")
_SEARCH_PATH = "SELECT pg_catalog.set_config('search_path', '', false);"
_DOLLAR_QUOTE = re.compile(r"\$[A-Za-z_]*\$")


def template_state() -> str:
    """What identifies the template's structure: a digest of its applied migrations."""
    with connection.cursor() as cursor:
        template = settings.TENANT_BASE_SCHEMA
        cursor.execute(
            "SELECT string_agg(app || '.' || name, ',' ORDER BY app, name) "  # noqa: S608 - a setting
            f'FROM "{template}".django_migrations'
        )
        (applied,) = cursor.fetchone()
    return hashlib.sha256((applied or "").encode()).hexdigest()


def template_snapshot_take() -> TemplateSnapshot:
    """The snapshot of the template's current state, dumped now if there is none yet; older
    ones are deleted. Raises BackupError without pg_dump."""
    state = template_state()
    snapshot = TemplateSnapshot.objects.filter(state=state).first()
    if snapshot is not None:
        return snapshot
    sql = replayable(_dump())
    try:
        with transaction.atomic():
            snapshot = TemplateSnapshot.objects.create(state=state, sql=sql)
    except IntegrityError:  # another worker took it meanwhile
        return TemplateSnapshot.objects.get(state=state)
    TemplateSnapshot.objects.exclude(state=state).delete()
    return snapshot


def _dump() -> str:
    target = Target.configured()
    output = target.run(
        "pg_dump",
        f"--schema={settings.TENANT_BASE_SCHEMA}",
        "--inserts",
        "--no-owner",
        "--no-privileges",
        target.dbname,
    )
    return output.decode()


def replayable(dump: str) -> str:
    """pg_dump's output made safe to run inside a transaction of the application's: without
    psql's meta-commands, its session settings made local to the transaction (function bodies
    are left as they are)."""
    lines = []
    in_body = False
    for line in dump.splitlines():
        if not in_body:
            if line.startswith("\\"):
                continue
            if line == _SEARCH_PATH:
                line = "SET LOCAL search_path = '';"
            elif match := _SETTING.match(line):
                line = f"SET LOCAL {match[1]} = {match[2]};"
        if len(_DOLLAR_QUOTE.findall(line)) % 2:
            in_body = not in_body
        lines.append(line)
    return "\n".join(lines) + "\n"


def schema_create_from_template(schema_name: str) -> bool:
    """Create `schema_name` as a copy of the template by replaying its snapshot, in the current
    transaction; False (nothing done) when no snapshot can be taken (no pg_dump)."""
    try:
        snapshot = template_snapshot_take()
    except BackupError as error:
        logger.warning("template snapshot unavailable (%s): cloning the slow way", error)
        return False
    template = re.escape(settings.TENANT_BASE_SCHEMA)
    sql = re.sub(rf"(?<![\w$]){template}(?![\w$])", schema_name, snapshot.sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        (search_path,) = cursor.fetchone()
        cursor.execute(sql)
        # The dump emptied the search path for the transaction: the application's comes back.
        cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
    return True
