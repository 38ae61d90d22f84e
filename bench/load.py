"""`make load` and `make soak`: locust against gunicorn + a real Celery worker (and beat), on a
database of their own, with the mix of bench/load_scenarios.py.

    python bench/load.py load   # LOAD_SECONDS (60) of LOAD_USERS (50) simulated people, each
                                # pausing LOAD_WAIT ("1,5": 1 to 5 s) between two actions
    python bench/load.py soak   # the same for SOAK_SECONDS (600), sampling memory and connections

Everything lives under LOAD_DATA_DIR (default .data/load): its own embedded PostgreSQL, broker
folder, mail and logs. The demo network is built there once (`manage.py demo_setup`, reused by
later runs), then bench/load_setup.py adds the load's accounts. The servers are pinned to the
first core and locust to the second when the machine has two (the figures are then those of
one server core). Results: bench/load.json or bench/soak.json, and a table. The exit code is 1
if any request failed, any answer was a 5xx, or (soak) memory or connections kept growing.
Every process started here is stopped at the end, on Ctrl-C and on errors too.

`api_bench()` is `make bench`'s "api" and "memory" sections, on the same machinery.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATA_DIR = Path(os.environ.get("LOAD_DATA_DIR", ROOT / ".data" / "load")).resolve()
WEB_THREADS = 2  # infra/gunicorn.conf.py's default
WORKER_CONCURRENCY = 2
SAMPLE_SECONDS = 10
GROWTH_LIMIT = 0.10  # soak: RSS may grow by less than 10 % from the 2nd minute to the end
SOAK_BASELINE_SECONDS = 120
STATUS_IN_ACCESS_LOG = re.compile(r'"status": (\d{3})')

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "platform") not in sys.path:
    sys.path.insert(0, str(ROOT / "platform"))


class TerminatedError(Exception):
    """SIGTERM: stop everything as for Ctrl-C."""


# --- Processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_split() -> tuple[set[int], set[int]] | None:
    """(server cores, load generator core): the last core for locust, the others for the
    servers; None on a single core or where affinity cannot be set."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return set(cpus[:-1]), {cpus[-1]}


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process (VmRSS in /proc/<pid>/status), None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def process_children() -> dict[int, list[int]]:
    """Every process's children, from one pass over /proc."""
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields follow the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            found.setdefault(int(fields[1]), []).append(int(entry.name))
    return {parent: sorted(children) for parent, children in found.items()}


