"""`make bench`: the benchmarks, on a scratch database; writes bench/results.json and a table."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopilote.settings.test")
    import django
    from django.test.utils import setup_databases, teardown_databases

    django.setup()
    from django.conf import settings
    from django.db import connection

    from coopilote.settings.celery import filesystem_broker_options

    # The services the benchmarks call send after-commit tasks: to a folder of their own, never
    # to the test suite's broker, and dropped at the end (no worker runs them).
    bench_broker = Path(settings.DATA_DIR) / "broker-bench"
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(bench_broker)

    from network.registry.services import network_setup

    # A scratch database of its own: never the test suite's.
    connection.settings_dict["TEST"]["NAME"] = "bench_coopilote"
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        network_setup()
        from bench import dashboard, documents, migrations, provisioning

        results = {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "provisioning": provisioning.run(),
            "invoices": documents.run(),
            "dashboard": dashboard.run(),
            # After the dashboard's: its CAEs are the schemas to (not) migrate.
            "migrations": migrations.run(),
        }
    finally:
        teardown_databases(config, verbosity=0)
        shutil.rmtree(bench_broker, ignore_errors=True)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    provisioning_result = results["provisioning"]
    print("| benchmark | figure |\n|---|---|")
    print(
        f"| CAE provisioning, clone of the template (median) | "
        f"{provisioning_result['clone_seconds_median']} s |"
    )
    print(
        f"| CAE provisioning, all migrations (median) | "
        f"{provisioning_result['migrate_seconds_median']} s |"
    )
    print(f"| ratio | {provisioning_result['speedup']} times |")
    invoices = results["invoices"]
    issue = invoices["issue_seconds_median"]
    print(f"| invoice issue: number, totals, parties (median) | {issue} s |")
    print(
        f"| invoice PDF/A-3 + Factur-X render (median, max) | "
        f"{invoices['pdf_facturx_seconds_median']} s, {invoices['pdf_facturx_seconds_max']} s |"
    )
    board = results["dashboard"]
    print(
        f"| national store: full rebuild of {board['cohorts']} cohorts in {board['caes']} CAEs | "
        f"{board['rebuild_seconds']} s |"
    )
    for size, figures in board["sizes"].items():
        print(
            f"| national dashboard page at {size} CAEs x 10 cohorts (median) | "
            f"{figures['page_ms_median']} ms (its queries: {figures['queries_ms_median']} ms) |"
        )
        print(
            f"| the naive way at {size} CAEs (each schema in turn) | "
            f"{figures['naive_seconds']} s: {figures['speedup']} times slower |"
        )
    noop = results["migrations"]
    print(
        f"| deploy with nothing to apply, {noop['schemas']} schemas: migrate_caes | "
        f"{noop['migrate_caes_seconds']} s |"
    )
    print(
        f"| the same with migrate_schemas, serial / multiprocessing | "
        f"{noop['migrate_schemas_serial_seconds']} s / "
        f"{noop['migrate_schemas_multiprocessing_seconds']} s |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
