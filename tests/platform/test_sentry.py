"""Sentry gets the CAE as a tag and nothing that identifies a person."""

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.conf import settings
from django_tenants.utils import tenant_context
from sentry_sdk.client import NonRecordingClient
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport
from sentry_sdk.types import Event

from coopilote.observability import init_sentry
from network.registry.models import Cae


class CapturingTransport(Transport):
    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.events: list[Event] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            event = item.get_event()
            if event is not None:
                self.events.append(event)


@pytest.fixture
def transport() -> Iterator[CapturingTransport]:
    capturing = CapturingTransport()
    init_sentry(
        dsn="https://public@sentry.invalid/1",
        environment="test",
        release="1.0",
        transport=capturing,
    )
    yield capturing
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(NonRecordingClient())


def test_errors_carry_the_cae_and_no_personal_data(
    transport: CapturingTransport, cae_alpha: Cae
) -> None:
    email = "-".join(["camille", "dupont"]) + "@example.org"  # built at run time: not in the source
    address = ".".join(["203", "0", "113", "9"])
    sentry_sdk.set_user({"email": email, "ip_address": address})
    with tenant_context(cae_alpha):
        member_email = email  # a local variable holding personal data
        try:
            raise ValueError(f"boom for member #{len(member_email)}")
        except ValueError:
            sentry_sdk.capture_exception()
    sentry_sdk.flush()

    (event,) = transport.events
    assert event["tags"]["cae"] == "cae_alpha"
    assert event["environment"] == "test"
    assert "user" not in event
    assert email not in str(event)
    assert address not in str(event)


@pytest.mark.parametrize(("dsn", "expected"), [("", "off"), ("https://k@sentry.invalid/1", "on")])
def test_sentry_starts_only_when_a_dsn_is_set(dsn: str, expected: str) -> None:
    code = (
        "import django, sentry_sdk; django.setup(); client = sentry_sdk.get_client(); "
        "print('on' if client.is_active() and client.dsn else 'off', "
        "sorted(client.integrations) if client.is_active() else '')"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coopilote.settings.test",
        "SENTRY_DSN": dsn,
    }

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert result.stdout.split()[0] == expected
    if expected == "on":
        assert "'celery'" in result.stdout
        assert "'django'" in result.stdout
