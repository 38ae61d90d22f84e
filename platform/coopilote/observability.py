"""Error reporting to Sentry, with the CAE as a tag and no personal data."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Event, Hint

from coopilote.tenancy import current_schema


def scrub_event(event: Event, hint: Hint) -> Event:
    """Tag the event with the CAE it happened in and drop whatever could identify a person."""
    event.setdefault("tags", {})["cae"] = current_schema()
    # A user set by hand with sentry_sdk.set_user() is dropped too.
    event.pop("user", None)
    return event


def init_sentry(*, dsn: str, environment: str, release: str | None, **options: Any) -> None:
    """Initialise sentry-sdk for Django and Celery (options are for tests, e.g. `transport`)."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        # Nothing that could identify a member, a client or a partner: no user, cookies, bodies,
        # query strings, SQL parameters, task arguments nor stack-frame variables.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": ["user-agent", "host"]}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=scrub_event,
        traces_sample_rate=0.0,
        **options,
    )
