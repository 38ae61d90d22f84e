"""CAE provisioning: replaying the template's snapshot (the product's path) versus
django-tenants' `clone_schema()` and versus running every migration.

Runs inside one Django process (as a Celery worker would), on a scratch database of its own,
and returns seconds per CAE for each path. The snapshot is taken first, as `migrate_caes` does
at each deploy, and timed on its own.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django_tenants.utils import schema_context, schema_exists

from network.registry.fictional import fictional_identity
from network.registry.models import Cae, TemplateSnapshot
from network.registry.services import cae_provision, normalised_identity, schema_name_for
from network.registry.template import template_snapshot_take

MODES = ("replay", "clone", "migrate")


@contextmanager
def _mode(mode: str) -> Iterator[None]:
    """`replay`: the product's path; `clone`: django-tenants' clone_schema() (the snapshot
    unavailable); `migrate`: every migration run in the new schema."""
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=mode != "migrate"):
        if mode == "clone":
            with mock.patch(
                "network.registry.services.schema_create_from_template", return_value=False
            ):
                yield
        else:
            yield


def _provision(number: int, mode: str) -> float:
    slug = f"bench-{mode}-{number}"
    cae = Cae.objects.create(
        name=slug,
        slug=slug,
        schema_name=schema_name_for(slug),
        **normalised_identity(fictional_identity(900 + number)),
    )
    with _mode(mode):
        started = time.perf_counter()
        cae_provision(cae=cae)
        elapsed = time.perf_counter() - started
    assert schema_exists(cae.schema_name)
    return elapsed


def _drop_bench_caes() -> None:
    for cae in Cae.objects.filter(slug__startswith="bench-"):
        cae.delete(force_drop=True)


def _snapshot_seconds() -> float:
    TemplateSnapshot.objects.all().delete()
    started = time.perf_counter()
    template_snapshot_take()
    return time.perf_counter() - started


def _timings(modes: tuple[str, ...], rounds: int, first: int) -> dict[str, list[float]]:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    try:
        return {
            mode: [_provision(first + 100 * index + number, mode) for number in range(rounds)]
            for index, mode in enumerate(modes)
        }
    finally:
        _drop_bench_caes()


def run(rounds: int = 5) -> dict[str, Any]:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    snapshot = _snapshot_seconds()
    timings = _timings(MODES, rounds, first=0)
    with schema_context(settings.TENANT_BASE_SCHEMA), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM django_migrations WHERE app = ANY(%s)",
            [[app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS]],
        )
        (migrations,) = cursor.fetchone()
    result: dict[str, Any] = {
        f"{mode}_seconds_median": round(statistics.median(values), 3)
        for mode, values in timings.items()
    }
    result |= {
        "snapshot_seconds": round(snapshot, 3),
        "rounds": rounds,
        "tenant_migrations": migrations,
        "speedup_vs_migrate": round(
            result["migrate_seconds_median"] / result["replay_seconds_median"], 1
        ),
        "speedup_vs_clone": round(
            result["clone_seconds_median"] / result["replay_seconds_median"], 1
        ),
    }
    return result


def run_among_many(rounds: int = 5) -> dict[str, Any]:
    """The same once the database already holds many CAE schemas (after the dashboard's):
    PostgreSQL's catalogue then holds every one of their tables."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    snapshot = _snapshot_seconds()
    timings = _timings(("replay", "clone"), rounds, first=1000)
    return {
        "schemas_before": Cae.objects.caes().count(),
        "snapshot_seconds": round(snapshot, 3),
        **{
            f"{mode}_seconds_median": round(statistics.median(values), 3)
            for mode, values in timings.items()
        },
        **{f"{mode}_seconds_max": round(max(values), 3) for mode, values in timings.items()},
        "rounds": rounds,
    }
