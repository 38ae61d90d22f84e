"""The test suite: like local, with fast hashing and mail kept in memory."""

from coopilote.settings.environment import env
from coopilote.settings.local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# The web server and the worker started by the tests write their mail to files the browser
# journeys read (an invitation's link is followed as its reader would).
if env.bool("COOPILOTE_TEST_MAIL_FILES", default=False):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail-test")},  # noqa: F405
        }
    }
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405

# Its own queue, so that a demo worker running beside the tests never takes their messages.
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "broker-test")  # noqa: F405
