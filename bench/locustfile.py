"""Locust users for `make load`, `make soak` and `make bench`'s API figures.

Started by bench/load.py (`locust -f bench/locustfile.py --headless ...`) with:
  LOAD_FIXTURES  the JSON written by bench/load_setup.py (accounts, ids, invoice links)
  LOAD_SECONDS   how long to measure once every simulated person has signed in
  LOAD_RESULT    where to write the figures (JSON) when locust stops
  LOAD_WAIT      "think time" between two tasks of a person, "min,max" seconds (default 1,5)

Signing in (Argon2, then the TOTP code) happens once per simulated person, before the
measurement: the statistics are reset 5 s after the last one has signed in (the sign-ins' queue
drained), and the run stops LOAD_SECONDS later. Failures and 5xx answers are counted over the
whole run, sign-ins included.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, constant, events
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load_scenarios
from bench.load_scenarios import CLASS_NAMES, Reply, Scenario, path_of

FIXTURES: dict[str, Any] = (
    json.loads(Path(os.environ["LOAD_FIXTURES"]).read_text())
    if os.environ.get("LOAD_FIXTURES")
    else {}
)
MEASURE_SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
SETTLE_SECONDS = 5
WAIT = tuple(float(value) for value in os.environ.get("LOAD_WAIT", "1,5").split(","))

# Over the whole run (never reset): what makes `make load` fail.
FAILURES: Counter[str] = Counter()
SERVER_ERRORS: Counter[str] = Counter()
STATE: dict[str, Any] = {"ready": 0, "measure_started": None, "sign_in": {}}


class LocustHttp:
    """load_scenarios.Http over a locust FastHttp client: 127.0.0.1 with the site's Host."""

    def __init__(self, user: FastHttpUser, host: str) -> None:
        self.user = user
        self.host = host

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
        sent_headers = {"Host": self.host, **(headers or {})}
        payload = body.decode() if body is not None else None
        if form is not None:
            payload = urlencode(form)
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.user.client.request(
            method,
            path,
            name=name,
            data=payload,
            headers=sent_headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            status = int(response.status_code or 0)
            if status in expect:
                response.success()
            else:
                response.failure(f"{status} instead of {'/'.join(map(str, expect))}")
            text = response.text or "" if status else ""
            location = response.headers.get("Location", "") if response.headers else ""
        return Reply(status=status, text=text, location=path_of(location) if location else "")


@events.request.add_listener
def _count(name: str, response: Any, exception: BaseException | None, **kwargs: Any) -> None:
    if exception is not None:
        FAILURES[name] += 1
    if response is not None and int(getattr(response, "status_code", 0) or 0) >= 500:
        SERVER_ERRORS[name] += 1


def _snapshot_sign_in(environment: Environment) -> dict[str, Any]:
    return {
        name: {
            "requests": entry.num_requests,
            "response_times": {str(ms): count for ms, count in entry.response_times.items()},
        }
        for (name, _method), entry in environment.stats.entries.items()
        if name.startswith(load_scenarios.SIGN_IN)
    }


def _errors(environment: Environment) -> list[dict[str, Any]]:
    return [
        {"name": error.name, "error": str(error.error), "occurrences": error.occurrences}
        for error in environment.stats.errors.values()
    ]


def _person_ready(environment: Environment) -> None:
    """One more simulated person signed in; the last one starts the measurement, SETTLE_SECONDS
    later: the requests queued behind the last sign-ins (Argon2 holds a core for a third of a
    second each) belong to the sign-in storm, not to the steady state measured."""
    STATE["ready"] += 1
    runner = environment.runner
    if runner is None or STATE["ready"] != runner.target_user_count:
        return
    gevent.spawn_later(SETTLE_SECONDS, _measure, environment)


def _measure(environment: Environment) -> None:
    STATE["sign_in"] = _snapshot_sign_in(environment)
    STATE["sign_in_errors"] = _errors(environment)
    environment.stats.reset_all()
    STATE["measure_started"] = time.time()
    if environment.runner is not None:
        gevent.spawn_later(MEASURE_SECONDS, environment.runner.quit)


@events.quitting.add_listener
def _write_result(environment: Environment, **kwargs: Any) -> None:
    target = os.environ.get("LOAD_RESULT")
    if not target:
        return
    started = STATE["measure_started"]
    entries = {
        name: {
            "method": method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "response_times": {str(ms): count for ms, count in entry.response_times.items()},
        }
        for (name, method), entry in environment.stats.entries.items()
    }
    errors = _errors(environment)
    result = {
        "users": environment.runner.target_user_count if environment.runner else 0,
        "signed_in": STATE["ready"],
        "measure_started": started,
        "measured_seconds": round(time.time() - started, 2) if started else None,
        "entries": entries,
        "sign_in": STATE["sign_in"],
        "sign_in_errors": STATE.get("sign_in_errors", []),
        "failures_whole_run": dict(FAILURES),
        "server_errors_whole_run": dict(SERVER_ERRORS),
        "errors": errors,
        "exhausted_invoice_links": len(load_scenarios.PayingClient.exhausted),
    }
    Path(target).write_text(json.dumps(result, indent=1) + "\n")


class ScenarioUser(FastHttpUser):
    """A locust user playing one load_scenarios.Scenario."""

    abstract = True
    scenario: type[Scenario]
    # A busy 2-core machine signing 50 people in (Argon2) can take long: not a network error.
    network_timeout = 120.0
    connection_timeout = 120.0
    wait_time = between(WAIT[0], WAIT[1]) if len(WAIT) == 2 and WAIT[1] else constant(WAIT[0])

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "scenario", None) is not None:
            cls.weight = max(cls.scenario.weight, 1)
            # Locust takes {task: weight} as well as a list.
            cls.tasks = {  # type: ignore[assignment]
                _task(method): weight for method, weight in cls.scenario.tasks.items()
            }

    def on_start(self) -> None:
        try:
            self.player = self.scenario(
                http_for=lambda host: LocustHttp(self, host), fixtures=FIXTURES
            )
            self.player.start()
        finally:
            _person_ready(self.environment)


def _task(method: str) -> Any:
    def run(user: ScenarioUser) -> None:
        getattr(user.player, method)()

    run.__name__ = method
    return run


# One locust user class per scenario, as a module attribute (where locust looks for them) named
# as bench/load.py asks for it on the command line. ApiReaderUser runs only when named there
# (`make bench`).
USER_CLASSES: dict[str, type[ScenarioUser]] = {}
for _scenario in load_scenarios.SCENARIOS:
    _user = type(
        CLASS_NAMES[_scenario.persona],
        (ScenarioUser,),
        {"scenario": _scenario, "__module__": __name__},
    )
    globals()[_user.__name__] = _user
    USER_CLASSES[_scenario.persona] = _user
