"""One structured line per request; the request id into tasks; no secret in any line."""

from __future__ import annotations

import json
import logging

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gymsite.core import logs
from gymsite.core.logs import TASK_HEADER, JsonFormatter, TextFormatter, redact
from gymsite.core.request_id import set_current_request_id
from gymsite.core.tasks import ping

PASSWORD = "Correct-Horse-Battery-9"


def request_lines(log) -> list[dict]:
    return [line for line in log.lines() if line["logger"] == "gymsite.request"]


def test_one_line_per_request_with_who_where_and_how_long(json_log, receptionist):
    client = APIClient()
    client.force_authenticate(receptionist)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/members?limit=5")
    assert response.status_code == 200
    (line,) = request_lines(json_log)
    assert line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == "/api/v1/members" and line["status"] == 200
    assert line["user"] == receptionist.pk and line["gym"] == receptionist.gym_id
    assert line["view"] == "member-list"
    assert line["queries"] == len(queries.captured_queries)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "token" not in line and "device" not in line


def test_an_api_token_is_named_by_its_id_and_an_error_is_logged_as_such(json_log, receptionist):
    from gymsite.accounts.audit import Actor
    from gymsite.accounts.services import api_token_create

    token, raw = api_token_create(actor=Actor(user=receptionist), user=receptionist, description="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.get("/api/v1/members/999999").status_code == 404
    ok, missing = request_lines(json_log)
    assert ok["token"] == token.pk and ok["user"] == receptionist.pk and ok["status"] == 200
    assert missing["status"] == 404 and missing["view"] == "member-detail"
    assert raw not in json_log.text


def test_the_formatters_write_one_line_and_text_on_request():
    record = logging.LogRecord("gymsite.request", logging.INFO, __file__, 1, "GET %s", ("/x\ny",), None)
    record.status = 200
    record.request_id = "rid-1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"ts": None} == {
        "ts": None, "level": "INFO", "logger": "gymsite.request", "request_id": "rid-1", "message": "GET /x\ny", "status": 200
    }
    assert TextFormatter().format(record).endswith("INFO gymsite.request [rid-1] GET /x\ny")


def test_secrets_are_redacted_whatever_writes_them():
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMjM0NTY3OH0.c2lnbmF0dXJlLXBhcnQtaGVyZQ"
    cases = {
        f"Authorization: Bearer {jwt}": jwt,
        "token gymsite_AbCdEfGhIjKlMnOpQrStUv used": "gymsite_AbCdEfGhIjKlMnOpQrStUv",
        "/ws/gym/1?token=gymdev_Zx9Zx9Zx9Zx9Zx9Zx9&lang=es": "gymdev_Zx9Zx9Zx9Zx9Zx9Zx9",
        "/ws/user/3?token=plainsecret&x=1": "plainsecret",
        '{"email": "a@b.c", "password": "hunter2-long"}': "hunter2-long",
        "{'new_password': 'hunter3-long'}": "hunter3-long",
        '{"fingerprint_data": "AAECAwQFBgcICQ=="}': "AAECAwQFBgcICQ==",
        "password=hunter4&next=/": "hunter4",
    }
    for text, secret in cases.items():
        redacted = redact(text)
        assert secret not in redacted and "[redacted]" in redacted, (text, redacted)
    assert redact("GET /api/v1/members?limit=5 200") == "GET /api/v1/members?limit=5 200"
    assert "lang=es" in redact("/ws/gym/1?token=abc&lang=es")


def test_login_token_creation_and_their_secrets_never_reach_the_log(json_log, receptionist):
    receptionist.set_password(PASSWORD)
    receptionist.save()
    client = APIClient()
    session = client.post("/api/v1/auth/login", {"email": receptionist.email, "password": PASSWORD}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {session['access_token']}")
    created = client.post("/api/v1/users/me/tokens", {"description": "script"}, format="json")
    assert created.status_code == 201
    refreshed = APIClient().post("/api/v1/auth/refresh", {"refresh_token": session["refresh_token"]}, format="json")
    assert refreshed.status_code == 200
    # A failed login logs a warning of its own: the typed password stays out of it too.
    APIClient().post("/api/v1/auth/login", {"email": receptionist.email, "password": PASSWORD + "x"}, format="json")
    text = json_log.text
    assert len(request_lines(json_log)) == 4
    for secret in (PASSWORD, session["access_token"], session["refresh_token"], created.json()["token"], refreshed.json()["access_token"]):
        assert secret not in text


def test_a_task_sent_during_a_request_carries_its_id_into_the_task_log_lines(json_log):
    headers: dict = {}
    set_current_request_id("req-42")
    try:
        logs._task_published(headers=headers)
    finally:
        set_current_request_id(None)
    assert headers == {TASK_HEADER: "req-42"}
    # The task runs (eagerly here, in the worker for real) with that id on its lines.
    assert ping.apply(args=("abc",), headers=headers).get() == "pong abc"
    (pong,) = [line for line in json_log.lines() if line["message"] == "pong abc"]
    assert pong["request_id"] == "req-42"


def test_a_json_line_stays_json_and_redacted_whatever_quotes_the_message_holds():
    """Redaction runs on each value before it is encoded: a secret in quotes (daphne's
    access log, a JSON body in a message) is found as written, and the line still parses."""
    record = logging.LogRecord(
        "daphne.access", logging.INFO, __file__, 1, '%s - - "%s" 200 43', ("127.0.0.1:5000", "GET /ws/health?token=abc123xyz"), None
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == '127.0.0.1:5000 - - "GET /ws/health?token=[redacted]" 200 43'
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "body %s", ('{"email": "a@b.c", "password": "hunter2-long"}',), None)
    text = JsonFormatter().format(record)
    assert "hunter2-long" not in text and json.loads(text)["message"] == 'body {"email": "a@b.c", "password": "[redacted]"}'


def test_warnings_and_uncaught_errors_are_records_too(tmp_path):
    """A process's warnings (settings.LOGGING_CONFIG captures them) and an exception no one
    caught before Django read its settings (configure_early, as the server calls it) are
    JSON records, not text on stderr."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "GYMSITE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "gymsite.settings", "LOG_FORMAT": "json"}
    env.pop("DATABASE_URL", None)
    code = "import django, warnings; django.setup(); warnings.warn('mind the gap')"
    warned = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in warned.stderr.splitlines()]
    assert any(line["logger"] == "py.warnings" and "UserWarning: mind the gap" in line["message"] for line in lines), warned.stderr
    code = "from gymsite.core.logs import configure_early; configure_early(); raise RuntimeError('no way')"
    crashed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 1
    (line,) = [json.loads(line) for line in crashed.stderr.splitlines()]
    assert line["level"] == "CRITICAL" and line["logger"] == "gymsite.uncaught" and line["message"] == "uncaught exception: no way"
    assert "RuntimeError: no way" in line["exc"]
