"""Pipelit settings, read from the environment with working local defaults."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PIPELIT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

VERSION = (BASE_DIR / "VERSION").read_text().strip()


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Production refuses to start without its secrets; local use generates them once into var/.
PRODUCTION = env_bool("PIPELIT_PRODUCTION")
DEBUG = env_bool("DEBUG")


def local_secret(name: str, make) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise RuntimeError(f"{name} must be set when PIPELIT_PRODUCTION is on.")
    path = VAR_DIR / name.lower()
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = local_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
FIELD_ENCRYPTION_KEY = local_secret("FIELD_ENCRYPTION_KEY", lambda: Fernet.generate_key().decode())

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "polymorphic",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "django_celery_beat",
    "channels",
    "apps.workflows",
    "apps.execution",
    "apps.agents",
    "apps.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pipelit.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.audit.middleware.AuditContextMiddleware",
    "apps.agents.middleware.SetupRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pipelit.middleware.BackingServiceUnavailableMiddleware",
]

ROOT_URLCONF = "pipelit.urls"
ASGI_APPLICATION = "pipelit.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'pipelit.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's, remembering each statement's `%s` -> `?` rewrite (pipelit/backends/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "pipelit.backends.sqlite3"
    # WAL + IMMEDIATE transactions let the web server and workers write side by side. Connections
    # persist like PostgreSQL's (conn_max_age above): opening one per request cost the web ~1 ms.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file so that subprocesses (daphne, workers) share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agents.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION

# --- Redis, Channels, Celery --------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# Pub/sub layer: a group_send is one PUBLISH, and each daphne process subscribes once per group and
# fans out to its own sockets locally (the list-based layer copies every event into every socket's
# queue in Redis, which does not scale to hundreds of sockets on one workflow).
# Pub/sub channels are server-wide, not per database number: the prefix carries the database number so
# two stacks on one Redis (e.g. `make run` on /0 and the tests on /9) never see each other's events.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "pipelit.channel_layer.FanoutPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": f"pipelit{urlparse(REDIS_URL).path or '/0'}"},
    }
}

CELERY_BROKER_URL = REDIS_URL
# kombu's Redis transport with one redis-py client per channel (it built one per publish and per ack,
# ~0.15 ms each; pipelit/broker.py). Only for redis://: the rediss:// scheme is how kombu turns TLS on.
CELERY_BROKER_TRANSPORT = "pipelit.broker:Transport" if urlparse(REDIS_URL).scheme == "redis" else None
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless this is
# set, so each run opened a new one (SQLite: file + pragmas; PostgreSQL: TCP + auth). Connections now
# follow Django's own rules (CONN_MAX_AGE, health checks), applied around each task (pipelit/celery.py);
# the fixup still closes them every 2 x this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Execution liveness (apps/execution/services/recovery.py) ------------------------------
# A running execution's worker refreshes heartbeat_at about this often (also while a node is busy).
EXECUTION_HEARTBEAT_INTERVAL_SECONDS = float(os.environ.get("EXECUTION_HEARTBEAT_INTERVAL_SECONDS", "5"))
# The watchdog treats a `running` execution whose heartbeat is older than this as lost.
EXECUTION_HEARTBEAT_TIMEOUT_SECONDS = float(os.environ.get("EXECUTION_HEARTBEAT_TIMEOUT_SECONDS", "30"))
# A `pending` execution no worker picked up for this long is enqueued again.
EXECUTION_PENDING_REQUEUE_SECONDS = float(os.environ.get("EXECUTION_PENDING_REQUEUE_SECONDS", "300"))

# --- REST ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.agents.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "pipelit.api.EnvelopePagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "pipelit.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["pipelit.ratelimit.ApiKeyRateThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Pipelit API",
    "DESCRIPTION": "Workflows, executions and agents over REST. Authenticate with `Authorization: Bearer <api key>`.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The docs page fetches the schema with the browser's session; programs use their key.
    "SERVE_AUTHENTICATION": [
        "apps.agents.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "pipelit.logging.RedactTokensFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "daphne": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Pipelit ------------------------------------------------------------------------------
PIPELIT_ADMIN_USERNAME = os.environ.get("PIPELIT_ADMIN_USERNAME", "admin")
PIPELIT_ADMIN_PASSWORD = os.environ.get("PIPELIT_ADMIN_PASSWORD", "")
PIPELIT_WORKSPACES_DIR = Path(os.environ.get("PIPELIT_WORKSPACES_DIR", VAR_DIR / "workspaces"))
# How long a worker trusts its cached LLM credential before checking updated_at again (seconds).
PIPELIT_CREDENTIAL_RECHECK_SECONDS = float(os.environ.get("PIPELIT_CREDENTIAL_RECHECK_SECONDS", "2"))
# Extra paths (colon-separated) that sandboxed commands must not see, besides the project and VAR_DIR.
PIPELIT_SANDBOX_HIDDEN_PATHS = [p for p in os.environ.get("PIPELIT_SANDBOX_HIDDEN_PATHS", "").split(":") if p]
# Lower apps reference credentials by this string, never by importing apps.agents.
PIPELIT_CREDENTIAL_MODEL = "agents.Credential"
# Turns a sub-component node (model, tool, output parser) into an object for its parent node.
PIPELIT_SUB_COMPONENT_RESOLVER = "apps.agents.resolution.resolve_sub_component"
# Where the platform_api / create_agent_user tools reach this platform's REST API (from the worker).
PIPELIT_API_BASE_URL = os.environ.get(
    "PIPELIT_API_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
).rstrip("/")
# API socket heartbeat: ping after this many idle seconds, close if no pong within the timeout.
PIPELIT_WS_PING_INTERVAL = float(os.environ.get("PIPELIT_WS_PING_INTERVAL", "30"))
PIPELIT_WS_PONG_TIMEOUT = float(os.environ.get("PIPELIT_WS_PONG_TIMEOUT", "10"))
# Telegram Bot API root (tests point it at a loopback fake); calls go to <base>/bot<token>/<method>.
# How often beat sends `pipelit.schedules_tick` (the finest schedule resolution), in seconds.
PIPELIT_SCHEDULE_TICK_SECONDS = int(os.environ.get("PIPELIT_SCHEDULE_TICK_SECONDS", "1"))
TELEGRAM_API_BASE = os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/")
# How deep subworkflows may nest (a parent at depth 0 may start children down to this depth).
PIPELIT_SUBWORKFLOW_MAX_DEPTH = int(os.environ.get("PIPELIT_SUBWORKFLOW_MAX_DEPTH", "5"))
# Largest webhook body accepted (bytes); bigger requests get 413 and start nothing.
PIPELIT_WEBHOOK_MAX_BYTES = int(os.environ.get("PIPELIT_WEBHOOK_MAX_BYTES", str(1024 * 1024)))

# --- Protection: rate limits, concurrency, circuit breaker, audit (docs/protection.md) -------------
# "<requests>/<seconds>" per API key in a fixed Redis window; "0" (or empty) turns a limit off.
PIPELIT_RATE_LIMIT_REST = os.environ.get("PIPELIT_RATE_LIMIT_REST", "1200/60")
PIPELIT_RATE_LIMIT_WEBHOOK = os.environ.get("PIPELIT_RATE_LIMIT_WEBHOOK", "600/60")
# Per gateway credential on POST /api/v1/inbound/ (the message gateway's door).
PIPELIT_RATE_LIMIT_INBOUND = os.environ.get("PIPELIT_RATE_LIMIT_INBOUND", "600/60")
# Default for workflows that leave `max_concurrent_executions` empty; 0 = unlimited.
PIPELIT_MAX_CONCURRENT_EXECUTIONS = int(os.environ.get("PIPELIT_MAX_CONCURRENT_EXECUTIONS", "0"))
# Default for workflows that leave `circuit_failure_threshold` empty; 0 = no circuit breaker.
PIPELIT_CIRCUIT_FAILURE_THRESHOLD = int(os.environ.get("PIPELIT_CIRCUIT_FAILURE_THRESHOLD", "5"))
# Mutating requests on these paths are machine traffic (executions), not edits: no summary audit entry.
PIPELIT_AUDIT_SKIP_PATHS = ["/api/v1/webhooks/", "/api/v1/telegram/", "/api/v1/inbound/"]
