"""Project-wide checks the CI runs with the suite: lint, migrations in step, a valid
OpenAPI schema, a clean `check --deploy`, and settings that refuse an unsafe start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DEBUG": "0",
    "ALLOWED_HOSTS": "gym.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://gym.example.com",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_SSL_REDIRECT": "1",
}


def run(*args, env=None, timeout=180) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    base.pop("DEBUG", None)
    base.pop("SECRET_KEY", None)
    # The subprocess must not believe it runs under pytest (settings relax a few things).
    base["GYMSITE_TESTING"] = "0"
    return subprocess.run(
        args, cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def manage(*args, env=None) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, env={"DEBUG": "1", **(env or {})})


def test_ruff_is_clean():
    result = run(str(VENV_BIN / "ruff"), "check", ".", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_are_in_step_with_the_models():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    schema = out.read_text()
    for path in ["/api/v1/auth/login", "/api/v1/users/", "/api/v1/gyms/", "/api/v1/audit/", "/api/health"]:
        assert f"{path}" in schema, path


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("entry_point", ["gymsite.asgi", "gymsite.wsgi"])
def test_server_refuses_to_start_with_debug_off_and_no_secret_key(entry_point):
    result = run(sys.executable, "-c", f"import {entry_point}", env={"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    # With its own key it starts.
    result = run(
        sys.executable, "-c", f"import {entry_point}",
        env={"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64)},
    )
    assert result.returncode == 0, result.stderr


def test_check_deploy_fails_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "gymsite.E001" in result.stdout + result.stderr


def test_management_commands_work_in_a_checkout_without_environment():
    """A developer's `manage.py makemigrations` needs no variables (the generated key)."""
    result = run(sys.executable, "manage.py", "makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stdout + result.stderr


def test_seed_demo_refuses_to_run_with_debug_off():
    env = {"SECRET_KEY": secrets.token_urlsafe(64), "DEBUG": "0"}
    result = run(sys.executable, "manage.py", "seed_demo", env=env)
    assert result.returncode != 0
    assert "--force" in result.stderr


def test_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {"DEBUG": "1", "GYMSITE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gymsite.settings"}
    first = run(sys.executable, "-c", f"import django; django.setup(); {code}", env=env)
    second = run(sys.executable, "-c", f"import django; django.setup(); {code}", env=env)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key == second.stdout.strip()
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "django.db.backends.sqlite3"),
        ({"DATABASE_URL": "postgres://u:p@db.example.com:5432/gym"}, "django.db.backends.postgresql"),
    ],
)
def test_database_comes_from_the_environment(tmp_path, env, expected):
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    full_env = {"DEBUG": "1", "GYMSITE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gymsite.settings"}
    full_env.update(env)
    if not env:
        full_env["DATABASE_URL"] = ""
    result = run(sys.executable, "-c", f"import django; django.setup(); {code}", env=full_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_email_backend_is_console_without_email_host_and_smtp_with_it(tmp_path):
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND, getattr(settings, 'EMAIL_PORT', ''))"
    base = {"DEBUG": "1", "GYMSITE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gymsite.settings"}
    console = run(sys.executable, "-c", f"import django; django.setup(); {code}", env={**base, "EMAIL_HOST": ""})
    assert "console" in console.stdout, console.stderr
    smtp = run(
        sys.executable, "-c", f"import django; django.setup(); {code}",
        env={**base, "EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "2525"},
    )
    assert "smtp.EmailBackend 2525" in smtp.stdout, smtp.stderr


def test_every_environment_variable_is_documented():
    import re

    names = set()
    for path in [ROOT / "gymsite" / "settings.py"]:
        names |= set(re.findall(r'env(?:_bool|_int|\.\w+)\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "EMAIL_HOST"} <= names
    env_example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    assert not {n for n in names if not re.search(rf"^{n}=", env_example, re.M)}, ".env.example"
    assert not {n for n in names if f"`{n}`" not in readme}, "README configuration table"


def test_embedded_broker_keeps_every_folder_under_var(tmp_path):
    """kombu's filesystem transport defaults its control folder to ./control of the
    working directory; the embedded broker keeps it under var/ with the queue."""
    code = (
        "from django.conf import settings; "
        "print('\\n'.join(v for k, v in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() "
        "if k.endswith('_folder') or k.startswith('data_folder')))"
    )
    result = run(
        sys.executable, "-c", f"import django; django.setup(); {code}",
        env={"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "gymsite.settings", "GYMSITE_VAR_DIR": str(tmp_path),
             "REDIS_URL": "", "CELERY_BROKER_URL": ""},
    )
    assert result.returncode == 0, result.stderr
    folders = result.stdout.split()
    assert len(folders) == 4, folders  # in, out, processed, control
    assert all(folder.startswith(str(tmp_path)) for folder in folders), folders
