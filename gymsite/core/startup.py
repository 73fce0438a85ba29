"""What the server checks before it serves: a deployment (DATABASE_URL set) refuses to start
without its own SECRET_KEY. The embedded default (no DATABASE_URL: SQLite under var/ on one
machine, `make run`) may use the key it generated and keeps in var/secret_key, with DEBUG
on or off."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "SECRET_KEY must be set when DATABASE_URL is (a deployment) and DEBUG is off; only the "
    "embedded default (no DATABASE_URL) may use the key generated under var/."
)


def generated_key_refused() -> bool:
    """A deployment with DEBUG off and no SECRET_KEY of its own."""
    return not settings.SECRET_KEY_FROM_ENVIRONMENT and not settings.EMBEDDED and not settings.DEBUG


def require_secret_key() -> None:
    # The test suite imports the WSGI app in process (schemathesis) with DEBUG off, on
    # PostgreSQL under CI.
    if settings.TESTING:
        return
    if generated_key_refused():
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_from_environment(app_configs, **kwargs):
    # `check --deploy` looks at a deployment whatever its DEBUG (it warns about DEBUG itself).
    if settings.SECRET_KEY_FROM_ENVIRONMENT or settings.EMBEDDED:
        return []
    return [checks.Error(MISSING_SECRET_KEY, id="gymsite.E001")]


POOL_TOO_SMALL = (
    "DB_POOL_MAX_SIZE ({pool}) is smaller than REQUEST_THREADS ({http}) + WEBSOCKET_DB_THREADS "
    "({websocket}): under load the HTTP requests and the terminals wait for each other's "
    "database connections (up to DB_POOL_TIMEOUT). Leave DB_POOL_MAX_SIZE unset, or raise it."
)


@checks.register()
def check_pool_fits_the_threads(app_configs, **kwargs):
    """Each daphne process runs database work on REQUEST_THREADS threads (HTTP) and
    WEBSOCKET_DB_THREADS threads (the WebSocket consumers, gymsite.core.asyncdb): the
    psycopg pool should have a connection for each."""
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if not isinstance(pool, dict) or not pool.get("max_size"):
        return []
    http, websocket = settings.REQUEST_THREADS, settings.WEBSOCKET_DB_THREADS
    if pool["max_size"] >= http + websocket:
        return []
    text = POOL_TOO_SMALL.format(pool=pool["max_size"], http=http, websocket=websocket)
    return [checks.Warning(text, id="gymsite.W001")]
