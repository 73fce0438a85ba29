"""GET /metrics: who may scrape it, what it counts, and how the API's schema documents it."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from gymsite.core.metrics import CONTENT_TYPE_LATEST, observe_backup
from gymsite.core.tasks import ping
from tests.openapi import assert_matches_schema

TOKEN = "scrape-me-0123456789"


@pytest.fixture
def scraper(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(text: str, name: str, **labels) -> float:
    """The sample `name{labels...}` (labels in any order, others allowed), 0 when absent."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == str(v) for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_do_not_exist_unless_configured(settings, db):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    response = APIClient().get("/metrics")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_scraper_without_the_token_or_from_elsewhere_is_refused(scraper, settings):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = APIClient().get("/metrics", **headers)
        assert response.status_code == 403
        assert response.json() == {"detail": response.json()["detail"], "code": "permission_denied"}
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "192.168.1.5"]
    assert APIClient(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert APIClient(REMOTE_ADDR="192.168.1.5").get("/metrics").status_code == 200
    assert APIClient(REMOTE_ADDR="192.168.1.6").get("/metrics").status_code == 403
    # X-Forwarded-For is the client's own word unless behind a trusted proxy.
    assert APIClient(REMOTE_ADDR="8.8.8.8").get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 403
    settings.USE_X_FORWARDED_FOR = True
    assert APIClient(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200
    assert scraper.post("/metrics").status_code == 405


def test_requests_are_counted_per_view_with_their_latency(scraper, receptionist):
    before = scrape(scraper)
    client = APIClient()
    client.force_authenticate(receptionist)
    for _ in range(3):
        assert client.get("/api/v1/members").status_code == 200
    assert client.get("/api/v1/members/999999").status_code == 404
    after = scrape(scraper)
    counted = value(after, "gymsite_http_requests_total", view="member-list", method="GET", status=200)
    assert counted - value(before, "gymsite_http_requests_total", view="member-list", method="GET", status=200) == 3
    assert value(after, "gymsite_http_requests_total", view="member-detail", status=404) >= 1
    latencies = value(after, "gymsite_http_request_duration_seconds_count", view="member-list", method="GET")
    assert latencies - value(before, "gymsite_http_request_duration_seconds_count", view="member-list", method="GET") == 3


def test_check_ins_are_counted_granted_and_denied_by_reason(scraper, receptionist, gym, django_capture_on_commit_callbacks):
    from tests.attendance.conftest import make_member

    client = APIClient()
    client.force_authenticate(receptionist)
    member = make_member(gym)
    expired = make_member(gym, current_plan_name="Monthly", expires_on=None, membership_starts_on=None)
    before = scrape(scraper)
    with django_capture_on_commit_callbacks(execute=True):  # counted once committed
        assert client.post(f"/api/v1/members/{member.pk}/check-in", {}, format="json").status_code == 201
        again = client.post(f"/api/v1/members/{member.pk}/check-in", {}, format="json")
        denied = client.post(f"/api/v1/members/{expired.pk}/check-in", {}, format="json")
    after = scrape(scraper)

    def delta(**labels):
        return value(after, "gymsite_checkins_total", **labels) - value(before, "gymsite_checkins_total", **labels)

    assert delta(result="granted") == 1
    assert delta(result="denied", reason=again.json()["code"]) == 1
    assert delta(result="denied", reason=denied.json()["code"]) == 1


def test_backups_are_observed_by_kind_and_result(scraper, db):
    before = scrape(scraper)
    observe_backup(kind="full", result="success", seconds=42.0)
    observe_backup(kind="incremental", result="failed", seconds=3.5)
    after = scrape(scraper)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("gymsite_backups_total", kind="full", result="success") == 1
    assert delta("gymsite_backups_total", kind="incremental", result="failed") == 1
    assert delta("gymsite_backup_duration_seconds_sum", kind="full", result="success") == 42.0
    assert delta("gymsite_backup_duration_seconds_bucket", kind="full", result="success", le="60.0") == 1
    assert delta("gymsite_backup_duration_seconds_bucket", kind="full", result="success", le="30.0") == 0


def test_celery_tasks_are_counted_and_failures_too(scraper, db):
    from celery import shared_task

    @shared_task(name="tests.ops.boom")
    def boom():
        raise RuntimeError("boom")

    before = scrape(scraper)
    ping.apply(args=("x",))
    boom.apply()
    after = scrape(scraper)
    assert value(after, "gymsite_celery_tasks_total", task="gymsite.core.ping", state="succeeded") - value(
        before, "gymsite_celery_tasks_total", task="gymsite.core.ping", state="succeeded"
    ) == 1
    assert value(after, "gymsite_celery_tasks_total", task="tests.ops.boom", state="failed") - value(
        before, "gymsite_celery_tasks_total", task="tests.ops.boom", state="failed"
    ) == 1
    assert value(after, "gymsite_celery_task_duration_seconds_count", task="gymsite.core.ping") >= 1


def test_the_schema_documents_metrics_as_the_view_answers(scraper, settings, db):
    """GET /metrics is in the OpenAPI schema (a plain Django view, documented by a
    postprocessing hook) beside /api/health: its token as a security scheme of its own, the
    exposition's content type, and the 403 and 404 it really answers; each answer below is
    checked against that schema as schemathesis checks the API's."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/metrics"]["get"]
    assert operation["tags"] == schema["paths"]["/api/health"]["get"]["tags"] == ["health"]
    # The metrics token, or no credentials at all (from METRICS_ALLOWED_IPS); not the API's.
    assert operation["security"] == [{"metricsToken": []}, {}]
    scheme = schema["components"]["securitySchemes"]["metricsToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer" and "METRICS_TOKEN" in scheme["description"]
    assert set(operation["responses"]) == {"200", "403", "404"}
    assert list(operation["responses"]["200"]["content"]) == [CONTENT_TYPE_LATEST]
    assert CONTENT_TYPE_LATEST.startswith("text/plain; version=")
    for status in ("403", "404"):
        assert operation["responses"][status]["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

    scraped = scraper.get("/metrics")
    assert scraped.status_code == 200 and scraped["Content-Type"] == CONTENT_TYPE_LATEST
    assert scraped["Cache-Control"] == "no-store"
    assert_matches_schema(scraped)
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer not-the-token"}):
        refused = APIClient().get("/metrics", **headers)
        assert refused.status_code == 403
        assert_matches_schema(refused)
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    allowed = APIClient(REMOTE_ADDR="10.1.2.3").get("/metrics")
    assert allowed.status_code == 200
    assert_matches_schema(allowed)
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    off = APIClient().get("/metrics")
    assert off.status_code == 404
    assert_matches_schema(off)


def test_the_served_schema_and_docs_include_metrics(client):
    served = client.get("/api/schema/?format=json")
    assert served.status_code == 200
    assert "/metrics" in served.json()["paths"]
    assert "metricsToken" in served.json()["components"]["securitySchemes"]
