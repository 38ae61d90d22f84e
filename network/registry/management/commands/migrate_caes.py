"""`manage.py migrate_caes`: `migrate_schemas` that skips the CAE schemas already up to date.

With nothing to apply, django-tenants' `migrate_schemas` still runs a full `migrate` in every
schema (published reports: 900 tenants ≈ 12 minutes). This command first asks, in one query,
which schemas miss one of the tenant apps' latest migrations, then migrates the public schema and
only those (same options as `migrate_schemas`, e.g. `--executor=multiprocessing`). With an
app label, a target migration, `--schema`, `--shared` or `--tenant`, it does exactly what
`migrate_schemas` does.

It then takes the snapshot new CAE schemas are created from (network/registry/template.py), so
that the first CAE provisioned after a deploy does not wait for it.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_exists

from network.registry.backups import BackupError
from network.registry.migrating import schemas_behind
from network.registry.template import template_snapshot_take


class Command(MigrateSchemasCommand):
    help = (
        "Applique les migrations au schéma public et aux seuls schémas de CAE en retard "
        "(une requête pour tous) ; mêmes options que migrate_schemas."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        targeted = any(
            options.get(name)
            for name in ("app_label", "migration_name", "schema_name", "shared", "tenant")
        )
        if targeted or options.get("plan") or options.get("check_unapplied"):
            super().handle(*args, **options)
            return
        started = time.perf_counter()
        options = {**options, "shared": False, "tenant": False}
        super(MigrateSchemasCommand, self).handle(*args, **options)  # SyncCommon: options only
        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        public = get_public_schema_name()
        executor.run_migrations(tenants=[public])
        schemas = list(
            get_tenant_model()
            .objects.exclude(schema_name=public)
            .order_by("pk")
            .values_list("schema_name", flat=True)
        )
        behind = schemas_behind(schemas)
        if behind:
            executor.run_migrations(tenants=behind)
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        try:
            if schema_exists(settings.TENANT_BASE_SCHEMA):
                template_snapshot_take()
        except BackupError as error:  # provisioning will clone the slow way
            self.stderr.write(f"Instantané du schéma modèle impossible : {error}")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{len(schemas) - len(behind)} schémas de CAE déjà à jour, {len(behind)} migrés "
            f"({elapsed:.1f} s)."
        )
