"""Drill: a worker is killed (SIGKILL) in the middle of emailing an invoice; the message comes
back (late acknowledgement, visibility timeout) and the email is sent exactly once."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from coopilote.tasking.models import OutboxMessage
from network.registry.models import Cae
from tenants.billing.models import ArchivedDocument, InvoiceDispatch
from tenants.billing.services import invoice_issue, invoice_send
from tests.drills.conftest import (
    ISSUE_DATE,
    Worker,
    figures_record,
    invoices_submitted,
    mail_count_by_recipient,
    recipient_for,
    staff_user,
    wait_until,
)
from tests.drills.mail import held_file, hold_file
from tests.drills.proxy import FaultProxy

pytestmark = pytest.mark.drill

INVOICES = 3
RECEIVED = re.compile(r"Task billing\.invoice_email\[([0-9a-f-]+)\] received")


def _received(worker: Worker) -> set[str]:
    """The ids of the email tasks a worker took from the broker (its log)."""
    return set(RECEIVED.findall(worker.log.read_text(errors="replace")))


def test_a_worker_killed_mid_task_leaves_the_email_sent_exactly_once(
    drill_cae: Callable[[str, int], Cae],
    broker_proxy: FaultProxy,
    workers: Callable[..., Worker],
    drill_dir: Path,
) -> None:
    cae = drill_cae("drill-worker", 92)
    staff = staff_user()
    invoices = invoices_submitted(cae, count=INVOICES, by=staff)
    # The mail server hangs on the first email: the worker is caught after the PDF is rendered
    # and archived (not yet committed), before the email leaves and the dispatch is marked sent.
    hold_file().write_text("120")
    first = workers("first")

    with tenant_context(cae):
        for invoice in invoices:
            issued = invoice_issue(invoice=invoice, by=staff, issued_on=ISSUE_DATE)
            invoice_send(invoice=issued, by=staff, recipient=recipient_for(issued))
        sent_to_broker = not OutboxMessage.objects.pending().exists()
    assert sent_to_broker

    wait_until(held_file().exists, seconds=90, what="a worker sending an email", log=first.tail)
    held_pid, held_recipient = held_file().read_text().split()[:2]
    assert int(held_pid) == first.process.pid  # the task runs in the process killed below
    # When the worker is killed in the middle of that task,
    first.kill()
    killed_at = time.monotonic()
    hold_file().unlink()
    with tenant_context(cae):
        held = InvoiceDispatch.objects.get(recipient=held_recipient)
    assert held.sent_at is None  # caught mid-task: its effect had not happened
    assert mail_count_by_recipient(drill_dir / "mail")[held_recipient] == 0

    # and a new worker starts,
    second = workers("second")

    def all_sent() -> bool:
        with tenant_context(cae):
            return not InvoiceDispatch.objects.filter(sent_at__isnull=True).exists()

    wait_until(all_sent, seconds=120, what="emails sent after the kill", log=second.tail)
    redelivered_after = time.monotonic() - killed_at
    second.stop()

    # then the killed task ran again and every invoice got exactly one email and one PDF.
    with tenant_context(cae):
        dispatches = list(InvoiceDispatch.objects.all())
        archived = sorted(ArchivedDocument.objects.values_list("invoice_id", flat=True))
        archive_names = set(ArchivedDocument.objects.values_list("pdf", flat=True))
    emails = mail_count_by_recipient(drill_dir / "mail")
    redelivered = _received(first) & _received(second)
    # The PDF the killed worker wrote before its transaction died stays on disk, unreferenced
    # (the archive row that named it was rolled back); counted, not hidden.
    media = drill_dir / "media" / cae.schema_name
    files = {str(path.relative_to(media)) for path in media.rglob("*.pdf")}
    figures_record(
        "worker_killed",
        {
            "invoices": INVOICES,
            "emails_sent": sum(emails.values()),
            "pdfs_archived": len(archived),
            "unreferenced_pdf_files": len(files - archive_names),
            "tasks_redelivered": len(redelivered),
            "seconds_from_kill_to_all_sent": round(redelivered_after, 1),
            "visibility_timeout_seconds": settings.CELERY_BROKER_TRANSPORT_OPTIONS[
                "visibility_timeout"
            ],
        },
    )
    assert len(redelivered) == 1  # the killed task, same task id, handed to the new worker
    assert emails == {recipient_for(invoice): 1 for invoice in invoices}
    assert archived == sorted(invoice.pk for invoice in invoices)
    assert len(dispatches) == INVOICES
    assert archive_names <= files
