"""What the server checks before it serves: it refuses to start in production without
its own SECRET_KEY (the embedded run's generated key is for development only)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for the embedded default)."
)


def require_secret_key() -> None:
    # The test suite imports the WSGI app in process (schemathesis) with DEBUG off.
    if settings.TESTING:
        return
    if not settings.DEBUG and not settings.SECRET_KEY_FROM_ENVIRONMENT:
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_from_environment(app_configs, **kwargs):
    if settings.SECRET_KEY_FROM_ENVIRONMENT:
        return []
    return [checks.Error(MISSING_SECRET_KEY, id="gymsite.E001")]
