"""GET /api/health: each dependency checked with a short timeout; 503 naming the broken one."""

import threading

import pytest
from django.test import override_settings

from gymsite.core import health

pytestmark = pytest.mark.django_db

HEALTH = "/api/health"
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_health_ok_without_credentials(anon_client):
    response = anon_client.get(HEALTH)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok", "broker": "ok"},
    }


def test_health_ignores_bad_credentials(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert anon_client.get(HEALTH).status_code == 200


@override_settings(
    CHANNEL_LAYERS={
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [CLOSED]}}
    },
    CELERY_BROKER_URL=CLOSED,
    CELERY_BROKER_TRANSPORT_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
)
def test_health_503_when_redis_is_unreachable(anon_client):
    # How long it takes is measured in bench/health.py.
    response = anon_client.get(HEALTH)
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "channel_layer": "error", "broker": "error"},
    }


def test_a_hanging_check_times_out_and_the_endpoint_answers(anon_client, monkeypatch):
    """The answer comes while the check still hangs (how soon: bench/health.py)."""
    release = threading.Event()
    finished = threading.Event()

    def hanging():
        release.wait(timeout=30)
        finished.set()

    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setitem(health.CHECKS, "broker", hanging)
    try:
        response = anon_client.get(HEALTH)
        assert not finished.is_set()
    finally:
        release.set()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "channel_layer": "ok", "broker": "timeout"}


def test_database_failure_is_named(anon_client, monkeypatch):
    def broken():
        raise RuntimeError("db down")

    monkeypatch.setattr(health, "check_database", broken)
    response = anon_client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"
    assert "db down" not in response.content.decode()


@pytest.mark.redis
def test_health_ok_against_real_redis(anon_client, settings):
    # Under CI REDIS_URL points the channel layer and the broker at the real Redis.
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert anon_client.get(HEALTH).json()["checks"] == {
        "database": "ok", "channel_layer": "ok", "broker": "ok",
    }
