"""gymsite settings.

Everything is chosen by environment variables (see `.env.example`). With none set, the
embedded default runs: SQLite under var/, in-memory channel layer, local-memory cache, a
kombu filesystem broker under var/ and the console email backend.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from gymsite.core.broker import filesystem_transport_options
from gymsite.core.rates import Rate, parse_scopes

BASE_DIR = Path(__file__).resolve().parent.parent

# Variables come from the environment, then from the file GYMSITE_ENV_FILE names (default:
# .env at the top of the project) for those the environment does not set.
# A test run sees the settings production uses, except where a test sets them: it reads no
# file (a .env left on the machine, with its SECRET_KEY, DEBUG or REDIS_URL, changes nothing
# the tests see; tests/conftest.py hands GYMSITE_ENV_FILE=/dev/null to the processes the
# tests start) and runs with DEBUG off.
UNDER_PYTEST = "pytest" in sys.modules
ENV_FILE = None if UNDER_PYTEST else Path(os.environ.get("GYMSITE_ENV_FILE") or BASE_DIR / ".env")

env = environ.Env()
if ENV_FILE is not None and ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)


def env_bool(name: str, default: bool) -> bool:
    """An empty variable (as in a copied .env.example) means "unset", not "false"."""
    return env.bool(name) if env.str(name, default="") != "" else default


def env_int(name: str, default: int) -> int:
    return env.int(name) if env.str(name, default="") != "" else default


# Where the embedded run keeps its SQLite file, secret key, broker queue and media.
VAR_DIR = Path(env.str("GYMSITE_VAR_DIR", default="") or BASE_DIR / "var")

DEBUG = False if UNDER_PYTEST else env_bool("DEBUG", False)
TESTING = env_bool("GYMSITE_TESTING", UNDER_PYTEST)


# What loading these settings did that an operator should know (a key generated under
# var/): warnings of the `gymsite.settings` logger when Django has set logging up.
STARTUP_NOTICES: list[str] = []


def _generated_once(name: str, make, *, announce: str = "") -> str:
    """The content of var/<name>, made by `make()` the first time and kept (mode 0600).
    Created with O_EXCL, so processes starting together (daphne, the worker, Beat) all read
    the one that won, never each their own."""
    key_file = VAR_DIR / name
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
            if announce:
                # Logged once logging is set up (gymsite.core.apps), in the site's format.
                STARTUP_NOTICES.append(f"gymsite: {announce} in {key_file}")
    return key_file.read_text()


def _embedded_secret_key() -> str:
    """The embedded run keeps its own random key under var/ so sessions survive restarts."""
    from django.core.management.utils import get_random_secret_key

    return _generated_once("secret_key", get_random_secret_key).strip()


# The embedded default: no DATABASE_URL, so SQLite under var/ on one machine (`make run`,
# e.g. at a gym's front desk). A deployment sets DATABASE_URL.
EMBEDDED = not env.str("DATABASE_URL", default="")

SECRET_KEY = env.str("SECRET_KEY", default="")
# Without SECRET_KEY the embedded run, and management commands in a checkout
# (makemigrations, shell...), use a generated key kept under var/. A deployment (DATABASE_URL
# set) with DEBUG off refuses to start without its own SECRET_KEY (gymsite.core.startup,
# called by asgi.py and wsgi.py), and `check --deploy` reports it as an error.
SECRET_KEY_FROM_ENVIRONMENT = bool(SECRET_KEY)
if not SECRET_KEY:
    SECRET_KEY = _embedded_secret_key()

def _embedded_fingerprint_keys() -> list[str]:
    """The embedded run's key for fingerprint templates, generated once under var/ (and
    said so on stderr). A deployment sets FINGERPRINT_KEYS itself: a key kept inside a
    container would be lost with it, and the templates with it."""
    import base64
    import secrets as _secrets

    def new_spec() -> str:  # the "<id>:<key>" form of devices.crypto.new_key_spec
        return f"k1:{base64.urlsafe_b64encode(_secrets.token_bytes(32)).decode()}\n"

    specs = _generated_once("fingerprint_keys", new_spec, announce="generated a fingerprint template key")
    return [line for line in specs.split() if line]


# Keys that encrypt fingerprint templates (devices/crypto.py): comma-separated
# "<key id>:<32 bytes in urlsafe base64>", the first one encrypts, all decrypt.
FINGERPRINT_KEYS = env.list("FINGERPRINT_KEYS", default=[])
if not FINGERPRINT_KEYS and (EMBEDDED or UNDER_PYTEST):
    FINGERPRINT_KEYS = _embedded_fingerprint_keys()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    # django.contrib.admin with gymsite's admin site (gym time, the System section).
    "gymsite.accounts.admin_apps.GymAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from here, not a CDN
    "corsheaders",
    "channels",
    "django_celery_beat",
    "gymsite.core",
    "gymsite.accounts",
    "members",
    "billing",
    "attendance",
    "inventory",
    "training",
    "devices",
    "classes",
    "dashboard",
    "backups",
    "inspections",
]

MIDDLEWARE = [
    # Outermost of Django's: the request's log line learns the view, the caller and the
    # number of SQL queries (gymsite.core.logs).
    "gymsite.core.logs.RequestObserverMiddleware",
    # First: a body too large or a query with too many parameters is answered in JSON
    # before anything reads it.
    "gymsite.core.middleware.BodySizeLimitMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # API answers carry Cache-Control: no-store (personal data, tokens).
    "gymsite.core.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A method a DRF route does not have is a 405 before authentication and permissions.
    "gymsite.core.middleware.MethodNotAllowedMiddleware",
    # Last: runs the chain above synchronously under daphne (one thread hop, not ~15).
    "gymsite.core.asgi_middleware.SyncMiddlewareChain",
]

ROOT_URLCONF = "gymsite.urls"

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

WSGI_APPLICATION = "gymsite.wsgi.application"
ASGI_APPLICATION = "gymsite.asgi.application"

# --- Database -------------------------------------------------------------------------
# SQLite is a real embedded default: WAL journal, IMMEDIATE transactions and a busy
# timeout, so daphne and the Celery worker wait for each other instead of failing.
SQLITE_PATH = VAR_DIR / "gymsite.sqlite3"
# An empty variable (as in a copied .env.example) means "unset", like every other one here.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{SQLITE_PATH}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# Threads that run the WebSocket consumers' database work in each daphne process
# (gymsite.core.asyncdb): that many terminals' queries at once, each on its own connection.
WEBSOCKET_DB_THREADS = max(1, env_int("WEBSOCKET_DB_THREADS", 4))
_request_threads = env_int("REQUEST_THREADS", 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # Under ASGI every request runs its sync code in a thread of its own, so a persistent
    # connection (CONN_MAX_AGE > 0) is left behind per request until PostgreSQL runs out of
    # connections. A psycopg pool per process instead (Django >= 5.1): a request borrows a
    # connection and gives it back when it ends, which also saves the connect (~7 ms here,
    # see bench/README.md). Size: (daphne processes + Celery worker processes) x
    # DB_POOL_MAX_SIZE must stay below PostgreSQL's max_connections. DB_POOL_MAX_SIZE=0
    # turns the pool off: a new connection per request (CONN_MAX_AGE, keep it 0 under ASGI).
    # By default one connection for each thread that may want one at once: the HTTP
    # requests' (REQUEST_THREADS, 10) and the WebSockets' (WEBSOCKET_DB_THREADS, 4), so
    # neither waits for a connection the other holds. The pool opens them only as needed.
    DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", (_request_threads or 10) + WEBSOCKET_DB_THREADS)
    # With the pool, Django hands this to psycopg_pool as its `check`: each connection is
    # checked (an empty query, one round trip) as it leaves the pool, so after PostgreSQL
    # restarts the pool's dead connections are replaced instead of failing a request each.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_HEALTH_CHECKS", True)
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", 5)
    # A statement that runs longer is cancelled (the request answers 503): one runaway
    # query must not hold a pooled connection and a thread for ever. 0 turns it off.
    DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 30000)
    if DB_STATEMENT_TIMEOUT_MS > 0:
        _db_options["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections, not Django
        _db_options["pool"] = {
            "min_size": min(env_int("DB_POOL_MIN_SIZE", 2), DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            # A request that waits longer than this for a free connection fails.
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }

    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 0))
# Threads that run the HTTP requests' sync code in each daphne process (gymsite.core.
# asgi_handler): one per request in flight; a request that finds none free waits for one.
# Unset: 10, or with DB_POOL_MAX_SIZE set, what the pool has left beside the WebSocket
# threads (more would only wait for a connection).
_pool_size = DATABASES["default"].get("OPTIONS", {}).get("pool", {}).get("max_size", 0)
REQUEST_THREADS = _request_threads or (max(1, _pool_size - WEBSOCKET_DB_THREADS) if _pool_size else 10)
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis: cache, channel layer, broker -----------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="") or "gymsite",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels-redis waits for messages with a 5 s blocking pop; redis-py (8) reads
            # with a 5 s socket timeout by default, so an idle socket's wait could time out
            # and kill its consumer (1011). Reads get more than the pop's 5 s.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 2}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    filesystem_transport_options(CELERY_BROKER_DIR)
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"socket_connect_timeout": 2, "socket_timeout": 5}
)
# The queue tasks are sent to (and a worker started without -Q consumes): "celery".
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="") or "celery"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Nothing waits long on a broker that is down: a connect gives up after 2 s, a publish
# retries once.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- Classes (defaults of a gym without its own booking policy) -----------------------
CLASSES_WEEKS_AHEAD = env_int("CLASSES_WEEKS_AHEAD", 4)
CLASSES_BOOKING_WINDOW_DAYS = env_int("CLASSES_BOOKING_WINDOW_DAYS", 7)
CLASSES_CANCEL_CUTOFF_MINUTES = env_int("CLASSES_CANCEL_CUTOFF_MINUTES", 120)
# --- Backups (backups/) ---------------------------------------------------------------
# Backup files live here, outside MEDIA_ROOT (never served as media).
BACKUP_DIR = Path(env.str("BACKUP_DIR", default="") or VAR_DIR / "backups")
# 32 bytes in urlsafe base64: when set, every backup file is encrypted with AES-256-GCM.
# Keep a copy of it away from the backups: without it they cannot be restored.
BACKUP_KEY = env.str("BACKUP_KEY", default="")
# Retention: the last N full backups are kept, each with the backups that build on it.
BACKUP_RETENTION_FULLS = env_int("BACKUP_RETENTION_FULLS", 7)
# Email the admins after every successful backup too (failures always go out).
BACKUP_NOTIFY_SUCCESS = env_bool("BACKUP_NOTIFY_SUCCESS", False)
# Backups are stale (a warning, an email) when the newest good one is older than the
# shortest backup schedule's period plus this.
BACKUP_STALE_GRACE_MINUTES = env_int("BACKUP_STALE_GRACE_MINUTES", 60)
# A running backup that shows no sign of life for this long died with its worker: failed.
BACKUP_RUN_TIMEOUT_MINUTES = env_int("BACKUP_RUN_TIMEOUT_MINUTES", 30)

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing is deliberately slow; the suite hashes thousands of passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOW_REGISTRATION = env_bool("ALLOW_REGISTRATION", False)
LOGIN_FAILURES_PER_IDENTIFIER = 5
LOGIN_FAILURES_PER_IP = 20
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
REGISTRATIONS_PER_IP = 5
REGISTRATION_WINDOW_SECONDS = 60 * 60

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    # Tokens carry a digest of the password hash: a password change ends every session.
    "CHECK_REVOKE_TOKEN": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # simplejwt's access token, with its claims checked in shape (a 401, not a 500).
    "AUTH_TOKEN_CLASSES": ("gymsite.accounts.authentication.AccessToken",),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
}

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gymsite.accounts.authentication.APITokenAuthentication",
        "gymsite.accounts.authentication.ActiveUserJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["gymsite.accounts.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "gymsite.core.pagination.LimitOffsetPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only (415 otherwise). Endpoints that take an upload add multipart themselves
    # (gymsite.core.parsers.UploadParsersMixin): no endpoint reads an HTML form, where an
    # omitted boolean would mean False.
    "DEFAULT_PARSER_CLASSES": ["gymsite.core.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gymsite.core.errors.exception_handler",
    # DRF's negotiation, without parsing `Accept: */*` on every request.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "gymsite.core.negotiation.ContentNegotiation",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "ORDERING_PARAM": "ordering",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "gymsite API",
    "DESCRIPTION": "Members, memberships, payments, attendance and more for gyms and chains "
    "of gyms. Authenticate with `Authorization: Bearer <JWT access token>` or "
    "`Bearer gymsite_<personal API token>`.\n\n"
    "Fingerprint terminals and the front desk speak WebSockets, which OpenAPI does not "
    "describe: their protocol is at [/api/docs/devices/](/api/docs/devices/) "
    "(AsyncAPI 3.0: [/api/asyncapi.yaml](/api/asyncapi.yaml), [/api/asyncapi.json](/api/asyncapi.json)).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files (pinned with the
    # package), our favicon: the docs pages load nothing from another host. No validator
    # badge either (Swagger UI would load it from validator.swagger.io).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "/favicon.ico",
    "REDOC_DIST": "SIDECAR",
    # Over two hundred operations: the tags open collapsed (one click shows a tag's
    # operations) with a filter box, since Swagger UI rendering every operation at once
    # stalls in the browser past about 130 of them.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "validatorUrl": None, "docExpansion": "none", "filter": True},
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "gymsite.accounts.roles.Role.choices",
        "RegisterRoleEnum": [("trainer", "Trainer"), ("receptionist", "Receptionist"), ("mechanic", "Mechanic")],
        "HealthStatusEnum": ["ok", "degraded"],
        "MemberStatusEnum": "members.models.MemberStatus.choices",
        "ClassSessionStatusEnum": "classes.models.SessionStatus.choices",
        "BookingStatusEnum": "classes.models.BookingStatus.choices",
        "BackupTypeEnum": "backups.models.BackupType.choices",
        "InspectionStatusEnum": "inspections.models.InspectionStatus.choices",
        "QuestionTypeEnum": "inspections.models.QuestionType.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gymsite.core.schema.add_error_responses",
        "gymsite.core.schema.add_metrics_operation",
        "gymsite.core.schema.paths_without_trailing_slash",
    ],
}

# --- CORS, security -------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Only behind a proxy that appends the client's address to X-Forwarded-For.
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Cookies only over HTTPS in a deployment. The embedded run is served over plain HTTP by
# daphne (`make run HOST=0.0.0.0` for the desks of a gym's network): secure cookies would
# never come back and the admin's login would fail its CSRF check.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not EMBEDDED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG and not EMBEDDED)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Request bodies: anything over this is answered 413 before it is read.
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# Query parameters, and fields of an upload: more is a JSON 400 `too_many_fields`.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="") or "gymsite <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Languages and time ---------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="") or "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="") or "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or VAR_DIR / "media")
# Files only the API serves, to those who may see them (inspection photos, checklist logos):
# never under MEDIA_ROOT, which a web server may publish.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default="") or VAR_DIR / "private")

# --- Inspections: AI photo analysis (an OpenAI-compatible chat completions API) -----------
# Unset AI_BASE_URL or AI_MODEL: no provider, POST /api/v1/ai/analyze answers 503.
AI_BASE_URL = env.str("AI_BASE_URL", default="")
AI_API_KEY = env.str("AI_API_KEY", default="")
AI_MODEL = env.str("AI_MODEL", default="")
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS") if env.str("AI_TIMEOUT_SECONDS", default="") else 10.0

# --- Logs -----------------------------------------------------------------------------
# One structured line per request (gymsite.core.logs), JSON by default; secrets redacted
# from every line. Celery's worker logs the same way (gymsite.celery).
LOG_FORMAT = (env.str("LOG_FORMAT", default="") or "json").lower()
LOG_LEVEL = (env.str("LOG_LEVEL", default="") or "INFO").upper()
if LOG_FORMAT not in ("json", "text"):
    raise ValueError("LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each line carries the id of the request it was written for ("-" outside one): the
    # id a 500 answers finds its traceback here.
    "filters": {"request_id": {"()": "gymsite.core.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "gymsite.core.logs.JsonFormatter"},
        "text": {"()": "gymsite.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (a plain console one with DEBUG on, runserver's) would
        # write its lines a second time, unformatted: they go to the root's handler only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # Django's "Not Found: /x" warnings would repeat the request's own line; its
        # errors (500s, with their tracebacks) stay.
        "django.request": {"level": "ERROR"},
    },
}
# settings.LOGGING, and Python's warnings through it (gymsite.core.logs.configure).
LOGGING_CONFIG = "gymsite.core.logs.configure"

# --- Rate limits (gymsite.core.throttling) ----------------------------------------------
# Per minute by default: a user (JWT), a personal API token, an address for anonymous
# requests. Generous: a busy front desk, shared by several screens, stays far below.
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
RATE_LIMITS = {
    "user": env.str("RATE_LIMIT_USER", default="") or "1200/min",
    "token": env.str("RATE_LIMIT_TOKEN", default="") or "3000/min",
    "anon": env.str("RATE_LIMIT_ANON", default="") or "300/min",
}
# Per-scope rates, counted besides the caller's: a view's `throttle_scope`, else its URL
# name. "scope=rate,scope=rate"; the defaults cover what is costly per call: the exports
# and imports, the rendered reports and charts, a paid AI analysis, an email sent, a
# backup or a restore started.
DEFAULT_RATE_LIMIT_SCOPES = (
    "member-export-csv=30/min,member-import-members=20/min,"
    "inspection-report=30/min,measurement-member-chart=60/min,ai-analyze=10/min,"
    "backup-test-email=5/min,backup-trigger=10/min,backup-restore=5/min"
)
RATE_LIMIT_SCOPES = {
    **parse_scopes(DEFAULT_RATE_LIMIT_SCOPES),
    **parse_scopes(env.str("RATE_LIMIT_SCOPES", default="") or ""),
}
for _rate in (*RATE_LIMITS.values(), *RATE_LIMIT_SCOPES.values()):
    Rate.parse(_rate)  # a wrong value stops the process here, not at the first request
# WebSocket messages per terminal (every socket of the device shares the budget, in Redis:
# a reconnect does not refill it) or per staff user (front-desk screens).
WEBSOCKET_MESSAGE_RATE = env.str("WEBSOCKET_MESSAGE_RATE", default="") or "120/min"
WEBSOCKET_MESSAGE_BURST = env_int("WEBSOCKET_MESSAGE_BURST", 30)
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["gymsite.core.throttling.RateLimitThrottle"]

# --- Metrics (gymsite.core.metrics) -----------------------------------------------------
# GET /metrics: only with `Authorization: Bearer <METRICS_TOKEN>` or from an address in
# METRICS_ALLOWED_IPS (addresses or networks); with neither set it does not exist (404).
# Several processes: PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
