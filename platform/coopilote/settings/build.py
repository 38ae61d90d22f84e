"""Building the container image only (collectstatic, compilemessages): no service is reached and
nothing is served with these settings; the image runs with `coopilote.settings.production`."""

from coopilote.settings.base import *  # noqa: F403

SECRET_KEY = "image-build-only"  # noqa: S105 - never serves a request
DATABASES = {"default": {"ENGINE": "django_tenants.postgresql_backend", "NAME": "unused"}}
MAILERS: dict[str, object] = {}
