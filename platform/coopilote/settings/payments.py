"""Online payments: Stripe (Connect, direct charges on each CAE's account) when its keys are
set, else the offline `dummy` provider that runs the same flow with locally signed events."""

from __future__ import annotations

from coopilote.settings.environment import env

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="stripe" if STRIPE_SECRET_KEY else "dummy")
# The dummy provider signs its events like Stripe does, with this (public, offline) secret.
DUMMY_WEBHOOK_SECRET = "whsec_coopilote_dummy_provider"  # noqa: S105 - not a secret: offline
