"""`make bench`: the benchmarks, on a scratch database; writes bench/results.json and a table."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"


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
        from bench import dashboard, documents, load, migrations, provisioning

        # BENCH_ONLY=dashboard,migrations runs those sections and keeps the others' last figures.
        only = os.environ.get("BENCH_ONLY", "").split(",") if os.environ.get("BENCH_ONLY") else []
        runs: dict[str, Callable[[], dict[str, Any]]] = {
            "provisioning": provisioning.run,
            "invoices": documents.run,
            "dashboard": dashboard.run,
            # After the dashboard's: among its CAEs' schemas.
            "provisioning_among_many": provisioning.run_among_many,
            # After the dashboard's: its CAEs are the schemas to (not) migrate.
            "migrations": migrations.run,
        }
        unknown = set(only) - {*runs, "api"}
        if unknown:
            raise SystemExit(f"BENCH_ONLY: unknown sections {sorted(unknown)}")
        results = json.loads(RESULTS.read_text()) if only and RESULTS.exists() else {}
        results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
        for name, run in runs.items():
            if not only or name in only:
                results[name] = run()
        if not only or "api" in only:
            # Its own servers and database (bench/load.py's): "api" and "memory".
            results |= load.api_bench()
    finally:
        teardown_databases(config, verbosity=0)
        shutil.rmtree(bench_broker, ignore_errors=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    table(results)
    return 0


def table(results: dict[str, Any]) -> None:
    """The figures as a Markdown table (sections absent from the results are left out)."""
    print("| benchmark | figure |\n|---|---|")
    if "provisioning" in results:
        provisioning_result = results["provisioning"]
        for mode, label in (
            ("replay", "replay of the template's snapshot (the product's path)"),
            ("clone", "django-tenants' clone_schema()"),
            ("migrate", "all migrations"),
        ):
            print(
                f"| CAE provisioning, {label} (median) | "
                f"{provisioning_result[f'{mode}_seconds_median']} s |"
            )
        print(
            f"| ratios: migrations / replay, clone / replay | "
            f"{provisioning_result['speedup_vs_migrate']} / "
            f"{provisioning_result['speedup_vs_clone']} times |"
        )
        print(
            f"| the template's snapshot (pg_dump, once per deploy) | "
            f"{provisioning_result['snapshot_seconds']} s |"
        )
    if "provisioning_among_many" in results:
        among = results["provisioning_among_many"]
        print(
            f"| CAE provisioning among {among['schemas_before']} CAEs, replay / clone_schema() "
            f"(median) | {among['replay_seconds_median']} s / {among['clone_seconds_median']} s |"
        )
    if "invoices" in results:
        invoices = results["invoices"]
        issue = invoices["issue_seconds_median"]
        print(f"| invoice issue: number, totals, parties (median) | {issue} s |")
        print(
            f"| invoice PDF/A-3 + Factur-X render (median, max) | "
            f"{invoices['pdf_facturx_seconds_median']} s, "
            f"{invoices['pdf_facturx_seconds_max']} s |"
        )
    if "dashboard" in results:
        board = results["dashboard"]
        print(
            f"| national store: full rebuild of {board['cohorts']} cohorts in "
            f"{board['caes']} CAEs | {board['rebuild_seconds']} s |"
        )
        for size, figures in board["sizes"].items():
            print(
                f"| national dashboard page at {size} CAEs x 10 cohorts, cached / computed "
                f"(median) | {figures['page_ms_median']} ms / "
                f"{figures['page_computed_ms_median']} ms (queries: "
                f"{figures['queries_ms_median']} ms) |"
            )
            print(
                f"| the naive way at {size} CAEs (each schema in turn) | "
                f"{figures['naive_seconds']} s: {figures['speedup']} / "
                f"{figures['speedup_computed']} times slower |"
            )
    if "migrations" in results:
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
        new = noop["one_new_migration"]
        print(
            f"| one new tenant migration, multiprocessing: migrate_caes / migrate_schemas | "
            f"{new['migrate_caes_multiprocessing_seconds']} s / "
            f"{new['migrate_schemas_multiprocessing_seconds']} s |"
        )
    if "api" in results:
        api = results["api"]
        pause = api["pause_seconds"].replace(",", "-")
        lists = api["paced"]["groups"]["API lists"]
        print(
            f"| API lists, {api['users']} users pausing {pause} s: p50/p95/p99 | "
            f"{lists['p50_ms']}/{lists['p95_ms']}/{lists['p99_ms']} ms |"
        )
        for name, endpoint in api["endpoints"].items():
            loaded, busiest = endpoint["paced"], endpoint["saturated"]
            alone, sql = endpoint["alone"], endpoint["raw_sql"]
            print(
                f"| {name.split(' | ')[1]}: {api['users']} users pausing {pause} s / "
                f"{api['saturation_users']} without pause | "
                f"p50/p95 {loaded['p50_ms']}/{loaded['p95_ms']} ms / "
                f"{busiest['rps']} req/s, p50/p95 {busiest['p50_ms']}/{busiest['p95_ms']} ms |"
            )
            print(
                f"| the same alone, versus its {sql['statements']} SQL statements "
                f"through psycopg | "
                f"p50 {alone['p50_ms']} ms vs {sql['p50_ms']} ms: "
                f"{endpoint['latency_ratio_alone_vs_sql']} times |"
            )
        memory = results["memory"]
        print(
            f"| peak RSS: gunicorn worker / Celery worker (with its pool) | "
            f"{memory['web_worker_peak_mib']} MiB / {memory['celery_worker_peak_mib']} MiB |"
        )


if __name__ == "__main__":
    sys.exit(main())
