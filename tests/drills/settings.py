"""Settings of the fault drills (`make drills`): the test settings, with the broker behind the
drills' fault proxy, a short visibility timeout so a killed worker's message comes back within
seconds, and mail and files written where the drills can count them."""

from coopilote.settings.environment import DATA_DIR, env
from coopilote.settings.test import *  # noqa: F403

DRILL_DIR = DATA_DIR / "drills"
# The real Redis the proxy forwards to (its own database number: the drills empty it).
DRILL_REDIS_URL = env.str("DRILL_REDIS_URL", default="redis://127.0.0.1:6379/14")
DRILL_PROXY_PORT = env.int("DRILL_PROXY_PORT", default=16379)
_redis_database = DRILL_REDIS_URL.rsplit("/", 1)[-1]
CELERY_BROKER_URL = f"redis://127.0.0.1:{DRILL_PROXY_PORT}/{_redis_database}"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any drill task (a PDF is rendered in well under a second), short enough that
    # the message of a killed worker is handed again within seconds, not an hour.
    "visibility_timeout": 8,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
MAILERS = {
    "default": {
        "BACKEND": "tests.drills.mail.HoldableFileBackend",
        "OPTIONS": {"file_path": str(DRILL_DIR / "mail")},
    }
}
MEDIA_ROOT = DRILL_DIR / "media"
