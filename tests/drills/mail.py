"""The drills' mail server: one file per connection, like Django's file backend, and a way to
make it hang like a slow SMTP server so that a drill can kill a worker in the middle of a send.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend

HOLD_SECONDS_MAX = 120.0


def drill_folder() -> Path:
    """Where the drills keep their mail, files and control files (tests.drills.settings)."""
    return Path(settings.DRILL_DIR)  # type: ignore[misc]  # a setting of the drills only


def hold_file() -> Path:
    """While this file exists, every send waits (at most the seconds it holds) before writing."""
    return drill_folder() / "hold-mail"


def held_file() -> Path:
    """Written by a send that is waiting: its recipients and the process id."""
    return drill_folder() / "mail-held"


class HoldableFileBackend(EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        hold = hold_file()
        if hold.exists():
            recipients = [address for message in email_messages for address in message.to]
            held_file().write_text(f"{os.getpid()} {' '.join(recipients)}")
            deadline = time.monotonic() + min(float(hold.read_text() or 60), HOLD_SECONDS_MAX)
            while hold.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        sent: int = super().send_messages(email_messages)
        return sent
