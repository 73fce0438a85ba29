"""Project-wide checks the CI runs with the suite: lint, migrations in step, a valid
OpenAPI schema, a clean `check --deploy` (those four are marked slow: `make test-fast`
leaves them out), declared dependencies, settings that refuse an unsafe start, and a .env
that changes nothing the tests see."""

import ast
import importlib.metadata
import importlib.util
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# A deployment: its own database. The checks below never connect to it.
DEPLOYMENT_DATABASE_URL = "postgres://gymsite:secret@db.example.invalid:5432/gymsite"

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DEBUG": "0",
    "DATABASE_URL": DEPLOYMENT_DATABASE_URL,
    "ALLOWED_HOSTS": "gym.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://gym.example.com",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_SSL_REDIRECT": "1",
}


def run(*args, env=None, timeout=180) -> subprocess.CompletedProcess:
    """Runs a command in the project with this process's environment, but for `env`
    (a None value removes a variable)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    base.pop("DEBUG", None)
    base.pop("SECRET_KEY", None)
    # The subprocess must not believe it runs under pytest (settings relax a few things),
    # and reads no .env: it sees the environment each test gives it.
    base["GYMSITE_TESTING"] = "0"
    base["GYMSITE_ENV_FILE"] = os.devnull
    full_env = {k: v for k, v in {**base, **(env or {})}.items() if v is not None}
    return subprocess.run(args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)


def manage(*args, env=None) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, env=env)


def settings_in_subprocess(names: list[str], env: dict[str, str], *, prelude: str = "") -> tuple:
    """The values of settings `names` in a subprocess that sets Django up with `env`."""
    code = (
        f"{prelude}import django; django.setup(); from django.conf import settings; "
        f"print(repr(tuple(getattr(settings, name) for name in {names!r})))"
    )
    result = run(sys.executable, "-c", code, env={"DJANGO_SETTINGS_MODULE": "gymsite.settings", **env})
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_ruff_is_clean():
    result = run(str(VENV_BIN / "ruff"), "check", ".", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_migrations_are_in_step_with_the_models():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_openapi_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    schema = out.read_text()
    for path in ["/api/v1/auth/login", "/api/v1/users/", "/api/v1/gyms/", "/api/v1/audit/", "/api/health"]:
        assert f"{path}" in schema, path


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("entry_point", ["gymsite.asgi", "gymsite.wsgi"])
def test_a_deployment_refuses_to_start_with_debug_off_and_no_secret_key(entry_point, tmp_path):
    deployment = {"DEBUG": "0", "DATABASE_URL": DEPLOYMENT_DATABASE_URL, "GYMSITE_VAR_DIR": str(tmp_path)}
    result = run(sys.executable, "-c", f"import {entry_point}", env=deployment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    # With its own key it starts.
    result = run(
        sys.executable, "-c", f"import {entry_point}",
        env={**deployment, "SECRET_KEY": secrets.token_urlsafe(64)},
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("entry_point", ["gymsite.asgi", "gymsite.wsgi"])
def test_the_embedded_run_starts_with_debug_off_on_its_generated_key(entry_point, tmp_path):
    """`make run` with no .env: DEBUG off, no DATABASE_URL, the key generated under var/."""
    result = run(
        sys.executable, "-c", f"import {entry_point}",
        env={"DATABASE_URL": "", "GYMSITE_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "secret_key").read_text().strip()) >= 50


def test_check_deploy_fails_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "gymsite.E001" in result.stdout + result.stderr


def test_management_commands_work_in_a_checkout_without_environment():
    """A developer's `manage.py makemigrations` needs no variables (the generated key)."""
    result = run(sys.executable, "manage.py", "makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stdout + result.stderr


def test_seed_demo_refuses_to_run_in_a_deployment_with_debug_off(tmp_path):
    # A database of its own (SQLite, so that the command gets as far as its own check).
    env = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deployment.sqlite3'}",
    }
    result = run(sys.executable, "manage.py", "seed_demo", env=env)
    assert result.returncode != 0
    assert "--force" in result.stderr


def test_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {"GYMSITE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gymsite.settings"}
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
    full_env = {"GYMSITE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gymsite.settings"}
    full_env.update(env)
    if not env:
        full_env["DATABASE_URL"] = ""
    result = run(sys.executable, "-c", f"import django; django.setup(); {code}", env=full_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_email_backend_is_console_without_email_host_and_smtp_with_it(tmp_path):
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND, getattr(settings, 'EMAIL_PORT', ''))"
    base = {"GYMSITE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gymsite.settings"}
    console = run(sys.executable, "-c", f"import django; django.setup(); {code}", env={**base, "EMAIL_HOST": ""})
    assert "console" in console.stdout, console.stderr
    smtp = run(
        sys.executable, "-c", f"import django; django.setup(); {code}",
        env={**base, "EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "2525"},
    )
    assert "smtp.EmailBackend 2525" in smtp.stdout, smtp.stderr


def test_every_environment_variable_is_documented():
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
        env={"DJANGO_SETTINGS_MODULE": "gymsite.settings", "GYMSITE_VAR_DIR": str(tmp_path),
             "REDIS_URL": "", "CELERY_BROKER_URL": ""},
    )
    assert result.returncode == 0, result.stderr
    folders = result.stdout.split()
    assert len(folders) == 4, folders  # in, out, processed, control
    assert all(folder.startswith(str(tmp_path)) for folder in folders), folders


