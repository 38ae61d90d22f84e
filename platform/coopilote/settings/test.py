"""The test suite: like local, with fast hashing and mail kept in memory."""

from coopilote.settings.local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405

# Its own queue, so that a demo worker running beside the tests never takes their messages.
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "broker-test")  # noqa: F405
