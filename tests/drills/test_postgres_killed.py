"""Drill: PostgreSQL is killed (SIGKILL on the postmaster) while several callers issue invoices;
after its restart, no acknowledged invoice is lost and the numbering has no gap and no repeat."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError, connection
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from coopilote.settings.environment import BASE_DIR, DATA_DIR, env
from network.registry.models import Cae
from tenants.billing.models import Invoice, InvoiceStatus, NumberCounter
from tenants.billing.services import invoice_issue
from tests.drills.conftest import ISSUE_DATE, figures_record, invoices_submitted, staff_user
from tests.drills.proxy import FaultProxy

pytestmark = pytest.mark.drill

INVOICES = 240
CALLERS = 4
KILL_AFTER = 80  # acknowledged issues before the kill: the outage hits a busy database
CALLER_SECONDS = 180
NUMBER = re.compile(r"^F2027-(\d{5})$")
CONNECTION_ERRORS = (OperationalError, InterfaceError)


@dataclass
class Ledger:
    """What the callers were told, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[int, str] = field(default_factory=dict)  # invoice id → number returned
    acknowledged_at: list[float] = field(default_factory=list)
    failed_calls: int = 0
    failed_invoices: set[int] = field(default_factory=set)
    # Issued by a call that got an error (the commit reached the disk, its answer did not): the
    # retry is told the invoice is no longer waiting to be issued.
    committed_in_doubt: set[int] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)


def _caller(cae: Cae, invoice_ids: list[int], by: User, ledger: Ledger) -> None:
    """Issue each invoice, retrying through the outage as a client would; record every answer."""
    deadline = time.monotonic() + CALLER_SECONDS
    try:
        for invoice_id in invoice_ids:
            while True:
                try:
                    with tenant_context(cae):
                        issued = invoice_issue(
                            invoice=Invoice(pk=invoice_id), by=by, issued_on=ISSUE_DATE
                        )
                except CONNECTION_ERRORS:
                    with ledger.lock:
                        ledger.failed_calls += 1
                        ledger.failed_invoices.add(invoice_id)
                    connection.close()
                    if time.monotonic() > deadline:
                        with ledger.lock:
                            ledger.unexpected.append(f"invoice {invoice_id}: gave up")
                        return
                    time.sleep(0.1)
                    continue
                except ApplicationError as refusal:
                    with ledger.lock:
                        if invoice_id in ledger.failed_invoices:
                            ledger.committed_in_doubt.add(invoice_id)
                        else:
                            ledger.unexpected.append(f"invoice {invoice_id}: {refusal}")
                    break
                except Exception as error:  # a duplicate number would land here
                    with ledger.lock:
                        ledger.unexpected.append(f"invoice {invoice_id}: {error!r}")
                    return
                with ledger.lock:
                    ledger.acknowledged[invoice_id] = issued.number
                    ledger.acknowledged_at.append(time.monotonic())
                break
    finally:
        connection.close()


