"""The outbox: after-commit work is written in the transaction, relayed once, never lost."""

from __future__ import annotations

import datetime
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from kombu.exceptions import OperationalError

from coopilote.accounts.models import Role, User
from coopilote.tasking.models import OutboxMessage, TaskRun
from coopilote.tasking.selectors import outbox_schemas
from coopilote.tasking.services import (
    ATTEMPTS_FLAGGED,
    SENT_RETENTION,
    outbox_backoff,
    outbox_message_relay,
    outbox_relay,
    outbox_relay_everywhere,
    task_enqueue_on_commit,
    task_send_on_commit,
)
from coopilote.tasking.tasks import worker_probe
from coopilote.tenancy import current_schema
from network.registry.models import Cae
from network.registry.tasks import membership_invite_task
from tenants.billing.tasks import payment_event_apply_task
from tenants.commerce.services import quote_line_add, quote_send
from tenants.commerce.tasks import quote_email_task
from tests.conftest import grant, sign_in, site_client
from tests.tenants.commerce.factories import QuoteFactory, ServiceFactory

BROKER_DOWN = OperationalError("[Errno 111] Connection refused")
WAIT_SECONDS = 60


@pytest.fixture(autouse=True)
def _empty_outboxes(request: pytest.FixtureRequest) -> None:
    """Tests in a rolled-back transaction start from empty outboxes (committed tests leave sent
    rows behind, kept for a week)."""
    if "db" not in request.fixturenames:
        return
    request.getfixturevalue("db")
    for schema in ("public", "cae_alpha", "cae_beta"):
        with schema_context(schema):
            OutboxMessage.objects.all().delete()


def _probe(key: str) -> None:
    task_enqueue_on_commit(worker_probe, key=key)


def _pending() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.pending().order_by("created_at"))


# --- Written in the transaction, relayed after the commit -----------------------------------


