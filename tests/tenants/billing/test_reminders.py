"""Overdue invoices: the client is reminded every 14 days (3 times at most), with the link."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from coopilote.accounts.models import User
from network.registry import tasks as registry_tasks
from network.registry.models import Cae
from tenants.billing.models import Invoice, InvoiceReminder
from tenants.billing.services import invoice_reminders_send, payment_record
from tests.tenants.billing.test_settlement import _issued

D = datetime.date
DUE = D(2026, 8, 30)  # issued 31/07/2026, 30 days


def _overdue(person: User) -> Invoice:
    invoice = _issued(person)
    invoice.client.__class__.objects.filter(pk=invoice.client_id).update(
        email="compta@fournil.example"
    )
    return Invoice.objects.select_related("client").get(pk=invoice.pk)


def test_a_client_is_reminded_every_two_weeks_three_times_at_most(
    in_alpha: Cae, person: User
) -> None:
    invoice = _overdue(person)

    # due today (not late), the day after, the same day again, 9 and 14 days later, 14 more,
    # then a month later (three reminders sent already)
    days_late = [0, 1, 1, 10, 15, 29, 60]
    runs = [
        len(invoice_reminders_send(today=DUE + datetime.timedelta(days=late))) for late in days_late
    ]

    assert runs == [0, 1, 0, 0, 1, 1, 0]
    assert InvoiceReminder.objects.filter(invoice=invoice).count() == 3
    assert len(mail.outbox) == 3
    email = mail.outbox[0]
    assert email.to == ["compta@fournil.example"]
    assert "Relance" in email.subject
    assert invoice.number in email.subject
    assert "/factures/consulter/" in email.body
    assert "120,00" in email.body


def test_a_paid_invoice_is_not_reminded(in_alpha: Cae, person: User) -> None:
    invoice = _overdue(person)
    payment_record(
        invoice=invoice,
        amount=Decimal("120"),
        received_on=D(2026, 9, 2),
        method="transfer",
        by=person,
    )

    assert invoice_reminders_send(today=DUE + datetime.timedelta(days=5)) == []
    assert mail.outbox == []


def test_the_daily_task_goes_to_every_active_cae(
    cae_alpha: Cae, cae_beta: Cae, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, str]] = []

    def record(name: str, *, schema_name: str, **kwargs: Any) -> None:
        sent.append((name, schema_name))

    monkeypatch.setattr(registry_tasks, "task_send", record)

    count = registry_tasks.tenant_fanout_task.run(task_name="billing.invoice_reminders")

    assert count == len(sent)
    assert ("billing.invoice_reminders", "cae_alpha") in sent
    assert ("billing.invoice_reminders", "cae_beta") in sent
    assert all(schema != "public" for _name, schema in sent)
