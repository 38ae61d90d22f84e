"""National dashboard: the public fact store versus visiting each CAE's schema in turn.

Builds N real CAEs (each schema a copy of the pre-migrated template, as in production) with
10 cohorts of 8 members each, fills the store with a full rebuild (timed too), then measures,
at 50 and at N CAEs, the dashboard's server time (the coordinator's `/indicateurs/` page
through Django's test client: every query and the rendering), computed from the store and
served from the cache while the store is unchanged, against the naive way: entering each
CAE's schema and computing its cohorts' figures there.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from coopilote.accounts.otp import otp_session_mark_verified
from coopilote.facts import facts_compute
from network.indicators.selectors import Filters, indicator_table, indicator_totals
from network.indicators.services import facts_rebuild
from network.registry.fictional import fictional_identity
from network.registry.models import Cae, SiteStatus
from network.registry.services import normalised_identity, schema_name_for
from network.registry.template import schema_create_from_template

PROGRAMMES = ("CJS", "CJM", "CT")
DEPARTMENTS = ("56", "29", "35", "22", "44", "75", "93", "13", "69", "33")


def _populate(number: int) -> None:
    """10 cohorts of 8 members in the current CAE's schema (rows written directly)."""
    from tenants.cohorts.models import Cohort
    from tenants.people.models import Enrolment, Member

    year = 2020 + number % 7
    cohorts = Cohort.objects.bulk_create(
        Cohort(
            name=f"Coopérative {index}",
            programme=PROGRAMMES[index % 3],
            status="closed",
            starts_on=datetime.date(year, 6, 1),
            ends_on=datetime.date(year, 8, 28),
            territory_kind="qpv" if index % 2 else "other",
            qpv_code="QN05601M" if index % 2 else "",
        )
        for index in range(10)
    )
    members = Member.objects.bulk_create(
        Member(
            first_name=f"M{index}",
            last_name="Bench",
            birth_date=datetime.date(year - 17 - index % 9, 3, 1),
            gender="female" if index % 2 else "male",
            postcode="56000",
            status_at_entry="school",
            emergency_contact_name="Contact",
            emergency_contact_phone="0600000000",
        )
        for index in range(80)
    )
    Enrolment.objects.bulk_create(
        Enrolment(member=member, cohort=cohorts[index // 8], enrolled_on=cohorts[0].starts_on)
        for index, member in enumerate(members)
    )


def _cae(number: int) -> Cae:
    """A CAE whose schema is the template's snapshot replayed, as provisioning does (without
    the task around it), filled with 10 cohorts."""
    slug = f"dash-{number}"
    identity = fictional_identity(2000 + number, department=DEPARTMENTS[number % 10])
    cae = Cae.objects.create(
        name=f"CAE {number}",
        slug=slug,
        schema_name=schema_name_for(slug),
        status=SiteStatus.ACTIVE,
        **normalised_identity(identity),
    )
    assert schema_create_from_template(cae.schema_name), "pg_dump is needed"
    with tenant_context(cae):
        _populate(number)
    return cae


def _page_seconds(client: Client, caes: list[Cae], rounds: int, *, cached: bool) -> float:
    """The page's server time: computed from the store (its cache emptied first), or served
    from the cache a first request filled (the store unchanged)."""
    # The whole network unfiltered (the coordinator's landing page), a subset by its CAEs.
    everyone = len(caes) == Cae.objects.caes().count()
    query = "" if everyone else "&".join(f"cae={cae.pk}" for cae in caes)
    timings = []
    for _round in range(rounds):
        cache.clear()
        if cached:
            client.get(f"/indicateurs/?{query}", HTTP_HOST="localhost")
        started = time.perf_counter()
        response = client.get(f"/indicateurs/?{query}", HTTP_HOST="localhost")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings)


def _selectors_seconds(caes: list[Cae], rounds: int) -> float:
    everyone = len(caes) == Cae.objects.caes().count()
    filters = Filters() if everyone else Filters(caes=tuple(cae.pk for cae in caes))
    timings = []
    for _round in range(rounds):
        started = time.perf_counter()
        indicator_totals(filters)
        for group_by in ("year", "programme", "region", "cae"):
            indicator_table(filters, group_by)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _naive_seconds(caes: list[Cae]) -> float:
    """Visit each CAE's schema and compute its cohorts' figures there, then add them up."""
    started = time.perf_counter()
    members = 0
    for cae in caes:
        with tenant_context(cae):
            members += sum(facts["members"] for facts in facts_compute())
    assert members == 80 * len(caes)
    return time.perf_counter() - started


def run(rounds: int = 5) -> dict[str, Any]:
    # BENCH_DASHBOARD_CAES=50 for a quick run.
    count = int(os.environ.get("BENCH_DASHBOARD_CAES", "500"))
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    started = time.perf_counter()
    caes = [_cae(number) for number in range(count)]
    built = time.perf_counter() - started
    started = time.perf_counter()
    cohorts = facts_rebuild(caes=caes)
    rebuild = time.perf_counter() - started
    coordinator = User.objects.create_user("bench-coordination@example.org", is_coordinator=True)
    client = Client()
    client.force_login(coordinator)  # then the second factor, as the verification page does
    session = client.session
    otp_session_mark_verified(session, user=coordinator)
    session.save()
    sizes = sorted({min(50, count), count})
    result: dict[str, Any] = {
        "caes": count,
        "cohorts": cohorts,
        "build_seconds": round(built, 1),
        "rebuild_seconds": round(rebuild, 2),
        "sizes": {},
    }
    for size in sizes:
        subset = caes[:size]
        computed = _page_seconds(client, subset, rounds, cached=False)
        cached = _page_seconds(client, subset, rounds, cached=True)
        selectors = _selectors_seconds(subset, rounds)
        naive = _naive_seconds(subset)
        result["sizes"][str(size)] = {
            "page_ms_median": round(cached * 1000, 1),
            "page_computed_ms_median": round(computed * 1000, 1),
            "queries_ms_median": round(selectors * 1000, 1),
            "naive_seconds": round(naive, 2),
            "speedup": round(naive / cached),
            "speedup_computed": round(naive / computed),
        }
    return result
