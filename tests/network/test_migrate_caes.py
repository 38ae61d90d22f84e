"""`migrate_caes`: one query finds the CAE schemas behind; the others are not migrated again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from network.registry.migrating import schemas_behind, tenant_migration_leaves
from network.registry.models import Cae, TemplateSnapshot
from network.registry.template import template_state

pytestmark = pytest.mark.django_db


def _schemas() -> list[str]:
    return list(Cae.objects.exclude(schema_name="public").values_list("schema_name", flat=True))


def test_every_schema_is_up_to_date_after_the_test_setup() -> None:
    schemas = _schemas()

    assert len(schemas) >= 3  # the template, alpha and beta
    assert schemas_behind(schemas) == []


def test_a_schema_missing_one_latest_migration_is_behind() -> None:
    app, name = tenant_migration_leaves()[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM cae_beta.django_migrations WHERE app = %s AND name = %s", [app, name]
        )

    assert schemas_behind(_schemas()) == ["cae_beta"]


def test_with_nothing_to_apply_no_cae_schema_is_migrated_again() -> None:
    TemplateSnapshot.objects.all().delete()
    output = StringIO()

    call_command("migrate_caes", interactive=False, verbosity=0, stdout=output)

    schemas = len(_schemas())
    assert f"{schemas} schémas de CAE déjà à jour, 0 migrés" in output.getvalue()
    # And the snapshot new CAEs are replayed from is taken for the deployed state
    assert list(TemplateSnapshot.objects.values_list("state", flat=True)) == [template_state()]
