"""ASGI entry point, kept for tooling; serve with WSGI (gunicorn): django-tenants keeps the
tenant on the connection, which work off the request thread can lose (django-tenants #820)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopilote.settings.local")
application = get_asgi_application()
