"""Production: every secret and host from the environment, HTTPS everywhere."""

from coopilote.settings.base import *  # noqa: F403
from coopilote.settings.base import BASE_HOST
from coopilote.settings.environment import database_settings, env, mailers_settings

DATABASES = {"default": database_settings(embedded_default=False)}
MAILERS = mailers_settings(file_default=False)

DEBUG = False
SITE_SCHEME = env.str("COOPILOTE_SITE_SCHEME", default="https")
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: refuse to start without it
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[BASE_HOST, f".{BASE_HOST}"])
CSRF_TRUSTED_ORIGINS = env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{BASE_HOST}", f"https://*.{BASE_HOST}"]
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes reach pods over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# `__Host-` cookies are host-only, Secure and path=/ by the browser's own rules.
SESSION_COOKIE_NAME = "__Host-sessionid"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# Behind the ingress: the address it saw, not one a client could write into the header.
AXES_CLIENT_IP_CALLABLE = "coopilote.accounts.security.client_ip_behind_proxy"

if PAYMENT_PROVIDER == "stripe" and not STRIPE_WEBHOOK_SECRET:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET is needed with STRIPE_SECRET_KEY.")
