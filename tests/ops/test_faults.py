"""Database faults: a statement past DB_STATEMENT_TIMEOUT_MS is cancelled and answered 503
like a database that went away; the settings that bound it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from rest_framework.test import APIRequestFactory

from gymsite.core.errors import exception_handler
from gymsite.core.handlers import server_error


def settings_in_a_process(**variables) -> dict:
    """gymsite's database settings as a process started with `variables` sees them."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "d = settings.DATABASES['default']; "
        "print(json.dumps({'options': d['OPTIONS'].get('options', ''), 'checks': d['CONN_HEALTH_CHECKS'], "
        "'pool': {k: v for k, v in d['OPTIONS'].get('pool', {}).items()}, "
        "'threads': [settings.REQUEST_THREADS, settings.WEBSOCKET_DB_THREADS]}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gymsite.settings", "GYMSITE_ENV_FILE": os.devnull, **variables}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_statement_timeout_and_pool_checks_come_from_the_environment():
    url = {"DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x"}
    default = settings_in_a_process(**url)
    assert default["options"] == "-c statement_timeout=30000"
    assert default["checks"] is True and default["pool"]["max_size"] == 14
    tuned = settings_in_a_process(**url, DB_STATEMENT_TIMEOUT_MS="1500", DB_HEALTH_CHECKS="0", DB_POOL_TIMEOUT="3")
    assert tuned["options"] == "-c statement_timeout=1500" and tuned["checks"] is False and tuned["pool"]["timeout"] == 3
    assert settings_in_a_process(**url, DB_STATEMENT_TIMEOUT_MS="0")["options"] == ""


def test_the_pool_has_a_connection_for_every_http_and_websocket_thread():
    """10 HTTP request threads and 4 for the WebSockets' database work (gymsite.core.
    asyncdb): 14 connections. A pool set smaller leaves the WebSockets theirs and gives
    HTTP the rest; set both, and the check warns when they do not fit."""
    url = {"DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x"}
    default = settings_in_a_process(**url)
    assert default["pool"]["max_size"] == 14 and default["threads"] == [10, 4]
    more = settings_in_a_process(**url, REQUEST_THREADS="6", WEBSOCKET_DB_THREADS="8")
    assert more["pool"]["max_size"] == 14 and more["threads"] == [6, 8]
    small = settings_in_a_process(**url, DB_POOL_MAX_SIZE="10")
    assert small["pool"]["max_size"] == 10 and small["threads"] == [6, 4]
    assert settings_in_a_process(DATABASE_URL="sqlite:///x.sqlite3")["threads"] == [10, 4]


def test_the_check_warns_when_the_pool_is_smaller_than_its_threads():
    def check(**variables) -> str:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gymsite.settings", "GYMSITE_ENV_FILE": os.devnull,
               "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x", **variables}
        done = subprocess.run([sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=60)
        return done.stdout + done.stderr

    assert "gymsite.W001" not in check(DB_POOL_MAX_SIZE="8")  # HTTP gets what is left: 4
    warned = check(DB_POOL_MAX_SIZE="8", REQUEST_THREADS="10")
    assert "gymsite.W001" in warned and "DB_POOL_MAX_SIZE (8)" in warned, warned


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_past_the_timeout_is_cancelled_and_answered_503():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        configured = cursor.fetchone()[0]
    # The suite's connection carries the configured timeout (30 s by default)...
    assert configured == f"{settings.DB_STATEMENT_TIMEOUT_MS // 1000}s"
    # ...and a statement past a timeout is cancelled by the server.
    with pytest.raises(OperationalError) as cancelled, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(2)")
    assert "statement timeout" in str(cancelled.value)
    request = APIRequestFactory().get("/api/v1/members")
    response = exception_handler(cancelled.value, {"request": request})
    assert response.status_code == 503 and response.data["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"
    assert "statement" not in json.dumps(response.data)  # nothing of the query leaks


def test_a_database_error_outside_drf_is_the_same_503():
    request = APIRequestFactory().get("/admin/")
    try:
        raise OperationalError("connection to server at 127.0.0.1 failed")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert json.loads(response.content)["code"] == "service_unavailable"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500