@dataclass
class Stack:
    """The servers of one run and where they write."""

    port: int
    environment: dict[str, str]
    logs: Path
    database_url: str
    web_workers: int
    postmaster: int | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> None:
        with (self.logs / f"{name}.log").open("ab") as output:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our interpreter, fixed args
                [PYTHON, "-m", *command],
                cwd=ROOT,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def exited(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def log_text(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def base_environment(port: int) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # Its own embedded database and the dummy payment provider, whatever is configured.
        if key not in {"DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"}
    }
    environment.update(
        {
            "COOPILOTE_DATA_DIR": str(DATA_DIR),
            "DJANGO_SETTINGS_MODULE": "coopilote.settings.local",
            "DJANGO_DEBUG": "false",  # DEBUG keeps every query in memory: no load test with it
            "COOPILOTE_SITE_PORT": str(port),
            "PAYMENT_PROVIDER": "dummy",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


def prepare(port: int, *, accounts: int, capture_sql: bool = False) -> tuple[Path, Path | None]:
    """The demo network (built once, reused) and the load's accounts: the fixtures' path."""
    environment = base_environment(port)
    logs = DATA_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "setup.log").open("ab") as output:
        subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [PYTHON, "manage.py", "demo_setup"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
        )
        fixtures = DATA_DIR / "fixtures.json"
        captured = DATA_DIR / "sql.json" if capture_sql else None
        command = [PYTHON, "-m", "bench.load_setup", "--port", str(port)]
        command += ["--accounts", str(accounts), "--out", str(fixtures)]
        if captured:
            command += ["--capture-sql", str(captured)]
        subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, check=True
        )
    return fixtures, captured


def postgres_start() -> tuple[str, int | None]:
    """The load's embedded PostgreSQL: its URL and the postmaster's pid."""
    from coopilote.embedded import start_postgres

    url = start_postgres(DATA_DIR)
    pid_file = DATA_DIR / "postgres" / "postmaster.pid"
    try:
        return url, int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return url, None


def postgres_stop() -> None:
    from coopilote.embedded import stop_postgres

    stop_postgres(DATA_DIR)


def wait_for_web(stack: Stack, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stack.exited():
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{stack.port}/readyz", timeout=2):
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.3)
    raise RuntimeError(
        f"the web server did not get ready (stopped: {stack.exited()}); see {stack.logs}"
    )


def warm_up(stack: Stack, hosts: list[str]) -> None:
    """Each gunicorn worker imports the URLs and views at its first request (tens of seconds
    on a busy core): send enough concurrent requests for every worker to get some first."""

    def visit(host: str) -> None:
        connection = HTTPConnection("127.0.0.1", stack.port, timeout=120)
        try:
            connection.request("GET", "/connexion/", headers={"Host": host})
            connection.getresponse().read()
        except OSError:
            pass
        finally:
            connection.close()

    for _round in range(2):
        threads = [
            threading.Thread(target=visit, args=(host,))
            for host in hosts
            for _worker in range(stack.web_workers * WEB_THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def start_stack(port: int, *, recycle: bool, server_cpus: set[int] | None) -> Stack:
    """gunicorn (infra/gunicorn.conf.py), a Celery worker and beat, on the load's database."""
    database_url, postmaster = postgres_start()
    if server_cpus and postmaster:
        with suppress(OSError):
            os.sched_setaffinity(postmaster, server_cpus)  # its backends inherit it
    environment = base_environment(port)
    environment["DATABASE_URL"] = database_url
    environment["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    web_workers = int(environment.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
    environment["WEB_CONCURRENCY"] = str(web_workers)
    logs = DATA_DIR / "logs"
    for log in ("web", "worker", "beat"):
        (logs / f"{log}.log").unlink(missing_ok=True)
    stack = Stack(
        port=port,
        environment=environment,
        logs=logs,
        database_url=database_url,
        web_workers=web_workers,
        postmaster=postmaster,
    )
    web = ["gunicorn", "coopilote.wsgi", "--config", "infra/gunicorn.conf.py"]
    worker = ["celery", "-A", "coopilote", "worker", "--loglevel", "WARNING"]
    worker += ["--concurrency", str(WORKER_CONCURRENCY), "-n", f"load-{os.getpid()}@%h"]
    if not recycle:
        # A soak must see a leak, not hide it by recycling processes.
        web += ["--max-requests", "0"]
        worker += ["--max-tasks-per-child", "1000000"]  # 0 is refused: "never", in effect
    stack.start("web", web)
    stack.start("worker", worker)
    stack.start(
        "beat", ["celery", "-A", "coopilote", "beat", "--scheduler", "celery.beat:Scheduler"]
    )
    wait_for_web(stack)
    return stack


@contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """This process (and what it starts) on `cpus` for the block."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@contextmanager
def only_run() -> Iterator[None]:
    """One run at a time on LOAD_DATA_DIR (a second one would share, then stop, its
    database): a run started meanwhile (`make bench` during `make soak`) waits its turn."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with (DATA_DIR / "run.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another load run is using {DATA_DIR}: waiting for it to end", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def stopping_on_sigterm() -> Iterator[None]:
    def interrupt(signum: int, frame: object) -> None:
        raise TerminatedError

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- Sampling (soak, memory) -----------------------------------------------------------------


def connections_count(database_url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None


def memory_sample(stack: Stack) -> dict[str, Any]:
    """RSS (KiB) of each gunicorn worker, of the Celery worker's main process and of its pool's."""
    web = stack.processes["web"].pid
    worker = stack.processes["worker"].pid
    children = process_children()
    return {
        "web_workers_kib": {str(pid): rss_kib(pid) for pid in children.get(web, [])},
        "celery_main_kib": rss_kib(worker),
        "celery_pool_kib": {str(pid): rss_kib(pid) for pid in children.get(worker, [])},
    }


class Sampler(threading.Thread):
    """Every `every` seconds: RSS of each gunicorn worker, of the Celery worker (its main
    process and its pool's), and the number of database connections."""

    def __init__(self, stack: Stack, every: float = SAMPLE_SECONDS) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.every = every
        self.samples: list[dict[str, Any]] = []
        self.done = threading.Event()

    def sample(self) -> dict[str, Any]:
        return {
            "time": time.time(),
            **memory_sample(self.stack),
            "connections": connections_count(self.stack.database_url),
        }

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append(self.sample())
            self.done.wait(self.every)

    def stop(self) -> list[dict[str, Any]]:
        self.done.set()
        self.join(timeout=30)
        self.samples.append(self.sample())
        return self.samples


def cpu_jiffies() -> dict[int, tuple[int, int]]:
    """{cpu: (busy, total)} jiffies since boot, from /proc/stat ({} where it cannot be read)."""
    found = {}
    with suppress(OSError):
        for line in Path("/proc/stat").read_text().splitlines():
            name, *values = line.split()
            if name.startswith("cpu") and name != "cpu":
                counts = [int(value) for value in values]
                idle = counts[3] + (counts[4] if len(counts) > 4 else 0)  # idle + iowait
                found[int(name[3:])] = (sum(counts[:8]) - idle, sum(counts[:8]))
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, None once it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter(threading.Thread):
    """How busy each core was, and how much CPU each role of the stack used, over a window:
    read every second, so that the window locust measured (after the sign-ins) can be cut out
    afterwards."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.readings: list[
            tuple[float, dict[int, tuple[int, int]], dict[str, dict[int, float]]]
        ] = []
        self.done = threading.Event()

    def roles(self) -> dict[str, dict[int, float]]:
        """CPU seconds used so far by each process of each role (parents and children)."""
        parents = {
            "web (gunicorn)": self.stack.processes["web"].pid,
            "celery worker": self.stack.processes["worker"].pid,
            "celery beat": self.stack.processes["beat"].pid,
            "postgresql": self.stack.postmaster,
        }
        children = process_children()
        used: dict[str, dict[int, float]] = {}
        for role, parent in parents.items():
            if parent is not None:
                pids = [parent, *children.get(parent, [])]
                used[role] = {pid: seconds for pid in pids if (seconds := cpu_seconds(pid))}
        return used

    def read(self) -> None:
        self.readings.append((time.time(), cpu_jiffies(), self.roles()))

    def run(self) -> None:
        while not self.done.is_set():
            self.read()
            self.done.wait(1)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=10)
        self.read()

    def figures(
        self, server_cpus: set[int] | None, load_cpus: set[int] | None, start: float, end: float
    ) -> dict[str, Any] | None:
        """Percentages of the window: each side's cores busy, and each role's share of one
        core. A process's time is summed from one reading to the next, so that workers
        recycled or started inside the window count (up to a second of a process that ended
        is missed)."""
        inside = [reading for reading in self.readings if start <= reading[0] <= end]
        if len(inside) < 2:
            return None
        (began, first, _), (ended, last, _) = inside[0], inside[-1]

        def busy(cpus: set[int] | None) -> float | None:
            chosen = [cpu for cpu in last if cpu in first and (cpus is None or cpu in cpus)]
            total = sum(last[cpu][1] - first[cpu][1] for cpu in chosen)
            spent = sum(last[cpu][0] - first[cpu][0] for cpu in chosen)
            return round(100 * spent / total, 1) if total else None

        used: dict[str, float] = {}
        for (_, _, before), (_, _, after) in itertools.pairwise(inside):
            for role, processes in after.items():
                earlier = before.get(role, {})
                used[role] = used.get(role, 0) + sum(
                    seconds - earlier.get(pid, 0) for pid, seconds in processes.items()
                )
        return {
            "servers_cores_busy": busy(server_cpus),
            "load_generator_core_busy": busy(load_cpus) if load_cpus else None,
            "per_role_of_one_core": {
                role: round(100 * seconds / (ended - began), 1) for role, seconds in used.items()
            },
        }


# --- Locust ----------------------------------------------------------------------------------


def run_locust(
    stack: Stack,
    *,
    fixtures: Path,
    personas: list[str],
    users: int,
    seconds: float,
    wait: str,
    spawn_rate: float,
    load_cpus: set[int] | None,
) -> dict[str, Any]:
    """Run locust headless until LOAD_SECONDS after the last sign-in; its figures."""
    from bench.load_scenarios import CLASS_NAMES

    result = DATA_DIR / "locust-result.json"
    result.unlink(missing_ok=True)
    environment = {
        **stack.environment,
        "LOAD_FIXTURES": str(fixtures),
        "LOAD_SECONDS": str(seconds),
        "LOAD_RESULT": str(result),
        "LOAD_WAIT": wait,
    }
    # A ceiling in case some sign-in never ends: the sign-ins (≈ 0.3 s of Argon2 each on one
    # core) and the measurement, with room to spare.
    ceiling = int(seconds + users * 1.5 + 120)
    command = [PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
    command += ["--headless", "--only-summary", "--loglevel", "WARNING"]
    command += ["--users", str(users), "--spawn-rate", str(spawn_rate)]
    command += ["--run-time", f"{ceiling}s", "--stop-timeout", "10"]
    command += ["--host", f"http://127.0.0.1:{stack.port}"]
    command += [CLASS_NAMES[persona] for persona in personas]
    meter = CpuMeter(stack)
    meter.start()
    with (stack.logs / "locust.log").open("wb") as output, pinned(load_cpus):
        process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            process.wait()
        except BaseException:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            raise
        finally:
            meter.stop()
    if not result.exists():
        raise RuntimeError(f"locust wrote no result; see {stack.logs / 'locust.log'}")
    figures: dict[str, Any] = json.loads(result.read_text())
    figures["ended"] = time.time()
    if figures.get("measure_started"):
        start = figures["measure_started"]
        server_cpus = set(range(os.cpu_count() or 1)) - load_cpus if load_cpus else None
        figures["cpu"] = meter.figures(
            server_cpus, load_cpus, start, start + figures["measured_seconds"]
        )
    return figures


def percentile(histogram: Mapping[str, int], fraction: float) -> float | None:
    """The response time (ms) under which `fraction` of the requests of a locust histogram
    ({rounded ms: count}) fall."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = fraction * total
    seen = 0
    for milliseconds in sorted(histogram, key=float):
        seen += histogram[milliseconds]
        if seen >= wanted:
            return float(milliseconds)
    return float(max(histogram, key=float))


def merged(histograms: list[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for histogram in histograms:
        for milliseconds, count in histogram.items():
            total[milliseconds] = total.get(milliseconds, 0) + count
    return total


def figures_of(histogram: Mapping[str, int], requests: int, seconds: float) -> dict[str, Any]:
    return {
        "requests": requests,
        "rps": round(requests / seconds, 1) if seconds else None,
        "p50_ms": percentile(histogram, 0.50),
        "p95_ms": percentile(histogram, 0.95),
        "p99_ms": percentile(histogram, 0.99),
    }


def summarise(result: Mapping[str, Any], stack: Stack) -> dict[str, Any]:
    from bench.load_scenarios import group_of

    seconds = float(result.get("measured_seconds") or 0)
    endpoints = {}
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for name, entry in sorted(result["entries"].items()):
        if name == "Aggregated" or not entry["requests"]:
            continue
        endpoints[name] = {
            **figures_of(entry["response_times"], entry["requests"], seconds),
            "failures": entry["failures"],
        }
        groups.setdefault(group_of(name), []).append((name, entry))
    group_figures = {
        group: {
            **figures_of(
                merged([entry["response_times"] for _name, entry in members]),
                sum(entry["requests"] for _name, entry in members),
                seconds,
            ),
            "failures": sum(entry["failures"] for _name, entry in members),
        }
        for group, members in sorted(groups.items())
    }
    all_entries = [entry for name, entry in result["entries"].items() if name != "Aggregated"]
    total = figures_of(
        merged([entry["response_times"] for entry in all_entries]),
        sum(entry["requests"] for entry in all_entries),
        seconds,
    )
    sign_in = result.get("sign_in") or {}
    sign_in_histogram = merged([entry["response_times"] for entry in sign_in.values()])
    access_statuses = [
        int(status) for status in STATUS_IN_ACCESS_LOG.findall(stack.log_text("web"))
    ]
    return {
        "users": result["users"],
        "signed_in": result["signed_in"],
        "measured_seconds": seconds,
        # Over the measured window: how busy the cores were, and who used them.
        "cpu_percent": result.get("cpu"),
        "total": total,
        "groups": group_figures,
        "endpoints": endpoints,
        "sign_in": figures_of(
            sign_in_histogram, sum(entry["requests"] for entry in sign_in.values()), 0
        ),
        "failures": sum(result["failures_whole_run"].values()),
        "failures_by_endpoint": result["failures_whole_run"],
        "server_errors_5xx": sum(result["server_errors_whole_run"].values()),
        "server_errors_in_access_log": sum(1 for status in access_statuses if status >= 500),
        "errors": result["errors"],
        "sign_in_errors": result.get("sign_in_errors", []),
        "error_lines_in_web_log": stack.log_text("web").count(" ERROR "),
        "error_lines_in_worker_log": stack.log_text("worker").count("ERROR"),
        "exhausted_invoice_links": result["exhausted_invoice_links"],
    }


def table(summary: Mapping[str, Any]) -> str:
    lines = [
        f"{summary['users']} simulated people, {summary['measured_seconds']} s measured "
        f"after {summary['signed_in']} sign-ins (sign-in p50 {summary['sign_in']['p50_ms']} ms); "
        f"CPU %: {summary['cpu_percent']}",
        "| group | requests | rps | p50 ms | p95 ms | p99 ms | failures |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figures in [*summary["groups"].items(), ("all", summary["total"])]:
        lines.append(
            f"| {name} | {figures['requests']} | {figures['rps']} | {figures['p50_ms']} | "
            f"{figures['p95_ms']} | {figures['p99_ms']} | {figures.get('failures', '')} |"
        )
    lines.append(
        f"failures (whole run, sign-ins included): {summary['failures']}; 5xx answers: "
        f"{summary['server_errors_5xx']} (access log: {summary['server_errors_in_access_log']}); "
        f"ERROR lines: web {summary['error_lines_in_web_log']}, "
        f"worker {summary['error_lines_in_worker_log']}"
    )
    return "\n".join(lines)


# --- Soak verdict ----------------------------------------------------------------------------


def _at_and_after(points: list[tuple[float, int]], seconds: float) -> int | None:
    return next((kib for at, kib in points if at >= seconds), None)


def memory_verdict(
    samples: list[dict[str, Any]], measure_started: float, bound: int
) -> dict[str, Any]:
    """First, last, peak per process and per role; the verdict: the RSS of each role (all the
    gunicorn workers, the Celery worker with its pool) grew by less than 10 % from the 2nd
    minute to the end, and the database connections stayed within `bound`.

    Per role rather than per process: a gunicorn worker the kernel handed few requests before
    minute 2 is still cold then and "grows" by half as it warms up, which is no leak; a leak
    grows every worker, hence the role's total."""
    series: dict[str, list[tuple[float, int]]] = {}
    roles: dict[str, list[tuple[float, int]]] = {"web workers": [], "celery worker": []}
    for sample in samples:
        at = sample["time"] - measure_started
        web = {f"web worker {pid}": kib for pid, kib in sample["web_workers_kib"].items()}
        celery = {f"celery pool {pid}": kib for pid, kib in sample["celery_pool_kib"].items()}
        celery["celery worker (main)"] = sample["celery_main_kib"]
        for name, kib in (web | celery).items():
            if kib is not None:
                series.setdefault(name, []).append((at, kib))
        roles["web workers"].append((at, sum(kib for kib in web.values() if kib)))
        roles["celery worker"].append((at, sum(kib for kib in celery.values() if kib)))

    def figures(points: list[tuple[float, int]]) -> dict[str, Any]:
        baseline = _at_and_after(points, SOAK_BASELINE_SECONDS)
        last = points[-1][1]
        growth = (last - baseline) / baseline if baseline else None
        return {
            "first_mib": round(points[0][1] / 1024, 1),
            "at_2_minutes_mib": round(baseline / 1024, 1) if baseline else None,
            "last_mib": round(last / 1024, 1),
            "peak_mib": round(max(kib for _at, kib in points) / 1024, 1),
            "growth_percent": round(100 * growth, 1) if growth is not None else None,
        }

    role_figures = {name: figures(points) for name, points in roles.items() if points}
    growths = [
        figures["growth_percent"]
        for figures in role_figures.values()
        if figures["growth_percent"] is not None
    ]
    connections = [sample["connections"] for sample in samples if sample["connections"] is not None]
    memory_ok = len(growths) == len(roles) and max(growths) < 100 * GROWTH_LIMIT
    connections_ok = bool(connections) and max(connections) <= bound
    return {
        "roles": role_figures,
        "processes": {name: figures(points) for name, points in sorted(series.items())},
        "connections": {
            "first": connections[0] if connections else None,
            "last": connections[-1] if connections else None,
            "peak": max(connections) if connections else None,
            "bound": bound,
        },
        "max_rss_growth_percent": max(growths) if growths else None,
        "memory_ok": memory_ok,
        "connections_ok": connections_ok,
        "verdict": "pass" if memory_ok and connections_ok else "fail",
    }


def connections_bound(stack: Stack) -> int:
    """Each gunicorn thread and each Celery pool process keeps at most one connection
    (CONN_MAX_AGE), plus the worker's main process and beat."""
    return stack.web_workers * WEB_THREADS + WORKER_CONCURRENCY + 2


# --- Runs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    users: int
    seconds: float
    # Each simulated person's pause between two actions, "min,max" seconds: locust's own
    # example pace, still a click every 3 s on average (a person reading pages is slower).
    wait: str = "1,5"
    spawn_rate: float = 10
    personas: tuple[str, ...] = (
        "coordinator",
        "staff",
        "member",
        "partner",
        "client",
        "provider",
    )
    recycle: bool = True
    sample: bool = False


@dataclass
class Running:
    """A started stack and what the run needs beside it."""

    stack: Stack
    fixtures: Path
    captured: Path | None
    server_cpus: set[int] | None
    load_cpus: set[int] | None
    phases: dict[str, float]

    def machine(self) -> dict[str, Any]:
        return {
            "cpus": os.cpu_count(),
            "servers_on_cpus": sorted(self.server_cpus) if self.server_cpus else "all",
            "locust_on_cpus": sorted(self.load_cpus) if self.load_cpus else "all",
            "web_workers": self.stack.web_workers,
            "web_threads": WEB_THREADS,
            "celery_concurrency": WORKER_CONCURRENCY,
        }


@contextmanager
def running(*, accounts: int, recycle: bool, capture_sql: bool = False) -> Iterator[Running]:
    """Prepare the data, start the servers (pinned), warm them; stop everything on the way
    out, whatever happens (SIGTERM included)."""
    split = cpu_split()
    server_cpus, load_cpus = split if split else (None, None)
    port = int(os.environ.get("LOAD_PORT") or free_port())
    stack: Stack | None = None
    phases: dict[str, float] = {}
    with stopping_on_sigterm(), only_run():
        try:
            with pinned(server_cpus):
                began = time.monotonic()
                fixtures, captured = prepare(port, accounts=accounts, capture_sql=capture_sql)
                phases["prepare_seconds"] = round(time.monotonic() - began, 1)
                began = time.monotonic()
                stack = start_stack(port, recycle=recycle, server_cpus=server_cpus)
            warm_up(stack, hosts_of(fixtures))
            phases["start_seconds"] = round(time.monotonic() - began, 1)
            yield Running(stack, fixtures, captured, server_cpus, load_cpus, phases)
        finally:
            if stack is not None:
                stack.stop()
            postgres_stop()


def run(plan: Plan) -> dict[str, Any]:
    """Prepare, start, load, sample, stop: the summary of one run."""
    started = time.monotonic()
    sampler: Sampler | None = None
    with running(accounts=max(plan.users, 10), recycle=plan.recycle) as current:
        stack = current.stack
        try:
            if plan.sample:
                sampler = Sampler(stack)
                sampler.start()
            result = run_locust(
                stack,
                fixtures=current.fixtures,
                personas=list(plan.personas),
                users=plan.users,
                seconds=plan.seconds,
                wait=plan.wait,
                spawn_rate=plan.spawn_rate,
                load_cpus=current.load_cpus,
            )
            samples = sampler.stop() if sampler else []
        finally:
            if sampler and sampler.is_alive():
                sampler.done.set()
        # The worker finishes what the load queued before its memory is read.
        time.sleep(3)
        summary = summarise(result, stack)
        summary["machine"] = {**current.machine(), "recycling": plan.recycle}
        summary["memory_after_mib"] = memory_now(stack)
        if samples:
            measure_started = result["ended"] - float(result.get("measured_seconds") or 0)
            summary["soak"] = memory_verdict(samples, measure_started, connections_bound(stack))
            summary["samples"] = samples
        summary["stopped_early"] = stack.exited()
        summary["phases"] = current.phases
    summary["total_seconds"] = round(time.monotonic() - started, 1)
    return summary


def hosts_of(fixtures: Path) -> list[str]:
    data = json.loads(fixtures.read_text())
    return [data["national_host"], *(cae["host"] for cae in data["caes"])]


def memory_now(stack: Stack) -> dict[str, Any]:
    """memory_sample() in MiB, with the largest gunicorn worker."""
    sample = memory_sample(stack)
    web_workers = [kib for kib in sample["web_workers_kib"].values() if kib is not None]
    pool = [kib for kib in sample["celery_pool_kib"].values() if kib is not None]
    main = sample["celery_main_kib"]
    return {
        "web_worker_max": round(max(web_workers) / 1024, 1) if web_workers else None,
        "web_workers": [round(kib / 1024, 1) for kib in web_workers],
        "celery_main": round(main / 1024, 1) if main else None,
        "celery_pool": [round(kib / 1024, 1) for kib in pool],
    }


def ok(summary: Mapping[str, Any]) -> bool:
    return (
        summary["failures"] == 0
        and summary["server_errors_5xx"] == 0
        and summary["server_errors_in_access_log"] == 0
        and summary["signed_in"] == summary["users"]
        and not summary["stopped_early"]
        and summary.get("soak", {}).get("verdict", "pass") == "pass"
    )


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "load"
    if mode not in {"load", "soak"}:
        print("usage: python bench/load.py [load|soak]")
        return 2
    users = int(os.environ.get("LOAD_USERS", "50"))
    if mode == "load":
        plan = Plan(
            users=users,
            seconds=float(os.environ.get("LOAD_SECONDS", "60")),
            wait=os.environ.get("LOAD_WAIT", Plan.wait),
        )
    else:
        plan = Plan(
            users=users,
            seconds=float(os.environ.get("SOAK_SECONDS", "600")),
            wait=os.environ.get("LOAD_WAIT", Plan.wait),
            recycle=os.environ.get("SOAK_RECYCLE", "") == "1",
            sample=True,
        )
    try:
        summary = run(plan)
    except (KeyboardInterrupt, TerminatedError):
        print("interrupted: every process was stopped")
        return 130
    passed = ok(summary)
    summary["passed"] = passed
    output = ROOT / "bench" / f"{mode}.json"
    output.write_text(json.dumps(summary, indent=1) + "\n")
    print(table(summary))
    if "soak" in summary:
        soak = summary["soak"]
        print(
            f"soak: RSS growth from minute 2 to the end, per role (%): "
            f"{ {role: figures['growth_percent'] for role, figures in soak['roles'].items()} } "
            f"(limit {round(100 * GROWTH_LIMIT)} %); connections {soak['connections']}; "
            f"verdict {soak['verdict']}"
        )
    print(f"memory after the load (MiB): {summary['memory_after_mib']}")
    print(f"written: {output.relative_to(ROOT)}; logs in {DATA_DIR / 'logs'}")
    if not passed:
        print("FAILED: see the failures, 5xx answers or soak verdict above")
    return 0 if passed else 1


# --- make bench: "api" and "memory" ----------------------------------------------------------


class DirectHttp:
    """load_scenarios.Http over http.client, for sequential (unloaded) timings."""

    def __init__(self, port: int, host: str) -> None:
        self.port = port
        self.host = host
        self.cookies: dict[str, str] = {}
        self.timings: dict[str, list[float]] = {}
        self.failures: list[str] = []

    def send(
        self,
        method: str,
        path: str,
        *,
        name: str,
        expect: Any,
        form: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        from bench.load_scenarios import Reply, path_of

        sent = {"Host": self.host, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        began = time.perf_counter()
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        self.timings.setdefault(name, []).append(1000 * (time.perf_counter() - began))
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            key, _, rest = header.partition("=")
            self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.status not in expect:
            self.failures.append(f"{name}: {response.status}")
        location = response.headers.get("Location", "")
        return Reply(
            status=response.status, text=text, location=path_of(location) if location else ""
        )


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def sql_replay(captured: Mapping[str, Any], database_url: str, seconds: float) -> dict[str, Any]:
    """Each endpoint's statements straight through psycopg, in a transaction rolled back, on
    one connection, for `seconds`: the database's own cost of one request."""
    import psycopg

    figures = {}
    with psycopg.connect(database_url) as connection:
        for name, capture in captured.items():
            statements = capture["statements"]
            timings = []
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                began = time.perf_counter()
                with connection.transaction(force_rollback=True):
                    connection.execute(f'SET LOCAL search_path = "{capture["schema"]}", public')
                    for statement in statements:
                        # No parameters: psycopg sends the text as it is (no placeholders).
                        cursor = connection.execute(statement)
                        if cursor.description is not None:
                            cursor.fetchall()
                timings.append(1000 * (time.perf_counter() - began))
            figures[name] = {
                "statements": len(statements),
                "rps_one_connection": round(len(timings) / seconds, 1),
                **_quantiles(timings),
            }
    return figures


def api_bench() -> dict[str, Any]:
    """`make bench`'s "api" and "memory" sections: the main list and detail endpoints under
    gunicorn, loaded by locust twice for BENCH_API_SECONDS each (BENCH_API_USERS people at the
    load's pace: the latency target; then BENCH_API_SATURATION_USERS without pause: the most
    requests per second one server core gives), one person alone, and the same requests' SQL
    replayed through psycopg; then the peak RSS of a gunicorn worker and of the Celery worker."""
    from bench.load_scenarios import ApiReader

    users = int(os.environ.get("BENCH_API_USERS", "50"))
    saturation_users = int(os.environ.get("BENCH_API_SATURATION_USERS", "20"))
    seconds = float(os.environ.get("BENCH_API_SECONDS", "30"))
    # The paced people arrive as in `make load` (Plan.spawn_rate per second).
    phases_run = {
        "paced": (users, Plan.wait, Plan.spawn_rate),
        "saturated": (saturation_users, "0,0", saturation_users),
    }
    sampler: Sampler | None = None
    accounts = max(users, saturation_users) + 2
    with running(accounts=accounts, recycle=True, capture_sql=True) as current:
        stack = current.stack
        fixtures = json.loads(current.fixtures.read_text())
        assert current.captured is not None
        captured = json.loads(current.captured.read_text())
        # One person alone, one request at a time (from the load generator's core).
        began = time.monotonic()
        with pinned(current.load_cpus):
            sites: dict[str, DirectHttp] = {}
            alone = ApiReader(
                http_for=lambda host: sites.setdefault(host, DirectHttp(stack.port, host)),
                fixtures=fixtures,
            )
            # The first staff account: locust's people take theirs from the end, and a TOTP code
            # is accepted once per account.
            alone.sign_in(alone.cae["staff"][0], second_factor=True)
            (http,) = sites.values()
            http.timings.clear()
            for _round in range(40):
                for method in ApiReader.tasks:
                    getattr(alone, method)()
            if http.failures:
                raise RuntimeError(f"API bench requests failed: {http.failures[:5]}")
            # The first rounds warm the worker's caches.
            unloaded = {name: _quantiles(values[5:]) for name, values in http.timings.items()}
        current.phases["alone_seconds"] = round(time.monotonic() - began, 1)
        summaries = {}
        try:
            sampler = Sampler(stack, every=2)
            sampler.start()
            for phase, (people, wait, spawn_rate) in phases_run.items():
                began = time.monotonic()
                result = run_locust(
                    stack,
                    fixtures=current.fixtures,
                    personas=["api-reader"],
                    users=people,
                    seconds=seconds,
                    wait=wait,
                    spawn_rate=spawn_rate,
                    load_cpus=current.load_cpus,
                )
                current.phases[f"locust_{phase}_seconds"] = round(time.monotonic() - began, 1)
                summaries[phase] = summarise(result, stack)
            samples = sampler.stop()
        finally:
            if sampler and sampler.is_alive():
                sampler.done.set()
        began = time.monotonic()
        with pinned(current.load_cpus):
            raw = sql_replay(captured, stack.database_url, seconds=2)
        current.phases["sql_seconds"] = round(time.monotonic() - began, 1)
        stopped_early = stack.exited()
        machine = current.machine()
        phases = current.phases
    paced, saturated = summaries["paced"], summaries["saturated"]
    for phase, summary in summaries.items():
        if summary["failures"] or summary["server_errors_5xx"]:
            raise RuntimeError(
                f"API bench, {phase}: {summary['failures']} failures "
                f"({summary['failures_by_endpoint']}), {summary['server_errors_5xx']} 5xx"
            )
    endpoints = {}
    for name, loaded in paced["endpoints"].items():
        sql = raw.get(name)
        single = unloaded.get(name)
        busiest = saturated["endpoints"].get(name)
        endpoints[name] = {
            "paced": loaded,
            "saturated": busiest,
            "alone": single,
            "raw_sql": sql,
            "latency_ratio_alone_vs_sql": (
                round(single["p50_ms"] / sql["p50_ms"], 1) if sql and single else None
            ),
            "throughput_ratio_sql_vs_saturated": (
                round(sql["rps_one_connection"] / busiest["rps"], 1)
                if sql and busiest and busiest["rps"]
                else None
            ),
        }
    web_peaks = [
        max(kib for kib in sample["web_workers_kib"].values() if kib)
        for sample in samples
        if any(sample["web_workers_kib"].values())
    ]
    celery_peaks = [
        sample["celery_main_kib"] + sum(kib for kib in sample["celery_pool_kib"].values() if kib)
        for sample in samples
        if sample["celery_main_kib"]
    ]
    return {
        "api": {
            "users": users,
            "pause_seconds": Plan.wait,
            "saturation_users": saturation_users,
            "seconds": seconds,
            "machine": machine,
            "phases": phases,
            **{
                phase: {
                    "cpu_percent": summary["cpu_percent"],
                    "groups": summary["groups"],
                    "total": summary["total"],
                    "failures": summary["failures"],
                    "server_errors_5xx": summary["server_errors_5xx"],
                }
                for phase, summary in summaries.items()
            },
            "stopped_early": stopped_early,
            "endpoints": endpoints,
        },
        "memory": {
            "web_worker_peak_mib": round(max(web_peaks) / 1024, 1) if web_peaks else None,
            "celery_worker_peak_mib": round(max(celery_peaks) / 1024, 1) if celery_peaks else None,
            "celery_worker_note": "main process + its pool's processes",
        },
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv))
