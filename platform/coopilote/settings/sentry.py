"""Sentry, only when SENTRY_DSN is set; no personal data is sent."""

from __future__ import annotations

from coopilote.settings.environment import env

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")

if SENTRY_DSN:
    from coopilote.observability import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=SENTRY_RELEASE or None)