# --- a .env changes nothing the tests see ------------------------------------------------

ENV_FILE_VALUES = {
    "SECRET_KEY": "from-the-env-file-" + "x" * 40,
    "DEBUG": "1",
    "REDIS_URL": "redis://redis.example.invalid:6379/0",
    "ALLOWED_HOSTS": "gym.example.com",
    "SECURE_SSL_REDIRECT": "1",
}


# What the suite's own environment may set (CI: REDIS_URL): out, so that the file speaks.
UNSET = dict.fromkeys(ENV_FILE_VALUES)


@pytest.fixture
def env_file(tmp_path) -> Path:
    """A production-like .env (README: Production), somewhere else than the project's."""
    path = tmp_path / ".env"
    path.write_text("".join(f"{name}={value}\n" for name, value in ENV_FILE_VALUES.items()))
    return path


def test_this_test_run_reads_no_env_file_and_keeps_debug_off():
    assert settings.UNDER_PYTEST and settings.ENV_FILE is None
    assert settings.DEBUG is False
    # The processes the tests start read none either.
    assert os.environ["GYMSITE_ENV_FILE"] == os.devnull


def test_the_env_file_is_read_outside_the_tests(env_file, tmp_path):
    env = {**UNSET, "GYMSITE_ENV_FILE": str(env_file), "GYMSITE_VAR_DIR": str(tmp_path)}
    names = ["SECRET_KEY", "DEBUG", "REDIS_URL", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"]
    assert settings_in_subprocess(names, env) == (
        ENV_FILE_VALUES["SECRET_KEY"], True, ENV_FILE_VALUES["REDIS_URL"], ["gym.example.com"], True
    )
    # The environment wins over the file (empty: unset, the default).
    assert settings_in_subprocess(["REDIS_URL"], {**env, "REDIS_URL": ""}) == ("",)


def test_a_test_run_ignores_the_env_file_and_debug(env_file, tmp_path):
    """Settings loaded under pytest (as in this process) see nothing of the file, and DEBUG
    off even when the environment says DEBUG=1."""
    env = {**UNSET, "GYMSITE_ENV_FILE": str(env_file), "GYMSITE_VAR_DIR": str(tmp_path), "DEBUG": "1"}
    names = ["SECRET_KEY_FROM_ENVIRONMENT", "DEBUG", "REDIS_URL", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"]
    assert settings_in_subprocess(names, env, prelude="import pytest; ") == (
        False, False, "", ["localhost", "127.0.0.1", "[::1]", "testserver"], False
    )


# --- dependencies ------------------------------------------------------------------------


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> tuple[set[str], set[str]]:
    """(runtime, dev extras) distribution names of pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(requirements):
        return {normalized(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r).group()) for r in requirements}

    return names(project["dependencies"]), names(project["optional-dependencies"]["dev"])


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[normalized(name)] = version.strip()
    return pins


OUR_MODULES = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} | {
    p.stem for p in ROOT.glob("*.py")
}
CODE_DIRS = sorted(OUR_MODULES - {"tests", "bench"})


def imported_top_level_modules(paths) -> set[str]:
    modules = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def modules_named_in_settings() -> set[str]:
    """Apps, middleware and backends the settings name by their dotted path."""
    dotted = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z_]\w*)+(:\w+)?$")
    tree = ast.parse((ROOT / "gymsite" / "settings.py").read_text())
    strings = {
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and dotted.match(node.value)
    }
    # Dotted strings that are not modules: model labels ("accounts.User") and the like.
    modules = {value.split(".")[0] for value in strings}
    modules = {module for module in modules if importlib.util.find_spec(module) is not None}
    return modules | {app.split(".")[0] for app in settings.INSTALLED_APPS + settings.MIDDLEWARE}


def distributions_of(modules: set[str]) -> dict[str, set[str]]:
    """{module: its distributions} for every third-party module (not ours, not stdlib)."""
    installed = importlib.metadata.packages_distributions()
    third_party = modules - OUR_MODULES - set(sys.stdlib_module_names)
    return {module: {normalized(d) for d in installed.get(module, [])} for module in third_party}


def test_every_third_party_import_is_a_declared_dependency():
    runtime, dev = declared_dependencies()
    code_files = [p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py")] + list(ROOT.glob("*.py"))
    test_files = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]

    code = distributions_of(imported_top_level_modules(code_files) | modules_named_in_settings())
    assert "dateutil" in code and "kombu" in code  # the walk sees the code
    undeclared = {m: d for m, d in code.items() if not d & runtime}
    assert not undeclared, f"imported by the code, not in [project] dependencies: {undeclared}"

    tests = distributions_of(imported_top_level_modules(test_files))
    assert "schemathesis" in tests
    undeclared = {m: d for m, d in tests.items() if not d & (runtime | dev)}
    assert not undeclared, f"imported by tests or bench/, not declared (dev extras): {undeclared}"


def test_constraints_pin_every_declared_dependency_and_only_installed_packages():
    runtime, dev = declared_dependencies()
    pins = pinned()
    assert not (runtime | dev) - set(pins), "declared in pyproject.toml, not pinned in constraints.txt"
    installed = {normalized(d.metadata["Name"]) for d in importlib.metadata.distributions()}
    stray = set(pins) - installed
    assert not stray, f"pinned in constraints.txt but not installed by `make install-dev`: {stray}"
