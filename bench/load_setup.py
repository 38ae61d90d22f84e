"""The load test's data, on top of the demo network (`manage.py demo_setup`).

`fixtures_build()` gives each simulated person an account (those whose role needs the second
factor one each, with the demo's TOTP key: a code is accepted once per account) and collects
what the scenarios of bench/load_scenarios.py visit: ids, and the links clients pay from.
`sql_capture()` records the SQL statements one request of each of `make bench`'s API endpoints
runs, to replay them straight through psycopg (the database's own cost of the request).

Run by bench/load.py in a process of its own (Django set up on the load's database):
    python -m bench.load_setup --port 8100 --accounts 60 --out fixtures.json [--capture-sql]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEMO_CAES = ("sitelle", "lorient")
# `make bench`'s API endpoints: (name in load_scenarios, path with the ids filled in later).
BENCH_ENDPOINTS = (
    ("API lists | GET /api/v1/invoices/", "/api/v1/invoices/"),
    ("API details | GET /api/v1/invoices/[id]/", "/api/v1/invoices/{bench_invoice}/"),
    ("API lists | GET /api/v1/cohorts/", "/api/v1/cohorts/"),
    ("API details | GET /api/v1/cohorts/[id]/", "/api/v1/cohorts/{bench_cohort}/"),
)


def _accounts(emails: list[str], *, password_hash: str, is_coordinator: bool = False) -> list[Any]:
    from coopilote.accounts.models import User

    existing = {user.email: user for user in User.objects.filter(email__in=emails)}
    User.objects.bulk_create(
        User(email=email, password=password_hash, is_coordinator=is_coordinator)
        for email in emails
        if email not in existing
    )
    return list(User.objects.filter(email__in=emails).order_by("email"))


def _grant(users: list[Any], *, cae: Any, role: str, cohort_id: int | None = None) -> None:
    from coopilote.accounts.models import Membership

    for user in users:
        Membership.objects.get_or_create(
            user=user, cae=cae, role=role, cohort_id=cohort_id, revoked_at=None
        )


def fixtures_build(*, port: int, accounts: int) -> dict[str, Any]:
    """Accounts for `accounts` simulated people of each role, and what they visit (idempotent:
    a second run reuses the accounts and gives their authenticators a fresh start)."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from coopilote.accounts.models import Membership, Role, User
    from coopilote.accounts.otp import totp_device_set
    from frontend.management.commands.demo_setup import DEMO_PASSWORD, DEMO_TOTP_SECRET
    from network.registry.models import Cae
    from tenants.billing.models import Invoice, InvoiceStatus
    from tenants.billing.selectors import invoice_balance, invoice_link_url
    from tenants.cohorts.models import Cohort
    from tenants.commerce.models import Client, Job, JobSlot, Quote

    base_host = settings.BASE_HOST
    # One Argon2 hash for all the load's accounts: hashing 200 passwords would take a minute.
    password_hash = make_password(DEMO_PASSWORD)
    fixtures: dict[str, Any] = {
        "port": port,
        "national_host": f"{base_host}:{port}",
        "password": DEMO_PASSWORD,
        "totp_secret": DEMO_TOTP_SECRET,
        "webhook_secret": str(settings.DUMMY_WEBHOOK_SECRET),
        "caes": [],
    }
    with transaction.atomic():
        coordinators = _accounts(
            [f"load-coordination-{number:03}@{base_host}" for number in range(accounts)],
            password_hash=password_hash,
            is_coordinator=True,
        )
        second_factor = list(coordinators)
        fixtures["coordinators"] = [user.email for user in coordinators]
        for slug in DEMO_CAES:
            cae = Cae.objects.get(slug=slug)
            host = f"{slug}.{base_host}"
            staff = _accounts(
                [f"load-staff-{number:03}@{host}" for number in range(accounts)],
                password_hash=password_hash,
            )
            _grant(staff, cae=cae, role=Role.CAE_STAFF)
            second_factor += staff
            partners: list[dict[str, Any]] = [
                {"email": email, "cohorts": []}
                for email in User.objects.filter(
                    memberships__cae=cae, memberships__role=Role.PARTNER
                )
                .exclude(password="")
                .exclude(password__startswith="!")  # noqa: S106 - unusable passwords
                .values_list("email", flat=True)
                .distinct()
                .order_by("email")
            ]
            for partner in partners:
                partner["cohorts"] = sorted(
                    Membership.objects.active()
                    .filter(user__email=partner["email"], cae=cae, role=Role.PARTNER)
                    .values_list("cohort_id", flat=True)
                )
            with tenant_context(cae):
                cohorts = list(Cohort.objects.order_by("pk").values_list("pk", flat=True))
                issued = list(Invoice.objects.filter(status=InvoiceStatus.ISSUED).order_by("pk"))
                links = [
                    urlsplit(invoice_link_url(invoice=invoice)).path
                    for invoice in issued
                    if invoice_balance(invoice=invoice).outstanding > 0
                ]
                working: list[
                    dict[str, Any]
                ] = []  # cohorts with jobs: where members have something to look at
                for cohort in cohorts:
                    jobs = list(
                        Job.objects.filter(cohort_id=cohort)
                        .order_by("pk")
                        .values_list("pk", flat=True)
                    )
                    if not jobs:
                        continue
                    first_day = (
                        JobSlot.objects.filter(job__cohort_id=cohort).order_by("date").first()
                    )
                    working.append(
                        {
                            "cohort": cohort,
                            "jobs": jobs,
                            "quotes": list(
                                Quote.objects.filter(cohort_id=cohort)
                                .order_by("pk")
                                .values_list("pk", flat=True)
                            ),
                            "first_day": (
                                first_day.date.isoformat() if first_day else "2026-11-23"
                            ),
                        }
                    )
                invoices = list(Invoice.objects.order_by("pk").values_list("pk", flat=True))
                clients = list(Client.objects.order_by("pk").values_list("pk", flat=True))
            if not links:
                raise SystemExit(
                    f"No invoice of {slug} is left to pay online: the load's runs paid them all. "
                    "Delete the load's data folder (rm -rf .data/load) to start from the demo."
                )
            members = []
            for number in range(accounts):
                plan = working[number % len(working)]
                email = f"load-member-{number:03}@{host}"
                (user,) = _accounts([email], password_hash=password_hash)
                _grant([user], cae=cae, role=Role.MEMBER, cohort_id=plan["cohort"])
                members.append({**plan, "email": email})
            fixtures["caes"].append(
                {
                    "slug": slug,
                    "host": f"{host}:{port}",
                    "schema": cae.schema_name,
                    "payment_account": cae.payment_account,
                    "staff": [user.email for user in staff],
                    "members": members,
                    "partners": partners,
                    "cohorts": cohorts,
                    "invoices": invoices,
                    "clients": clients,
                    "invoice_links": links,
                    # `make bench`: the last invoice issued and the first cohort.
                    "bench_invoice": issued[-1].pk if issued else invoices[0],
                    "bench_cohort": cohorts[0],
                }
            )
        for user in second_factor:
            totp_device_set(user=user, secret=DEMO_TOTP_SECRET)
    return fixtures


def sql_capture(*, fixtures: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The statements one request of each bench endpoint runs (a staff member of the first CAE,
    signed in, second factor passed), through Django's test client on the same database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coopilote.accounts.models import User
    from coopilote.accounts.otp import otp_session_mark_verified

    cae = fixtures["caes"][0]
    user = User.objects.get(email=cae["staff"][0])
    client = Client(HTTP_HOST=cae["host"])
    client.force_login(user)
    session = client.session
    otp_session_mark_verified(session, user=user)
    session.save()
    captured = {}
    for name, template in BENCH_ENDPOINTS:
        path = template.format(**cae)
        client.get(path)  # warm: first-request work (translations, caches) is not the query cost
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        captured[name] = {
            "path": path,
            "schema": cae["schema"],
            "statements": [query["sql"] for query in queries.captured_queries],
        }
    return captured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--accounts", type=int, default=60)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--capture-sql", type=Path, default=None)
    arguments = parser.parse_args()
    sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopilote.settings.local")
    import django

    django.setup()
    fixtures = fixtures_build(port=arguments.port, accounts=arguments.accounts)
    arguments.out.write_text(json.dumps(fixtures, indent=1) + "\n")
    if arguments.capture_sql:
        captured = sql_capture(fixtures=fixtures)
        arguments.capture_sql.write_text(json.dumps(captured, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
