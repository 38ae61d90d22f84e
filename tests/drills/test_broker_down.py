"""Drill: the broker is down while 100 invoices are issued and sent; nothing is lost, nothing is
done twice once it is back."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from coopilote.tasking.models import OutboxMessage
from coopilote.tasking.services import outbox_relay_everywhere
from network.registry.models import Cae
from tenants.billing.models import ArchivedDocument, Invoice, InvoiceDispatch, InvoiceStatus
from tenants.billing.services import invoice_issue, invoice_send
from tests.drills.conftest import (
    ISSUE_DATE,
    Worker,
    figures_record,
    invoices_submitted,
    mail_count_by_recipient,
    mail_sent,
    recipient_for,
    staff_user,
    wait_until,
)
from tests.drills.proxy import FaultProxy

pytestmark = pytest.mark.drill

INVOICES = 100
CALLERS = 4


def _issue_and_send(cae: Cae, staff: User, invoice: Invoice) -> str:
    """What CAE staff do for each invoice: issue it, then send it (each call commits)."""
    try:
        with tenant_context(cae):
            issued = invoice_issue(invoice=invoice, by=staff, issued_on=ISSUE_DATE)
            invoice_send(invoice=issued, by=staff, recipient=recipient_for(issued))
        return str(issued.number)
    finally:
        connection.close()  # the caller's thread ends its "request"


def test_invoices_issued_while_the_broker_is_down_are_sent_once_when_it_is_back(
    drill_cae: Callable[[str, int], Cae],
    broker_proxy: FaultProxy,
    workers: Callable[..., Worker],
    drill_dir: Path,
) -> None:
    cae = drill_cae("drill-broker", 91)
    staff = staff_user()
    invoices = invoices_submitted(cae, count=INVOICES, by=staff)

    # Given the broker is down,
    broker_proxy.stop()
    # when CAE staff issue and send 100 invoices, four at a time (the relay after each commit
    # fails, quietly: its warnings would bury the drill's output; the outbox rows record each
    # failed attempt),
    relay_logger = logging.getLogger("coopilote.tasking.services")
    relay_logger.disabled = True
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=CALLERS) as callers:
            numbers = list(callers.map(partial(_issue_and_send, cae, staff), invoices))
    finally:
        relay_logger.disabled = False
    outage_seconds = time.monotonic() - started
    with tenant_context(cae):
        pending = OutboxMessage.objects.pending().count()
        failed_relays = OutboxMessage.objects.aggregate(total=Sum("attempts"))["total"] or 0
    # then every call succeeded and the work waits in the outbox (an email and the national
    # figures per invoice), none of it on the broker.
    assert len(set(numbers)) == INVOICES
    assert pending == 2 * INVOICES
    assert failed_relays >= pending

    # When the broker is back, a worker runs and the outbox sweep runs,
    broker_proxy.start()
    back = time.monotonic()
    worker = workers("broker", processes=2)
    sweeps = outbox_relay_everywhere(schema_names=[cae.schema_name])

    def all_sent() -> bool:
        with tenant_context(cae):
            return not InvoiceDispatch.objects.filter(sent_at__isnull=True).exists()

    wait_until(all_sent, seconds=240, what="emails sent by the worker", log=worker.tail)
    recovery_seconds = time.monotonic() - back
    worker.stop()

    # then every invoice has exactly one archived PDF and exactly one email, and nothing is left
    # pending in the outbox.
    with tenant_context(cae):
        dispatches = list(InvoiceDispatch.objects.select_related("invoice"))
        archived = list(ArchivedDocument.objects.values_list("invoice_id", flat=True))
        still_pending = OutboxMessage.objects.pending().count()
        issued_count = Invoice.objects.filter(status=InvoiceStatus.ISSUED).count()
    emails = mail_count_by_recipient(drill_dir / "mail")
    figures_record(
        "broker_down",
        {
            "invoices_issued": INVOICES,
            "callers": CALLERS,
            "emails_sent": sum(emails.values()),
            "pdfs_archived": len(archived),
            "outbox_messages_kept": pending,
            "failed_relay_attempts": failed_relays,
            "issue_and_send_seconds_while_down": round(outage_seconds, 1),
            "seconds_to_all_sent_after_restart": round(recovery_seconds, 1),
            "outbox_pending_after": still_pending,
        },
    )
    assert sum(sweep.sent for sweep in sweeps) == 2 * INVOICES
    assert issued_count == INVOICES
    assert len(dispatches) == INVOICES
    assert all(dispatch.sent_at is not None for dispatch in dispatches)
    assert sorted(archived) == sorted(dispatch.invoice_id for dispatch in dispatches)
    assert emails == {recipient_for(dispatch.invoice): 1 for dispatch in dispatches}
    assert all(
        message.attachments == (f"Facture-{message.subject.split()[1]}.pdf",)
        for message in mail_sent(drill_dir / "mail")
    )
    assert still_pending == 0