def test_the_message_is_written_in_the_transaction_and_sent_after_the_commit(
    in_alpha: Cae, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        _probe("written")
        (message,) = _pending()  # on disk before the commit, in the same transaction
    with patch.object(worker_probe, "apply_async") as send:
        (relay,) = callbacks
        relay()
        relay()  # a hook run twice sends once

    send.assert_called_once()
    options = {
        name: send.call_args.kwargs[name] for name in ("args", "kwargs", "headers", "task_id")
    }
    assert options == {
        "args": [],
        "kwargs": {"key": "written"},
        "headers": {"_schema_name": "cae_alpha"},
        "task_id": str(message.pk),  # the consumer can recognise a message relayed twice
    }
    message.refresh_from_db()
    assert message.sent_at is not None
    assert (message.task_name, message.schema_name, message.attempts) == (
        "tasking.worker_probe",
        "cae_alpha",
        0,
    )
    assert (message.args, message.kwargs) == ([], {})  # the payload is not kept once sent


def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(
    in_alpha: Cae, django_capture_on_commit_callbacks: Any
) -> None:
    def failing_user_action() -> None:
        with transaction.atomic():
            _probe("rolled-back")
            raise RuntimeError("the user action failed")

    with (
        patch.object(worker_probe, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError, match="failed"),
    ):
        failing_user_action()

    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    send.assert_not_called()


def test_dates_decimals_and_uuids_travel_with_their_types(
    in_alpha: Cae, django_capture_on_commit_callbacks: Any
) -> None:
    values = {
        "amount": Decimal("12.50"),
        "day": datetime.date(2026, 11, 24),
        "reference": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    }
    with (
        patch.object(worker_probe, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        task_enqueue_on_commit(worker_probe, "positional", **values)

    assert send.call_args.kwargs["args"] == ["positional"]
    assert send.call_args.kwargs["kwargs"] == values


def test_the_webhook_writes_in_public_a_message_that_runs_in_the_cae(
    cae_alpha: Cae, django_capture_on_commit_callbacks: Any
) -> None:
    event = {"id": "evt_outbox", "type": "checkout.session.completed"}

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        task_send_on_commit("billing.payment_event_apply", schema_name="cae_alpha", event=event)
    (message,) = _pending()
    with tenant_context(cae_alpha):
        assert OutboxMessage.objects.count() == 0
    with patch.object(payment_event_apply_task, "apply_async") as send:
        callbacks[0]()

    assert message.schema_name == "cae_alpha"
    assert send.call_args.kwargs["kwargs"] == {"event": event}
    assert send.call_args.kwargs["headers"] == {"_schema_name": "cae_alpha"}
    message.refresh_from_db()
    assert message.sent_at is not None


def test_the_schema_header_is_the_one_of_the_enqueue_not_of_the_commit(
    cae_alpha: Cae, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        patch.object(worker_probe, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        with tenant_context(cae_alpha):
            _probe("inner-context")
        assert current_schema() == "public"  # the commit happens back in public

    assert send.call_args.kwargs["headers"] == {"_schema_name": "cae_alpha"}
    with tenant_context(cae_alpha):
        assert OutboxMessage.objects.get().sent_at is not None
    assert OutboxMessage.objects.count() == 0  # nothing was written in public


def test_a_quote_token_stays_at_rest_only_until_the_email_task_is_sent(
    in_alpha: Cae, django_capture_on_commit_callbacks: Any
) -> None:
    quote = QuoteFactory.create()
    service = ServiceFactory.create(cohort=quote.cohort)
    quote_line_add(quote=quote, service=service, quantity=Decimal("1"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sending = quote_send(quote=quote, by=None)
    (message,) = _pending()
    assert message.args == [quote.pk, sending.token]  # the trade-off: at rest until sent
    with patch.object(quote_email_task, "apply_async") as send:
        callbacks[0]()

    assert send.call_args.kwargs["args"] == [quote.pk, sending.token]
    stored = OutboxMessage.objects.values("task_name", "args", "kwargs", "last_error").get()
    assert stored == {
        "task_name": "commerce.quote_email",
        "args": [],
        "kwargs": {},
        "last_error": "",
    }


# --- Broker down --------------------------------------------------------------------------


def test_a_request_succeeds_with_the_broker_down_and_the_sweep_sends_its_task_once(
    cae_alpha: Cae,
    person: User,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    grant(person, cae_alpha, Role.CAE_ADMIN)
    client = site_client(cae_alpha)
    sign_in(client, person)

    with (
        patch.object(membership_invite_task, "apply_async", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        caplog.at_level(logging.WARNING, logger="coopilote.tasking.services"),
    ):
        response = client.post(
            "/api/v1/team/",
            {"email": "yann@example.org", "role": "cae_staff"},
            content_type="application/json",
        )
    with tenant_context(cae_alpha):
        (message,) = _pending()
        with patch.object(membership_invite_task, "apply_async") as send:
            first = outbox_relay()
            second = outbox_relay()
        message.refresh_from_db()

    assert response.status_code == 201, response.content
    assert len(callbacks) == 1
    assert message.task_name == "registry.membership_invite"
    assert (message.attempts, message.last_error) == (
        1,
        "OperationalError: [Errno 111] Connection refused",
    )
    assert "not sent, attempt 1" in caplog.text
    send.assert_called_once()
    assert send.call_args.kwargs["task_id"] == str(message.pk)
    assert send.call_args.kwargs["headers"] == {"_schema_name": "cae_alpha"}
    assert (first.sent, first.pending, second.sent) == (1, 0, 0)
    assert message.sent_at is not None


def test_the_sweep_stops_at_the_first_refusal_of_the_broker(in_alpha: Cae) -> None:
    for number in range(3):
        OutboxMessage.objects.create(
            task_name="tasking.worker_probe",
            kwargs={"key": f"down-{number}"},
            schema_name="cae_alpha",
        )
    with patch.object(worker_probe, "apply_async", side_effect=BROKER_DOWN) as send:
        sweeps = outbox_relay_everywhere(schema_names=["cae_alpha", "cae_beta"])

    assert send.call_count == 1  # not once per message against a dead broker
    assert [(sweep.schema_name, sweep.broker_unreachable) for sweep in sweeps] == [
        ("cae_alpha", True)
    ]  # cae_beta was not visited
    assert (sweeps[0].sent, sweeps[0].failed, sweeps[0].pending) == (0, 1, 3)
    # The message that failed went to the back of the queue, due again at the next sweep.
    assert [message.kwargs["key"] for message in _pending()] == ["down-0", "down-1", "down-2"]
    assert [
        message.kwargs["key"]
        for message in OutboxMessage.objects.due(now=timezone.now() + datetime.timedelta(1))
    ] == ["down-1", "down-2", "down-0"]


def test_a_message_failing_for_its_own_reasons_backs_off_and_is_flagged(
    in_alpha: Cae, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    refused = ValueError("this message cannot be encoded")
    with patch.object(worker_probe, "apply_async", side_effect=refused) as send:
        with django_capture_on_commit_callbacks(execute=True):
            _probe("bad")
        (message,) = _pending()
        waiting = outbox_relay()  # 30 s to wait: nothing due yet
        OutboxMessage.objects.update(
            attempts=ATTEMPTS_FLAGGED - 1, available_at=timezone.now() - datetime.timedelta(1)
        )
        with caplog.at_level(logging.WARNING, logger="coopilote.tasking.services"):
            flagged = outbox_relay()
        with pytest.raises(CommandError, match="tentatives") as refusal:
            call_command("outbox_relay", "--schema", "cae_alpha")

    assert message.attempts == 1
    assert message.available_at - message.created_at >= datetime.timedelta(seconds=30)
    assert (waiting.sent, waiting.failed, waiting.pending, waiting.flagged) == (0, 0, 1, 0)
    assert (flagged.failed, flagged.pending, flagged.flagged) == (1, 1, 1)
    assert send.call_count == 2  # the hook, then the sweep once the message was due
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert any(f"attempt {ATTEMPTS_FLAGGED}" in record.getMessage() for record in errors)
    assert refusal.value.returncode == 1
    assert OutboxMessage.objects.get().sent_at is None  # flagged, but never dropped


def test_backoff_doubles_up_to_an_hour() -> None:
    delays = [outbox_backoff(attempts=attempts).total_seconds() for attempts in (1, 2, 3, 9, 500)]

    assert delays == [30, 60, 120, 3600, 3600]


# --- Sweeps: purge, isolation, the command ---------------------------------------------------


def test_the_sweep_purges_messages_sent_long_ago_and_keeps_pending_ones(in_alpha: Cae) -> None:
    now = timezone.now()
    long_ago = now - SENT_RETENTION - datetime.timedelta(hours=1)
    recently = now - SENT_RETENTION + datetime.timedelta(hours=1)
    for key, sent_at in (("old", long_ago), ("recent", recently)):
        OutboxMessage.objects.create(
            task_name=key, schema_name="cae_alpha", created_at=long_ago, sent_at=sent_at
        )
    OutboxMessage.objects.create(  # failing for days, waiting for its next attempt
        task_name="pending",
        schema_name="cae_alpha",
        created_at=long_ago,
        available_at=now + datetime.timedelta(minutes=30),
        attempts=3,
    )

    sweep = outbox_relay()

    assert (sweep.sent, sweep.purged, sweep.pending) == (0, 1, 1)
    assert sorted(OutboxMessage.objects.values_list("task_name", flat=True)) == [
        "pending",
        "recent",
    ]


def test_a_message_relays_with_its_cae_header_and_another_cae_never_sees_it(
    cae_alpha: Cae, cae_beta: Cae, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        patch.object(worker_probe, "apply_async", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
        tenant_context(cae_alpha),
    ):
        _probe("alpha-only")

    with patch.object(worker_probe, "apply_async") as send:
        with tenant_context(cae_beta):
            in_beta = outbox_relay()
        beta_calls = send.call_count
        with tenant_context(cae_alpha):
            in_alpha = outbox_relay()

    assert (in_beta.sent, in_beta.pending, beta_calls) == (0, 0, 0)
    assert (in_alpha.sent, in_alpha.pending) == (1, 0)
    assert send.call_args.kwargs["headers"] == {"_schema_name": "cae_alpha"}
    assert send.call_args.kwargs["kwargs"] == {"key": "alpha-only"}


def test_the_command_sweeps_the_schemas_named_and_refuses_unknown_ones(
    in_alpha: Cae, django_capture_on_commit_callbacks: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with (
        patch.object(worker_probe, "apply_async", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _probe("by-the-command")

    with patch.object(worker_probe, "apply_async") as send:
        call_command("outbox_relay", "--schema", "cae_alpha")
    with pytest.raises(CommandError, match="cae_nowhere"):
        call_command("outbox_relay", "--schema", "cae_nowhere")

    send.assert_called_once()
    output = capsys.readouterr().out
    assert "cae_alpha : 1 envoyé(s), 0 échec(s), 0 en attente dont 0 signalé(s)" in output
    assert "1 schéma(s) parcouru(s), 1 message(s) envoyé(s)." in output
    schemas = outbox_schemas()
    assert schemas[0] == "public"
    assert {"cae_alpha", "cae_beta"} <= set(schemas)
    assert settings.TENANT_BASE_SCHEMA not in schemas  # the template stays empty


# --- Real commits ---------------------------------------------------------------------------


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Real commits on the test database (set up first, or the development database would be
    used); the outbox and task runs of alpha removed after."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            with schema_context("cae_alpha"):
                OutboxMessage.objects.all().delete()
                TaskRun.objects.filter(key__startswith="outbox-").delete()


def test_outside_a_transaction_the_message_is_sent_at_once(committed: None) -> None:
    with patch.object(worker_probe, "apply_async") as send, schema_context("cae_alpha"):
        _probe("outbox-autocommit")
        message = OutboxMessage.objects.get(pk=send.call_args.kwargs["task_id"])

    send.assert_called_once()
    assert message.sent_at is not None


def test_concurrent_relays_send_each_message_once(committed: None) -> None:
    with schema_context("cae_alpha"):
        ids = [
            OutboxMessage.objects.create(
                task_name="tasking.worker_probe",
                kwargs={"key": f"outbox-{n}"},
                schema_name="cae_alpha",
            ).pk
            for n in range(30)
        ]
    sent: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def publish(**options: Any) -> None:
        time.sleep(0.005)  # the row stays locked while the broker answers
        with lock:
            sent.append(options["task_id"])

    def in_thread(relay: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait()
                with schema_context("cae_alpha"):
                    relay()
            except BaseException as error:  # reported to the main thread
                errors.append(error)
            finally:
                connection.close()

        return run

    def hooks(order: list[uuid.UUID]) -> Callable[[], object]:
        return lambda: [outbox_message_relay(message_id=message_id) for message_id in order]

    relays = [outbox_relay] * 3 + [hooks(ids), hooks(ids[::-1]), hooks(ids[10:] + ids[:10])]
    with patch.object(worker_probe, "apply_async", side_effect=publish):
        threads = [threading.Thread(target=in_thread(relay)) for relay in relays]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    counts = Counter(sent)
    assert {str(message_id): counts[str(message_id)] for message_id in ids} == {
        str(message_id): 1 for message_id in ids
    }
    with schema_context("cae_alpha"):
        assert not OutboxMessage.objects.filter(pk__in=ids, sent_at__isnull=True).exists()


# --- On the real broker ---------------------------------------------------------------------


@pytest.mark.worker
def test_a_task_enqueued_while_the_broker_is_down_runs_once_after_the_sweep(
    celery_worker: Path, committed: None
) -> None:
    key = f"outbox-{uuid.uuid4()}"
    with (
        patch.object(worker_probe, "apply_async", side_effect=BROKER_DOWN),
        schema_context("cae_alpha"),
        transaction.atomic(),
    ):
        _probe(key)
    with schema_context("cae_alpha"):
        message = OutboxMessage.objects.get(kwargs__key=key)
        assert (message.sent_at, message.attempts) == (None, 1)

    (sweep,) = outbox_relay_everywhere(schema_names=["cae_alpha"])
    (again,) = outbox_relay_everywhere(schema_names=["cae_alpha"])
    run = _wait_for_run(key, celery_worker)

    assert (sweep.sent, again.sent) == (1, 0)
    assert run.schema_name == "cae_alpha"
    with schema_context("cae_alpha"):
        message.refresh_from_db()
        assert message.sent_at is not None
        assert TaskRun.objects.filter(key=key).count() == 1
    with schema_context("cae_beta"):
        assert not TaskRun.objects.filter(key=key).exists()
    # The Celery task id is the outbox row's id.
    assert f"tasking.worker_probe[{message.pk}]" in _log_when(celery_worker, str(message.pk))


def _wait_for_run(key: str, log: Path) -> TaskRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with schema_context("cae_alpha"):
            run = TaskRun.objects.filter(key=key).first()
        if run is not None:
            return run
        time.sleep(0.1)
    pytest.fail(f"No worker ran the task within {WAIT_SECONDS} s:\n{log.read_text()[-3000:]}")


def _log_when(log: Path, text: str) -> str:
    deadline = time.monotonic() + 10
    while text not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    return log.read_text()
