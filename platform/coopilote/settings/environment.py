"""Where the settings read from: the process environment, then an optional `.env` file."""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[3]
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("COOPILOTE_DATA_DIR", default=str(BASE_DIR / ".data")))


def database_settings(*, embedded_default: bool) -> dict[str, object]:
    """The `default` database: DATABASE_URL, or (when allowed) the embedded cluster."""
    if env.str("DATABASE_URL", default=""):
        database: dict[str, object] = env.db("DATABASE_URL")
    elif embedded_default:
        from coopilote.embedded import start_postgres

        database = env.db_url_config(start_postgres(DATA_DIR))
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set DATABASE_URL: production has no embedded database.")
    database["ENGINE"] = "django_tenants.postgresql_backend"
    database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = True
    return database


def mailers_settings(*, file_default: bool) -> dict[str, dict[str, object]]:
    """Email: SMTP from EMAIL_URL, or (when allowed) one file per email under .data/mail/."""
    if env.str("EMAIL_URL", default=""):
        smtp = env.email_url("EMAIL_URL")
        options = {
            "host": smtp["EMAIL_HOST"],
            "port": smtp["EMAIL_PORT"],
            "username": smtp["EMAIL_HOST_USER"],
            "password": smtp["EMAIL_HOST_PASSWORD"],
            "use_tls": smtp.get("EMAIL_USE_TLS", False),
            "use_ssl": smtp.get("EMAIL_USE_SSL", False),
        }
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": options,
            }
        }
    if not file_default:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set EMAIL_URL: production sends email through SMTP.")
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }
