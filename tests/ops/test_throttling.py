"""Rate limits on the API: per user, per API token, per address; scopes; 429 with
Retry-After and the error body; fails open when the cache is down, logins fail closed."""

from __future__ import annotations

import socket

import pytest
from rest_framework.test import APIClient

from gymsite.accounts.audit import Actor
from gymsite.accounts.services import api_token_create
from gymsite.core.rates import Rate, parse_scopes
from gymsite.core.throttling import MessageBudget

ME = "/api/v1/auth/me"


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = {"user": "3/hour", "token": "5/hour", "anon": "4/hour"}  # hours: no window edge mid-test
    return settings


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def login_client(user, password="pw-Secret-123") -> APIClient:
    user.set_password(password)
    user.save()
    client = APIClient()
    response = client.post("/api/v1/auth/login", {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return bearer(response.json()["access_token"])


def assert_throttled(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled" and body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_a_user_over_the_limit_gets_429_with_retry_after(limits, receptionist):
    client = login_client(receptionist)
    for _ in range(3):
        assert client.get(ME).status_code == 200
    assert_throttled(client.get(ME))


def test_an_api_token_has_its_own_budget_apart_from_its_owner(limits, receptionist):
    _token, raw = api_token_create(actor=Actor(user=receptionist), user=receptionist, description="integration")
    jwt = login_client(receptionist)
    for _ in range(3):
        assert jwt.get(ME).status_code == 200
    assert_throttled(jwt.get(ME))
    api = bearer(raw)
    for _ in range(5):
        assert api.get(ME).status_code == 200  # the owner's budget is spent; the token's is not
    assert_throttled(api.get(ME))


def test_users_do_not_share_a_budget(limits, receptionist, trainer):
    first, second = login_client(receptionist), login_client(trainer)
    for _ in range(3):
        first.get(ME)
    assert_throttled(first.get(ME))
    assert second.get(ME).status_code == 200


def test_anonymous_requests_count_per_address(limits):
    here, there = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
    for _ in range(4):
        assert here.get("/api/v1/").status_code == 200
    assert_throttled(here.get("/api/v1/"))
    assert there.get("/api/v1/").status_code == 200


def test_a_scope_has_its_own_rate_besides_the_callers(limits, receptionist, settings):
    settings.RATE_LIMITS = {"user": "100/min", "token": "100/min", "anon": "100/min"}
    settings.RATE_LIMIT_SCOPES = {"auth-me": "2/hour"}
    client = login_client(receptionist)
    assert client.get(ME).status_code == 200
    assert client.get(ME).status_code == 200
    assert_throttled(client.get(ME))
    assert client.get("/api/v1/members").status_code == 200  # another view: only the user's rate


def test_the_throttled_answer_is_in_spanish_too(limits, receptionist):
    client = login_client(receptionist)
    for _ in range(3):
        client.get(ME)
    response = client.get(ME, HTTP_ACCEPT_LANGUAGE="es")
    assert_throttled(response)
    assert "solicitud" in response.json()["detail"].lower()


def test_health_is_never_throttled(limits):
    client = APIClient()
    for _ in range(5):
        assert client.get("/api/health").status_code in (200, 503)


def test_rates_off(limits, receptionist, settings):
    settings.RATE_LIMITS_ENABLED = False
    client = login_client(receptionist)
    for _ in range(6):
        assert client.get(ME).status_code == 200


def test_rates_are_parsed_and_wrong_ones_refused():
    assert Rate.parse("600/min") == Rate(600, 60)
    assert Rate.parse("10/s") == Rate(10, 1)
    assert Rate.parse("1000/hour") == Rate(1000, 3600)
    assert Rate.parse("5/2m") == Rate(5, 120)
    for wrong in ("0/min", "ten/min", "5/week", "5"):
        with pytest.raises(ValueError):
            Rate.parse(wrong)
    assert parse_scopes("a=1/s, b=2/min") == {"a": "1/s", "b": "2/min"}
    with pytest.raises(ValueError):
        parse_scopes("a")


def test_a_message_budget_allows_its_burst_then_refills():
    budget = MessageBudget(Rate(60, 60), burst=3)
    assert [budget.take() for _ in range(4)] == [True, True, True, False]
    assert budget.retry_after() == 1
    budget.updated -= 1.0  # a second later: one more
    assert budget.take() is True
    assert budget.take() is False


# --- the cache (Redis) down -----------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens


@pytest.fixture
def redis_down(settings):
    """The cache on a Redis that is not there (connection refused)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/5",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # (the settings fixture's setting_changed gives `caches` the new backend, and the old
    # one back afterwards, before the suite's cache flush)


def test_with_the_cache_down_api_requests_go_through(redis_down, limits, receptionist):
    client = APIClient()
    client.force_authenticate(receptionist)
    for _ in range(5):  # over the user's 3/min, but nothing can count them
        assert client.get(ME).status_code == 200


def test_with_the_cache_down_login_fails_closed_with_503(redis_down, receptionist):
    receptionist.set_password("pw-Secret-123")
    receptionist.save()
    response = APIClient().post(
        "/api/v1/auth/login", {"email": receptionist.email, "password": "pw-Secret-123"}, format="json"
    )
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"
    assert "access_token" not in response.json()


def test_with_the_cache_down_the_admin_login_is_refused_with_a_message(redis_down, admin_user, client):
    admin_user.set_password("pw-Secret-123")
    admin_user.save()
    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.email, "password": "pw-Secret-123"})
    assert response.status_code == 200  # the form again, with why
    assert "briefly unavailable" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.redis
def test_the_window_counter_in_redis_expires_and_survives_a_script_flush(limits, receptionist):
    """One round trip per request (a Lua script): the window's counter is created with its
    expiry, and a Redis that forgot the script (restarted, SCRIPT FLUSH) gets it again."""
    from django.core.cache import cache

    from gymsite.core.throttling import _redis_client

    client = login_client(receptionist)
    assert client.get(ME).status_code == 200
    redis = _redis_client(cache)
    keys = [key for key in redis.keys("*ratelimit:user:*") if f":{receptionist.pk}:".encode() in key]
    assert len(keys) == 1
    assert redis.get(keys[0]) == b"1"
    assert 3600 < redis.ttl(keys[0]) <= 3601  # the window plus a second
    redis.script_flush()
    assert client.get(ME).status_code == 200
    assert redis.get(keys[0]) == b"2"
    assert client.get(ME).status_code == 200
    assert_throttled(client.get(ME))


def test_every_default_scope_names_a_route_that_exists():
    """A renamed route must not silently lose its rate."""
    from django.conf import settings as django_settings
    from django.urls import get_resolver

    def names(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from names(pattern)
            elif pattern.name:
                yield pattern.name

    routes = set(names(get_resolver()))
    defaults = parse_scopes(django_settings.DEFAULT_RATE_LIMIT_SCOPES)
    assert {"ai-analyze", "inspection-report", "backup-test-email", "backup-restore"} <= set(defaults)
    assert set(defaults) <= routes, set(defaults) - routes
    assert all(django_settings.RATE_LIMIT_SCOPES[scope] == rate for scope, rate in defaults.items())


def test_a_paid_ai_analysis_has_its_own_rate_by_default(mechanic):
    """Ten analyses a minute per caller, far under the caller's own 1,200: the eleventh is a 429
    (here each answer is a 503, no provider being configured, and still counts)."""
    client = login_client(mechanic)
    for _ in range(10):
        response = client.post("/api/v1/ai/analyze", {"image": "aGVsbG8="}, format="json")
        assert response.status_code != 429, response.content
    assert_throttled(client.post("/api/v1/ai/analyze", {"image": "aGVsbG8="}, format="json"))
    assert client.get(ME).status_code == 200
