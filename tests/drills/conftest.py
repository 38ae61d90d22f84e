"""What the fault drills share: their settings, the broker behind a fault proxy, real workers,
a fresh CAE per drill, and the figures each drill records in test-artifacts/drills.json."""

from __future__ import annotations

import datetime
import email
import email.policy
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import User
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_register
from tenants.billing.models import Invoice
from tenants.billing.services import invoice_draft_create, invoice_line_add, invoice_submit
from tests.conftest import database_url_for_processes
from tests.drills.mail import drill_folder
from tests.drills.proxy import FaultProxy
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.people.factories import CohortFactory

DRILL_SETTINGS = "tests.drills.settings"
ARTIFACT = Path(settings.BASE_DIR) / "test-artifacts" / "drills.json"
SALE_DATE = datetime.date(2027, 7, 20)
ISSUE_DATE = datetime.date(2027, 7, 31)


@pytest.fixture(autouse=True)
def _drill_settings() -> None:
    # (The module name itself is hidden while a test overrides settings.)
    if getattr(settings, "DRILL_DIR", None) is None:
        pytest.fail(
            f"The drills run with their own settings: `make drills` "
            f"(pytest -m drill --ds={DRILL_SETTINGS} tests/drills)."
        )


@pytest.fixture
def live_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Real commits: workers are other processes, and a drill kills things mid-transaction."""
    with django_db_blocker.unblock():
        yield


def _redis_url() -> str:
    return str(settings.DRILL_REDIS_URL)  # type: ignore[misc]  # a setting of the drills only


@pytest.fixture(scope="session")
def redis_server() -> redis.Redis:
    """The real Redis behind the proxy, its drill database emptied of earlier runs' messages."""
    client = redis.Redis.from_url(_redis_url(), socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("start Redis on 127.0.0.1:6379 (redis-server)")
    client.flushdb()
    return client


@pytest.fixture
def broker_proxy(redis_server: redis.Redis) -> Iterator[FaultProxy]:
    """The broker as the application and the workers see it: Redis through the fault proxy."""
    target = urlsplit(_redis_url())
    proxy = FaultProxy(
        listen_port=int(settings.DRILL_PROXY_PORT),  # type: ignore[misc]
        target_host=target.hostname or "127.0.0.1",
        target_port=target.port or 6379,
    )
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def drill_dir() -> Path:
    """The drills' mail and files, emptied: every message counted is this drill's."""
    folder = drill_folder()
    for name in ("mail", "media"):
        shutil.rmtree(folder / name, ignore_errors=True)
        (folder / name).mkdir(parents=True)
    for name in ("hold-mail", "mail-held"):
        (folder / name).unlink(missing_ok=True)
    return folder


# --- Workers -----------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no rollback sent by the worker."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start real workers (`celery -A coopilote worker`) on the drills' broker and the test
    database; all stopped at the end. The solo pool runs the task in the process a drill kills;
    `processes=2` gives the production pool (prefork) two children."""
    started: list[Worker] = []

    def start(name: str, *, processes: int = 0) -> Worker:
        pool = f"--pool=prefork --concurrency={processes}" if processes else "--pool=solo"
        log = tmp_path / f"worker-{name}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": DRILL_SETTINGS,
            "DATABASE_URL": database_url_for_processes(),
        }
        with log.open("w") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "celery", "-A", "coopilote", "worker", *pool.split()),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                    *("-n", f"drill-{name}-{os.getpid()}@%h", "--loglevel=INFO"),
                ],
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(Worker(process, log))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def wait_until(
    condition: Callable[[], bool], *, seconds: float, what: str, log: Callable[[], str]
) -> float:
    """Poll `condition` until true; return the seconds it took, or fail saying what was awaited."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(f"{what}: not done after {seconds:.0f} s.\n{log()}")
        time.sleep(0.2)
    return time.monotonic() - started


# --- A fresh CAE and its invoices ----------------------------------------------------------------


@pytest.fixture
def drill_cae(live_db: None) -> Iterator[Callable[[str, int], Cae]]:
    """A new CAE for a drill (its numbering starts at 1), dropped with its schema at the end."""
    slugs: list[str] = []

    def drop(slug: str) -> None:
        with schema_context("public"):
            for leftover in Cae.objects.filter(slug=slug):
                leftover.delete(force_drop=True)

    def create(slug: str, number: int) -> Cae:
        drop(slug)  # a run killed before its clean-up
        slugs.append(slug)
        with schema_context("public"):
            return cae_register(
                name=f"CAE {slug}",
                slug=slug,
                identity=fictional_identity(number),
                provision_now=True,
            )

    yield create
    for slug in slugs:
        drop(slug)


def staff_user() -> User:
    with schema_context("public"):
        user, _created = User.objects.get_or_create(
            email="exercices@example.org", defaults={"first_name": "Exercice"}
        )
        return user


def invoices_submitted(cae: Cae, *, count: int, by: User) -> list[Invoice]:
    """`count` invoices of one cohort, each with a line, submitted to the CAE (not issued)."""
    invoices = []
    with tenant_context(cae):
        cohort = CohortFactory.create(name="CJS des exercices")
        client = ClientFactory.create(email="client@example.org")
        for position in range(count):
            invoice = invoice_draft_create(cohort=cohort, client=client, sale_date=SALE_DATE)
            invoice_line_add(
                invoice=invoice,
                description=f"Tonte de pelouse n° {position + 1}",
                quantity=Decimal("2"),
                unit="hour",
                unit_price_excl_vat=Decimal("15.50"),
                vat_rate=Decimal("20.0"),
            )
            invoices.append(invoice_submit(invoice=invoice, by=by))
    return invoices


def recipient_for(invoice: Invoice) -> str:
    """One address per invoice, so that each email is counted against its invoice."""
    return f"facture-{invoice.pk}@client.example.org"


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    attachments: tuple[str, ...]


def mail_sent(folder: Path) -> list[SentMail]:
    """Every message the file backend wrote (one file per connection, messages separated by a
    line of 79 dashes)."""
    sent = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            sent.append(
                SentMail(
                    to=str(message["To"]),
                    subject=str(message["Subject"]),
                    attachments=tuple(
                        str(part.get_filename()) for part in message.iter_attachments()
                    ),
                )
            )
    return sent


def mail_count_by_recipient(folder: Path) -> Counter[str]:
    return Counter(message.to for message in mail_sent(folder))


# --- Figures -------------------------------------------------------------------------------------


def figures_record(drill: str, figures: dict[str, Any]) -> None:
    """Print a one-line summary and keep the figures in test-artifacts/drills.json."""
    print(f"\n[drill] {drill}: " + ", ".join(f"{key}={value}" for key, value in figures.items()))
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    try:
        recorded = json.loads(ARTIFACT.read_text())
    except (OSError, ValueError):
        recorded = {}
    recorded[drill] = {"recorded_at": datetime.datetime.now(datetime.UTC).isoformat(), **figures}
    ARTIFACT.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
