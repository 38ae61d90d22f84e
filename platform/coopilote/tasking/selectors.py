"""Reads of the kernel's task tables."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name

from coopilote.tasking.models import OutboxMessage


def outbox_schemas() -> list[str]:
    """Every schema holding an outbox table, public first: the network's and each CAE's,
    whatever the CAE's status (work committed before a suspension is still owed). The template
    of CAE schemas is left out: it stays empty to be cloned."""
    # The catalogue, not the registry of CAEs: the kernel does not import the network layer,
    # and only schemas that really have the table can be swept.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT namespace.nspname FROM pg_catalog.pg_class AS relation "
            "JOIN pg_catalog.pg_namespace AS namespace ON namespace.oid = relation.relnamespace "
            "WHERE relation.relname = %s AND relation.relkind IN ('r', 'p') "
            "AND namespace.nspname <> %s",
            [OutboxMessage._meta.db_table, settings.TENANT_BASE_SCHEMA],
        )
        names = [str(row[0]) for row in cursor.fetchall()]
    public = str(get_public_schema_name())
    return sorted(names, key=lambda name: (name != public, name))