def _pgdata() -> Path:
    if env.str("DATABASE_URL", default=""):
        pytest.fail("The PostgreSQL drill kills the embedded cluster: unset DATABASE_URL.")
    if DATA_DIR.resolve() == (BASE_DIR / ".data").resolve():
        pytest.fail(
            "The PostgreSQL drill kills its own cluster only: run it through `make drills` "
            "(COOPILOTE_DATA_DIR=.data/drills), never on the default .data/ of demo and tests."
        )
    return DATA_DIR / "postgres"


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _restart(pgdata: Path) -> int:
    """Start the cluster again as an operator would (a new process, `start_postgres`), retrying
    while the killed server's children are still exiting; return the attempts it took."""
    script = (
        "import sys; from pathlib import Path; from coopilote.embedded import start_postgres; "
        "print(start_postgres(Path(sys.argv[1])))"
    )
    environment = {**os.environ, "PYTHONPATH": str(BASE_DIR / "platform")}
    deadline = time.monotonic() + 90
    attempts = 0
    while True:
        attempts += 1
        result = subprocess.run(
            [sys.executable, "-c", script, str(DATA_DIR)],
            cwd=BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return attempts
        if time.monotonic() > deadline:
            log = (pgdata / "log").read_text(errors="replace")[-3000:]
            pytest.fail(f"PostgreSQL did not restart:\n{result.stderr[-3000:]}\n{log}")
        time.sleep(1)


def test_invoices_acknowledged_before_postgres_is_killed_are_kept_and_numbered_without_gaps(
    drill_cae: Callable[[str, int], Cae], broker_proxy: FaultProxy
) -> None:
    # (The broker is up: each issue also sends the cohort's national figures after its commit.)
    pgdata = _pgdata()
    cae = drill_cae("drill-postgres", 93)
    staff = staff_user()
    invoice_ids = [invoice.pk for invoice in invoices_submitted(cae, count=INVOICES, by=staff)]
    ledger = Ledger()
    callers = [
        threading.Thread(
            target=_caller, args=(cae, invoice_ids[position::CALLERS], staff, ledger), daemon=True
        )
        for position in range(CALLERS)
    ]

    # Given several callers issuing invoices,
    for caller in callers:
        caller.start()
    deadline = time.monotonic() + 120
    while len(ledger.acknowledged) < KILL_AFTER:
        assert time.monotonic() < deadline, f"too slow before the kill: {ledger}"
        assert not ledger.unexpected, ledger.unexpected
        time.sleep(0.02)
    # when the postmaster is killed in the middle,
    postmaster = _postmaster_pid(pgdata)
    os.kill(postmaster, signal.SIGKILL)
    killed_at = time.monotonic()
    acknowledged_at_kill = len(ledger.acknowledged)
    while _process_alive(postmaster):
        time.sleep(0.01)
    time.sleep(1)  # an outage: every caller meets it
    restart_attempts = _restart(pgdata)
    restarted_at = time.monotonic()
    for caller in callers:
        caller.join(timeout=CALLER_SECONDS + 30)
    assert not any(caller.is_alive() for caller in callers)
    connection.close()  # this thread's connection died with the server

    with tenant_context(cae):
        issued = dict(
            Invoice.objects.filter(status=InvoiceStatus.ISSUED).values_list("pk", "number")
        )
        counter = NumberCounter.objects.get(key="invoice:SEQYEAR:2027").last_value
    values = sorted(
        int(match.group(1)) if (match := NUMBER.match(number)) else 0 for number in issued.values()
    )
    after_kill = [at for at in ledger.acknowledged_at if at > killed_at]
    figures_record(
        "postgres_killed",
        {
            "callers": CALLERS,
            "invoices_issued": len(issued),
            "acknowledged_before_kill": acknowledged_at_kill,
            "acknowledged_total": len(ledger.acknowledged),
            "failed_calls_retried": ledger.failed_calls,
            "committed_without_answer": len(ledger.committed_in_doubt),
            "acknowledged_lost": len(set(ledger.acknowledged) - set(issued)),
            "numbering_gaps": len(set(range(1, max(values, default=0) + 1)) - set(values)),
            "numbering_repeats": len(values) - len(set(values)),
            "restart_attempts": restart_attempts,
            "seconds_kill_to_restarted": round(restarted_at - killed_at, 1),
            "seconds_kill_to_next_issue": round(min(after_kill) - killed_at, 1)
            if after_kill
            else None,
        },
    )

    # then the callers met errors, never a wrong answer,
    assert ledger.unexpected == []
    assert ledger.failed_calls > 0
    # every acknowledged invoice is in the database with the number its caller got back,
    assert {pk: issued.get(pk) for pk in ledger.acknowledged} == ledger.acknowledged
    # an invoice issued without an answer is one whose call failed (in doubt, then refused),
    assert set(issued) == set(ledger.acknowledged) | ledger.committed_in_doubt
    assert ledger.committed_in_doubt <= ledger.failed_invoices
    # and the numbering runs from 1 to the last number: no gap, no repeat.
    assert values == list(range(1, INVOICES + 1))
    assert counter == INVOICES
