"""The request path's shortcuts (bench/README.md "The request path") answer what the long
way answers: the ASGI handler's kept threads, the JWT user's precompiled query, the
content negotiation's fast case and the pool's connection check."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg_pool import ConnectionPool
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from gymsite.accounts.authentication import _user_with_gym
from gymsite.accounts.models import User
from gymsite.core import asgi_handler
from gymsite.core.dbpool import quick_check
from gymsite.core.negotiation import ContentNegotiation
from tests.factories import UserFactory

# --- the ASGI handler: one kept thread per request in flight ------------------------------


def http_scope(path: str) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }


async def call_full(handler, path: str) -> tuple[int, list, bytes]:
    """Status, headers (sorted) and body of one GET through an ASGI handler."""
    sent = []
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    await handler(http_scope(path), receive, send)
    return sent[0]["status"], sorted(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


async def call(handler, path: str) -> tuple[int, bytes]:
    status, _headers, body = await call_full(handler, path)
    return status, body


def test_requests_borrow_kept_threads_and_wait_for_one_when_all_are_busy(settings):
    settings.REQUEST_THREADS = 2
    handler = asgi_handler.PooledThreadASGIHandler()
    threads_seen = set()
    original = handler.respond

    def respond(scope, body_file):
        threads_seen.add(threading.get_ident())
        return original(scope, body_file)

    handler.respond = respond

    async def scenario():
        # One after the other: one thread, started once and kept.
        for _ in range(5):
            status, body = await call(handler, "/api/v1/no-such-path")
            assert status == 404 and json.loads(body)["code"] == "not_found"
        assert handler.threads.started == 1 and len(threads_seen) == 1
        # Six at once with two threads: four wait for a thread, all are answered.
        answers = await asyncio.gather(*(call(handler, "/api/v1/no-such-path") for _ in range(6)))
        assert [status for status, _ in answers] == [404] * 6
        assert handler.threads.started == 2 and len(threads_seen) == 2
        assert len(handler.threads.idle) == 2 and not handler.threads.waiters

    asyncio.run(scenario())


def test_the_handler_answers_as_djangos_does():
    """Same status, headers and body as Django's own ASGIHandler for the same request."""
    from django.core.handlers.asgi import ASGIHandler

    for path in ("/api/v1/no-such-path", "/api/health/live", "/favicon.ico"):
        ours = asyncio.run(call_full(asgi_handler.PooledThreadASGIHandler(), path))
        djangos = asyncio.run(call_full(ASGIHandler(), path))
        assert ours == djangos, path


# --- the JWT user, from SQL compiled once ----------------------------------------------------


@pytest.mark.django_db
def test_the_precompiled_user_is_the_orms(gym):
    with_gym = UserFactory(username="with-gym", gym=gym)
    without_gym = UserFactory(username="no-gym", gym=None, role="admin")
    for user in (with_gym, without_gym):
        expected = User.objects.select_related("gym").get(pk=user.pk)
        loaded = _user_with_gym(user.pk)
        assert type(loaded) is User and loaded.pk == user.pk
        for field in User._meta.concrete_fields:
            assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
        assert loaded._state.adding is False and loaded._state.db == "default"
        if user.gym_id:
            # Loaded with the user, as select_related does: no query for it.
            with CaptureQueriesContext(connection) as queries:
                assert loaded.gym == expected.gym and loaded.gym.time_zone == gym.time_zone
            assert len(queries) == 0
        else:
            assert loaded.gym is None
    assert _user_with_gym(999_999_999) is None
    assert _user_with_gym(str(with_gym.pk)).pk == with_gym.pk  # the claim may be a string


# --- content negotiation ------------------------------------------------------------------


