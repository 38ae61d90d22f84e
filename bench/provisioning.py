"""CAE provisioning: cloning the pre-migrated template schema versus running every migration.

Runs inside one Django process (as a Celery worker would), on a scratch database of its own,
and prints/returns seconds per CAE for both paths.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django_tenants.utils import schema_context, schema_exists

from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_provision, normalised_identity, schema_name_for


def _provision(number: int, *, clone: bool) -> float:
    slug = f"bench-{'clone' if clone else 'migrate'}-{number}"
    cae = Cae.objects.create(
        name=slug,
        slug=slug,
        schema_name=schema_name_for(slug),
        **normalised_identity(fictional_identity(900 + number)),
    )
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=clone):
        started = time.perf_counter()
        cae_provision(cae=cae)
        elapsed = time.perf_counter() - started
    assert schema_exists(cae.schema_name)
    return elapsed


def run(rounds: int = 5) -> dict[str, Any]:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    try:
        clone = [_provision(number, clone=True) for number in range(rounds)]
        migrate = [_provision(100 + number, clone=False) for number in range(rounds)]
    finally:
        for cae in Cae.objects.filter(slug__startswith="bench-"):
            cae.delete(force_drop=True)
    with schema_context(settings.TENANT_BASE_SCHEMA), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM django_migrations WHERE app = ANY(%s)",
            [[app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS]],
        )
        (migrations,) = cursor.fetchone()
    result = {
        "clone_seconds_median": round(statistics.median(clone), 3),
        "migrate_seconds_median": round(statistics.median(migrate), 3),
        "rounds": rounds,
        "tenant_migrations": migrations,
    }
    result["speedup"] = round(result["migrate_seconds_median"] / result["clone_seconds_median"], 1)
    return result
