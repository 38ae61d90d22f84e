"""The embedded broker writes each message whole before a worker can see it (kombu's own
filesystem transport wrote it in place: a worker took an empty file and stopped for good)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

from coopilote.celery import app
from coopilote.settings.celery import filesystem_broker_options
from coopilote.tasking import broker


def test_a_message_file_appears_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = filesystem_broker_options(tmp_path)
    queue = tmp_path / "queue"
    payload = {"body": "x" * 200_000, "headers": {"task": "drill"}}
    visible_before_rename: list[list[str]] = []
    replace = os.replace

    def watched_replace(source: str, target: str) -> None:
        visible_before_rename.append(sorted(p.name for p in queue.glob("*.jobs.msg")))
        replace(source, target)

    monkeypatch.setattr(os, "replace", watched_replace)
    with Connection(
        "filesystem://", transport=broker.Transport, transport_options=options
    ) as connection:
        channel = connection.default_channel
        assert isinstance(channel, broker.Channel)
        channel._put("jobs", payload)
        (written,) = queue.glob("*.jobs.msg")

        assert visible_before_rename == [[]]
        assert json.loads(written.read_bytes()) == payload
        assert channel._get("jobs") == payload
        assert list(queue.iterdir()) == []


def test_celery_uses_it_for_the_embedded_broker() -> None:
    transport = app.connection_for_write().get_transport_cls()
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert transport is broker.Transport
    else:  # e.g. CI's second run on Redis
        assert transport is not broker.Transport
