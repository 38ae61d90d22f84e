"""`make load`'s locustfile cannot rot silently: every task of every simulated person runs here
against the application (demo network + the load's accounts, Django's test client with CSRF
checks), every request must reach a route that exists and answer what the scenario expects,
and the locustfile exposes one locust user per scenario with the same tasks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Collection, Mapping
from functools import partial
from io import StringIO
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve

from bench.load_scenarios import CLASS_NAMES, SCENARIOS, PaymentProvider, Reply, path_of
from bench.load_setup import fixtures_build
from network.payments.models import PaymentEvent


class DjangoHttp:
    """load_scenarios.Http over Django's test client, on one site."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.client = Client(HTTP_HOST=host, enforce_csrf_checks=True)
        self.national = host.split(":")[0] == settings.BASE_HOST
        self.requests: list[str] = []
        self.problems: list[str] = []

    def send(
        self,
        method: str,
        path: str,
        *,
        name: str,
        expect: Collection[int],
        form: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        urlconf = settings.PUBLIC_SCHEMA_URLCONF if self.national else settings.ROOT_URLCONF
        try:
            resolve(urlsplit(path).path, urlconf=urlconf)
        except Resolver404:
            self.problems.append(f"{name}: {path} is no route of {self.host}")
        sent = dict(headers or {})
        content_type = sent.pop("Content-Type", "application/octet-stream")
        data: bytes | str = body or b""
        if form is not None:
            data = urlencode(form)
            content_type = "application/x-www-form-urlencoded"
        if method == "POST":
            response = self.client.generic(
                method, path, data, content_type=content_type, headers=sent
            )
        else:
            response = self.client.get(path, headers=sent)
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        self.requests.append(name)
        if response.status_code not in expect:
            self.problems.append(f"{name}: {path} answered {response.status_code}")
        location = response.headers.get("Location", "")
        text = "" if response.streaming else response.content.decode()
        return Reply(
            status=response.status_code, text=text, location=path_of(location) if location else ""
        )


def _site(sites: dict[str, DjangoHttp], host: str) -> DjangoHttp:
    return sites.setdefault(host, DjangoHttp(host))


def test_every_scenario_task_reaches_a_route_and_answers_as_expected(db: None) -> None:
    # Given the demo network and the load's accounts, as `make load` builds them
    call_command("demo_setup", stdout=StringIO())
    fixtures = fixtures_build(port=8000, accounts=2)
    events_before = PaymentEvent.objects.count()

    requests = {}
    for scenario_class in SCENARIOS:
        # When each simulated person signs in and does each of its tasks once
        sites: dict[str, DjangoHttp] = {}
        player = scenario_class(http_for=partial(_site, sites), fixtures=fixtures)
        player.start()
        (http,) = sites.values()
        for method in scenario_class.tasks:
            before = len(http.requests)
            getattr(player, method)()
            # Then the task sent requests
            assert len(http.requests) > before, (scenario_class.persona, method)
        if isinstance(player, PaymentProvider):
            player.redelivery()  # now a real redelivery (the first run had nothing sent yet)
        # And every one reached a route and answered what the scenario expects
        assert http.problems == [], (scenario_class.persona, http.problems)
        requests[scenario_class.persona] = http.requests

    # And the client paid in five steps (link, pay, checkout page, card, back to the link),
    # whose two signed provider events reached the platform's webhook, beside the provider's
    # own (a new event, a redelivery stored once, a forged one refused, then a redelivery)
    assert [name.split(" | ")[1] for name in requests["client"][:5]] == [
        "GET /factures/consulter/[token]/",
        "POST /factures/consulter/[token]/payer/",
        "GET /paiements/simulation/[attempt]/",
        "POST /paiements/simulation/[attempt]/",
        "GET /factures/consulter/[token]/?paiement=merci",
    ]
    assert PaymentEvent.objects.count() == events_before + 2 + 1


def test_the_locustfile_has_one_user_per_scenario_with_its_tasks() -> None:
    # When the locustfile is imported as locust imports it (in a process of its own: locust
    # patches the standard library with gevent)
    script = (
        "import json, bench.locustfile as f; print(json.dumps({persona: [user.__name__, "
        "sorted(task.__name__ for task in user.tasks)] for persona, user in "
        "f.USER_CLASSES.items()}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    users: dict[str, Any] = json.loads(output.strip().splitlines()[-1])

    # Then each scenario has its user class, named as bench/load.py asks locust, with its tasks
    assert users == {
        scenario.persona: [CLASS_NAMES[scenario.persona], sorted(scenario.tasks)]
        for scenario in SCENARIOS
    }


def test_the_cpu_figures_cover_the_measured_window_and_workers_recycled_inside_it() -> None:
    from bench.load import CpuMeter

    # Given readings one second apart: core 0 (the servers') half busy, core 1 (locust's) a
    # tenth; gunicorn worker 11 recycled into worker 12 during the window
    meter = CpuMeter(stack=None)  # type: ignore[arg-type]  # roles() is not called here
    meter.readings = [
        (100.0, {0: (0, 0), 1: (0, 0)}, {"web": {11: 5.0}}),  # before the window
        (101.0, {0: (50, 100), 1: (10, 100)}, {"web": {11: 5.5}}),
        (102.0, {0: (100, 200), 1: (20, 200)}, {"web": {11: 6.0}}),
        (103.0, {0: (150, 300), 1: (30, 300)}, {"web": {12: 0.25}}),
        (104.0, {0: (200, 400), 1: (40, 400)}, {"web": {12: 0.5}}),
    ]

    # When the window from 101 to 104 is read
    figures = meter.figures({0}, {1}, 101.0, 104.0)

    # Then each side's core is as busy as its jiffies say, and the web role used 1 s of the 3:
    # 0.5 s of worker 11, then 0.5 s of worker 12 (started inside the window, counted from 0;
    # worker 11's last second before it ended is the part missed)
    assert figures == {
        "servers_cores_busy": 50.0,
        "load_generator_core_busy": 10.0,
        "per_role_of_one_core": {"web": round(100 * 1.0 / 3, 1)},
    }
    # And a window with fewer than two readings has no figures
    assert meter.figures({0}, {1}, 104.5, 110.0) is None
