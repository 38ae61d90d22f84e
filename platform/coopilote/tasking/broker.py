"""The embedded broker: kombu's `filesystem://` transport, each message written whole before a
worker can see it.

kombu writes a message file in place, in the folder workers poll: a worker can take the file
while it is still empty, fail to decode it and stop for good (seen under `make load`). Here the
message is written under a name no queue reads, then renamed into place (atomic in a folder).
Named by the `filesystem://` URL (coopilote.celery registers it under kombu's alias).
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]  # kombu's own signature
        folder = self.data_folder_out
        # kombu's own name: its workers read "<stamp>_<uuid>.<queue>.msg", in name order.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        writing = os.path.join(folder, f"writing_{uuid.uuid4().hex}")  # no dot: no queue's
        try:
            with open(writing, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(writing, os.path.join(folder, name))
        except OSError as error:
            raise ChannelError(f"Cannot add file {name!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