@pytest.mark.parametrize("renderers", [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]])
@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "", "text/html", "application/json; indent=4", "application/*",
     "text/html, */*;q=0.8", "application/xml"],
)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api"])
def test_negotiation_chooses_what_drfs_chooses(renderers, accept, query):
    factory = APIRequestFactory()
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = APIView().initialize_request(factory.get("/api/v1/members/" + query, **headers))

    def outcome(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except NotAcceptable as exc:
            return "406", str(exc.detail)
        except Exception as exc:  # noqa: BLE001 (the same exception either way)
            return type(exc).__name__, str(exc)
        return type(renderer).__name__, media_type

    assert outcome(ContentNegotiation()) == outcome(DefaultContentNegotiation())


# --- the pool's check of the connections it lends ------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_djangos_pool_checks_with_quick_check():
    connection.ensure_connection()
    if connection.pool is None:
        pytest.skip("the pool is off (DB_POOL_MAX_SIZE=0)")
    assert connection.pool._check is quick_check
    connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_quick_check_lends_live_connections_without_a_round_trip_and_drops_dead_ones(monkeypatch):
    """A pool of one connection of its own (the suite's pool is shared with every test):
    PostgreSQL ends its backend, as a restart does, and the next borrower still gets a
    working connection."""
    round_trips = []
    original = ConnectionPool.check_connection

    def counted(conn):
        round_trips.append(conn)
        return original(conn)

    # quick_check calls ConnectionPool.check_connection only when the socket says something.
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    params = connection.get_connection_params()
    conninfo = {k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}
    with ConnectionPool(kwargs={**conninfo, "autocommit": True}, min_size=1, max_size=1, check=quick_check,
                        timeout=20, open=True) as pool:
        pool.wait(20)
        for _ in range(5):
            with pool.connection() as conn:
                pid = conn.info.backend_pid
                assert conn.execute("SELECT 1").fetchone() == (1,)
        assert round_trips == []  # a healthy connection is lent without a round trip
        with psycopg.connect(**conninfo, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        time.sleep(0.5)  # the termination reaches the socket
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid != pid
        assert len(round_trips) == 1  # the dead one was checked, failed and replaced


# --- a list page's count beside its page ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pages_count_taken_beside_the_page_answers_what_one_after_the_other_answers(gym, receptionist,
                                                                                       monkeypatch):
    from gymsite.core import pagination
    from tests.conftest import client_for
    from tests.factories import MemberFactory

    MemberFactory.create_batch(73, gym=gym)
    client = client_for(receptionist)
    paths = ["/api/v1/members/?limit=50", "/api/v1/members/?limit=50&offset=50", "/api/v1/members/?offset=70&limit=5",
             "/api/v1/members/?offset=500", "/api/v1/members/?search=zzzz", "/api/v1/members/?ordering=-created_at",
             # Past a bigint: PostgreSQL would refuse the page's OFFSET, so the count goes first.
             "/api/v1/members/?offset=466734947079797997568"]
    started = []
    original = pagination._counter.start

    def spy(queryset):
        future = original(queryset)
        started.append(future is not None)
        return future

    monkeypatch.setattr(pagination._counter, "start", spy)
    if connection.pool is not None:
        connection.pool.wait(10)  # its minimum of connections open, one free for the count
    beside = [client.get(path) for path in paths]
    assert any(started), "the count never ran beside the page"
    monkeypatch.setattr(pagination._counter, "start", lambda queryset: None)
    in_line = [client.get(path) for path in paths]
    for path, a, b in zip(paths, beside, in_line, strict=True):
        assert a.status_code == b.status_code == 200, path
        assert a.content == b.content, path
    assert beside[0].json()["count"] == 73 and len(beside[0].json()["results"]) == 50
    assert beside[3].json()["results"] == [] and beside[4].json()["count"] == 0
    assert beside[6].json()["count"] == 73 and beside[6].json()["results"] == []
    assert pagination._counter.busy == 0  # every helper gave its thread back


@pytest.mark.django_db
def test_inside_a_transaction_the_count_runs_in_line(gym, receptionist, django_assert_max_num_queries):
    from gymsite.core import pagination
    from tests.conftest import client_for
    from tests.factories import MemberFactory

    MemberFactory.create_batch(3, gym=gym)
    assert connection.in_atomic_block  # the test's transaction
    with django_assert_max_num_queries(3):
        r = client_for(receptionist).get("/api/v1/members/")
    assert r.json()["count"] == 3 and pagination._counter.busy == 0
