"""Settings shared by every environment; all values come from the environment.

`local.py`, `test.py` and `production.py` only adjust what differs. Booleans are parsed
strictly by django-environ, and every secret may also be given as `<NAME>_FILE`.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.smart_cast = False
ENV_FILE = BASE_DIR / ".env"
if ENV_FILE.exists():
    environ.Env.read_env(str(ENV_FILE))


def env_bool(name: str, default: bool) -> bool:
    """Parse a boolean strictly: anything but true/false/1/0/yes/no fails at startup."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read a secret from `<NAME>` or from the file named by `<NAME>_FILE`."""
    path = env.str(f"{name}_FILE", default=None)
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "partnerportal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "django_countries",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "partnerportal",
    "audit",
    "partners",
    "crm",
    "leads",
    "reviews",
    "attribution",
    "distribution",
    "measurements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "partnerportal.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "partnerportal.middleware.TenancyMiddleware",
]

ROOT_URLCONF = "partnerportal.urls"
WSGI_APPLICATION = "partnerportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnerportal.context_processors.portal",
            ],
        },
    },
]

# DATABASE_URL is the application's connection: on PostgreSQL a role that owns no table and
# may not change the audit log (bin/db-roles). DATABASE_MIGRATE_URL is the owner's, used by
# the commands that change the schema; unset, it is DATABASE_URL (SQLite: one file, no roles).
_DATABASE_URL = env.str(
    "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
)
DATABASE_MIGRATE_URL = env.str("DATABASE_MIGRATE_URL", default="") or _DATABASE_URL
# The application's role (bin/db-roles and migration audit 0002 keep it append-only).
DATABASE_APP_USER = environ.Env.db_url_config(_DATABASE_URL).get("USER", "")
OWNER_COMMANDS = {"migrate", "createcachetable"}
_AS_OWNER = len(sys.argv) > 1 and sys.argv[1] in OWNER_COMMANDS
DATABASES = {
    "default": environ.Env.db_url_config(DATABASE_MIGRATE_URL if _AS_OWNER else _DATABASE_URL)
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # Short OLTP queries: PostgreSQL's JIT compiled a sub-millisecond duplicate check for
    # 1.4 s when its estimated cost crossed jit_above_cost (see bench/RESULTS.md). Off for
    # every connection unless DATABASE_JIT=on.
    _jit = "on" if env.bool("DATABASE_JIT", default=False) else "off"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c jit={_jit}"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The zero-setup run has a web server, a worker and beat on one file: take the write
    # lock at BEGIN and wait for it, rather than failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
# The audit chain's head is checkpointed here (append-only files, one per database): put
# it on storage the database's users cannot write, e.g. another volume with `chattr +a`.
AUDIT_CHECKPOINT_DIR = env.path(
    "AUDIT_CHECKPOINT_DIR", default=str(BASE_DIR / "var" / "audit-checkpoints")
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

REDIS_URL = env.str("REDIS_URL", default="")
# The "database" cache (table created by migration partnerportal.0001) is where the
# default cache goes while Redis does not answer, so sign-in and its rate limits keep
# working, shared by every process (partnerportal/cache.py).
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "portal_cache",
    "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "partnerportal.cache.RedisWithDatabaseFallbackCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
            "FALLBACK": "database",
            "RETRY_SECONDS": env.int("CACHE_REDIS_RETRY_SECONDS", default=10),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
        "database": DATABASE_CACHE,
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "database": DATABASE_CACHE,
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"  # uploads are never served publicly; staff read them through views
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
CRM_IMPORT_MAX_BYTES = env.int("CRM_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Sign-in (django-allauth): e-mail only, verified e-mail, rate limited, TOTP for staff.
SITE_NAME = env.str("SITE_NAME", default="Partner Portal")
# The portal's public address, for links in e-mails that workers send (no request there).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "partners.adapters.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Failed sign-ins (README "Sign-in limits"): per address 10 a minute; per account and
# address 5 in 5 minutes (the adapter adds the address to the key, so a flood from one
# address never locks the owner out elsewhere); per account from all addresses together
# 100 an hour, more than one address can reach. Refusals answer HTTP 429.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_account": "100/h/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "partnerportal.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"user": "1000/hour"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Portal API",
    "DESCRIPTION": "Deal registration for channel partners. Every list is scoped to the "
    "caller's partner organization.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name ("status", "kind") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "DealStatusEnum": "leads.choices.DealStatus",
        "StepStatusEnum": "leads.choices.StepStatus",
        "MatchKindEnum": "leads.choices.MatchKind",
        "TaskStatusEnum": "reviews.choices.TaskStatus",
        "TaskKindEnum": "reviews.choices.TaskKind",
        "DecisionKindEnum": "reviews.choices.DecisionKind",
        "ConflictCaseStatusEnum": "attribution.choices.CaseStatus",
        "AttributionStatusEnum": "attribution.choices.AttributionStatus",
        "CommissionStatusEnum": "attribution.choices.CommissionStatus",
        "PayoutStatusEnum": "attribution.choices.PayoutStatus",
        "DealSourceEnum": "leads.choices.DealSource",
        "VendorLeadStatusEnum": "distribution.choices.VendorLeadStatus",
        "VendorLeadSourceEnum": "distribution.choices.VendorLeadSource",
        "OfferStatusEnum": "distribution.choices.OfferStatus",
    },
}

# Content-Security-Policy (django-csp) on every response: scripts, styles, images, fonts and
# requests only from the site itself; no inline script, no inline style, no plugins, no
# framing. Put scripts in static/js/ and styles in static/css/ (README "Security headers").
# `data:` images are Bootstrap's SVG icons in its CSS and the TOTP QR code. The hash lets
# the self-contained 500 page keep its <style> block (tests/test_csp.py checks it matches).
ERROR_PAGE_STYLE_HASH = "'sha256-JDz0NmSNzxhkZhqae2QR+9KgffENTBJkdkbvs5zTwuA='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", ERROR_PAGE_STYLE_HASH],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Celery: Redis when REDIS_URL/CELERY_BROKER_URL is set, otherwise a broker on the file
# system so the default run needs no server (still a real, separate worker process).
BROKER_DIR = BASE_DIR / "var" / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A task a dead worker held comes back after this long; it must exceed the longest
    # retry countdown. The screening sweep rescues stuck deals sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
        "socket_connect_timeout": 2,
    }
# With the broker down, give up publishing fast: the deal is saved and the sweep queues it.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Deals still `submitted` this long after submit, or `screening` with no step started for
# this long (the claim of a killed worker expired), are queued again by the sweep (beat
# every 30 s, and every worker at start). The summary's API call is held below the latter.
SCREENING_SWEEP_SUBMITTED_SECONDS = env.int("SCREENING_SWEEP_SUBMITTED_SECONDS", default=30)
SCREENING_SWEEP_STALE_SECONDS = env.int("SCREENING_SWEEP_STALE_SECONDS", default=45)

ANTHROPIC_API_KEY = env_secret("ANTHROPIC_API_KEY", default="")
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", default="claude-sonnet-5-5")
ANTHROPIC_TIMEOUT_SECONDS = env.float("ANTHROPIC_TIMEOUT_SECONDS", default=20.0)
ANTHROPIC_MAX_RETRIES = env.int("ANTHROPIC_MAX_RETRIES", default=1)
USE_ANTHROPIC = env_bool("USE_ANTHROPIC", bool(ANTHROPIC_API_KEY))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
