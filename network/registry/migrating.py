"""Which CAE schemas lack migrations: one query for all of them, so that a deploy with nothing to
apply costs about one query instead of one `migrate` per schema (docs/deployment.md)."""

from __future__ import annotations

from collections.abc import Sequence

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from psycopg import sql


def tenant_migration_leaves() -> list[tuple[str, str]]:
    """The latest migration of each tenant app, as the code has them (a leaf applied means all
    of its app's earlier migrations are, since Django applies them in order)."""
    labels = {
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(node for node in loader.graph.leaf_nodes() if node[0] in labels)


def schemas_behind(schema_names: Sequence[str]) -> list[str]:
    """The schemas, among those given, that miss one of the tenant apps' latest migrations."""
    if not schema_names:
        return []
    leaves = tenant_migration_leaves()
    union = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {label} AS schema_name, app, name FROM {table}").format(
            label=sql.Literal(schema), table=sql.Identifier(schema, "django_migrations")
        )
        for schema in schema_names
    )
    query = sql.SQL(
        "SELECT schema_name FROM ({union}) AS applied "
        "WHERE (app, name) IN (SELECT * FROM unnest({apps}::text[], {names}::text[])) "
        "GROUP BY schema_name HAVING count(DISTINCT (app, name)) = {count}"
    ).format(
        union=union,
        apps=sql.Literal([app for app, _name in leaves]),
        names=sql.Literal([name for _app, name in leaves]),
        count=sql.Literal(len(leaves)),
    )
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection))
        up_to_date = {row[0] for row in cursor.fetchall()}
    return [schema for schema in schema_names if schema not in up_to_date]
