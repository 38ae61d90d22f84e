"""New CAE schemas are replayed from the template's snapshot (network/registry/template.py):
the same schema as the template, in the caller's transaction, with no setting left behind.
(Each test's transaction is rolled back: the schemas created here go with it.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import schema_context, schema_exists

from network.registry.backups import BackupError, Target
from network.registry.fictional import fictional_identity
from network.registry.models import Cae, SiteStatus, TemplateSnapshot
from network.registry.services import cae_provision, normalised_identity, schema_name_for
from network.registry.template import replayable, template_snapshot_take, template_state
from tenants.cohorts.models import Cohort

pytestmark = pytest.mark.django_db


def _new_cae(slug: str, number: int) -> Cae:
    cae: Cae = Cae.objects.create(
        name=slug,
        slug=slug,
        schema_name=schema_name_for(slug),
        status=SiteStatus.PROVISIONING,
        **normalised_identity(fictional_identity(number)),
    )
    return cae


_CATALOGUE = {
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
        FROM information_schema.columns WHERE table_schema = %(schema)s""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(schema)s",
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = %(schema)s::regnamespace""",
    "triggers": """
        SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = %(schema)s::regnamespace AND NOT tgisinternal""",
    "functions": """
        SELECT proname, prosrc FROM pg_proc WHERE pronamespace = %(schema)s::regnamespace""",
    "sequences": """
        SELECT sequence_name, data_type FROM information_schema.sequences
        WHERE sequence_schema = %(schema)s""",
}


def _normal(text: str, schema: str) -> str:
    """`text` with the template's schema name, and without what a second deparse changes in an
    expression (PostgreSQL re-reads CHECK and WHEN conditions replayed from a dump with the
    same meaning and other casts and parentheses: `ANY ((ARRAY['a'::character varying])
    ::text[])` comes back as `ANY (ARRAY[('a'::character varying)::text])`)."""
    text = re.sub(rf"\b{schema}\b", settings.TENANT_BASE_SCHEMA, text)
    return re.sub(r"::(text|character varying)(\[\])?|[()\s]", "", text)


def _structure(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """The schema's tables, columns, indexes, constraints, triggers, functions and sequences
    from PostgreSQL's catalogue (on this connection: the test's transaction is not committed),
    its name written as the template's."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = ''")  # every name qualified by its schema
        for part, query in _CATALOGUE.items():
            cursor.execute(query, {"schema": schema})
            found[part] = sorted(
                tuple(_normal(value, schema) if isinstance(value, str) else value for value in row)
                for row in cursor.fetchall()
            )
        cursor.execute("SELECT set_config('search_path', %s, true)", [f"{schema}, public"])
    return found


def _migrations(schema: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        query = f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name'  # noqa: S608
        cursor.execute(query)
        return list(cursor.fetchall())


def _search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return str(cursor.fetchone()[0])


def test_a_provisioned_schema_is_the_template_replayed(db: None, caplog: Any) -> None:
    # Given a CAE waiting for its schema
    cae = _new_cae("replayed", 301)
    # When it is provisioned
    cae = cae_provision(cae=cae)

    # Then it was replayed from the snapshot of the template's current state
    assert TemplateSnapshot.objects.filter(state=template_state()).exists()
    assert "slow way" not in caplog.text
    # And its schema has exactly the template's tables, indexes, constraints, sequences,
    # triggers and functions, and the template's migration records
    assert cae.status == SiteStatus.ACTIVE
    replayed, template = _structure(cae.schema_name), _structure(settings.TENANT_BASE_SCHEMA)
    for part in template:  # one part at a time: a failure names the rows that differ
        assert set(replayed[part]) ^ set(template[part]) == set(), part
    assert replayed == template  # the same number of each too
    assert len(template["columns"]) > 500
    assert template["triggers"]
    assert template["functions"]
    assert _migrations(cae.schema_name) == _migrations(settings.TENANT_BASE_SCHEMA)
    # And it works as a CAE's schema: rows go to it, not to the template
    with schema_context(cae.schema_name):
        Cohort.objects.create(
            name="Coopérative rejouée",
            programme="CJS",
            starts_on="2026-06-01",
            ends_on="2026-08-28",
        )
        assert Cohort.objects.count() == 1
    with schema_context(settings.TENANT_BASE_SCHEMA):
        assert not Cohort.objects.exists()
    # And the connection's search path is the application's again (no pg_dump setting
    # outlived the transaction)
    assert "cae_template" not in _search_path()
    assert _search_path() != '""'


def test_one_snapshot_per_template_state_taken_once(db: None) -> None:
    TemplateSnapshot.objects.all().delete()
    first = template_snapshot_take()
    assert template_snapshot_take().pk == first.pk
    assert first.state == template_state()
    assert TemplateSnapshot.objects.count() == 1

    # A migration applied to the template gives a new state: a new snapshot replaces the old
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{settings.TENANT_BASE_SCHEMA}".django_migrations (app, name, applied) '  # noqa: S608
            "VALUES ('cohorts', '9999_test_only', now())"
        )
    second = template_snapshot_take()
    assert second.state != first.state
    assert list(TemplateSnapshot.objects.values_list("pk", flat=True)) == [second.pk]


def test_a_failed_provisioning_leaves_no_schema(db: None) -> None:
    cae = _new_cae("rolled-back", 302)

    def provision_then_fail() -> None:
        with transaction.atomic():
            cae_provision(cae=cae)
            raise RuntimeError("after the schema, before the commit")

    with pytest.raises(RuntimeError):
        provision_then_fail()
    assert not schema_exists(cae.schema_name)
    cae.refresh_from_db()
    assert cae.status == SiteStatus.PROVISIONING


def test_without_pg_dump_the_schema_is_cloned_the_slow_way(
    db: None, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    TemplateSnapshot.objects.all().delete()

    def missing(*args: Any, **kwargs: Any) -> bytes:
        raise BackupError("pg_dump is not installed")

    monkeypatch.setattr(Target, "run", missing)
    cae = _new_cae("cloned", 303)
    cae = cae_provision(cae=cae)

    assert cae.status == SiteStatus.ACTIVE
    assert schema_exists(cae.schema_name)
    assert _migrations(cae.schema_name) == _migrations(settings.TENANT_BASE_SCHEMA)
    assert "cloning the slow way" in caplog.text


def test_session_settings_become_local_but_function_bodies_are_kept() -> None:
    dump = (
        "\\restrict abc\n"
        "SET statement_timeout = 0;\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\n"
        "CREATE FUNCTION cae_template.f() RETURNS trigger\n"
        "    LANGUAGE plpgsql\n"
        "    AS $$\n"
        "SET work_mem = 1;\n"
        "$$;\n"
        "SET default_tablespace = '';\n"
    )

    assert replayable(dump) == (
        "SET LOCAL statement_timeout = 0;\n"
        "SET LOCAL search_path = '';\n"
        "CREATE FUNCTION cae_template.f() RETURNS trigger\n"
        "    LANGUAGE plpgsql\n"
        "    AS $$\n"
        "SET work_mem = 1;\n"
        "$$;\n"
        "SET LOCAL default_tablespace = '';\n"
    )
