"""Development and demo: embedded defaults, debug on, `*.localhost` hosts."""

from coopilote.settings.base import *  # noqa: F403
from coopilote.settings.environment import database_settings, env, mailers_settings

DATABASES = {"default": database_settings(embedded_default=True)}
MAILERS = mailers_settings(file_default=True)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-development-key-never-in-production")
# Static files straight from the apps: no collectstatic needed to run the demo.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
