"""Running it for real (issue 15): rate limits, request logs without secrets, metrics
across processes, Redis down, SIGTERM to daphne and to the worker; against the site's
real processes (daphne, a Celery worker) and more of them started here."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import signal
import socket
import threading
import time
import uuid

import pytest
import requests
import websockets

from . import ops_support, stack
from .conftest import login

WAIT = 15
TEMPLATE = base64.b64encode(b"\x07ops-minutiae-of-a-finger" * 11).decode()


def metrics_of(base_url: str, token: str) -> str:
    response = requests.get(base_url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=WAIT)
    assert response.status_code == 200, response.text
    return response.text


def sample(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{"):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
            if all(found.get(k) == str(v) for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
    return total


def json_lines(text: str) -> list[dict]:
    """Every line of a log written with LOG_FORMAT=json: each one a JSON object."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def wait_for(predicate, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- metrics ------------------------------------------------------------------------------------


def test_metrics_of_every_process_are_served_by_daphne_the_workers_tasks_included(site):
    token = site.env["METRICS_TOKEN"]
    assert requests.get(site.url("/metrics"), timeout=WAIT).status_code == 403
    before = metrics_of(site.base_url, token)
    nonce = uuid.uuid4().hex
    site.wait_task(site.send_task("gymsite.core.ping", nonce))
    after = wait_for(
        lambda: (text := metrics_of(site.base_url, token))
        and sample(text, "gymsite_celery_tasks_total", task="gymsite.core.ping", state="succeeded")
        > sample(before, "gymsite_celery_tasks_total", task="gymsite.core.ping", state="succeeded")
        and text,
        "the worker's task in daphne's /metrics",
    )
    # The worker is another process: its counters reach /metrics through the folder.
    assert sample(after, "gymsite_celery_task_duration_seconds_count", task="gymsite.core.ping") >= 1
    assert sample(after, "gymsite_http_requests_total", view="health") >= 1


# --- logs ---------------------------------------------------------------------------------------


def test_request_ids_reach_the_worker_and_the_sockets_and_no_secret_reaches_any_log(site):
    """A daphne logging everything (DEBUG, JSON, with its access log) and publishing to the
    site's worker: a login, an API token, a terminal with its device token, a stored
    fingerprint template. None of their secrets is in any log line of daphne or the worker;
    the request ids are."""
    with ops_support.daphne(site, LOG_LEVEL="DEBUG", LOG_FORMAT="json", CELERY_TASK_DEFAULT_QUEUE=site.queue) as (web, base_url):
        password = "admin123"
        session = requests.post(base_url + "/api/v1/auth/login", json={"email": "admin@gym.com", "password": password}, timeout=WAIT).json()
        jwt, refresh = session["access_token"], session["refresh_token"]
        auth = {"Authorization": f"Bearer {jwt}"}
        api_token = requests.post(base_url + "/api/v1/users/me/tokens", json={"description": "ops"}, headers=auth, timeout=WAIT).json()["token"]
        api = {"Authorization": f"Bearer {api_token}"}
        gym_id = requests.get(base_url + "/api/v1/gyms", headers=api, timeout=WAIT).json()["results"][0]["id"]
        device = requests.post(base_url + "/api/v1/devices/", json={"gym": gym_id, "name": "Ops door"}, headers=api, timeout=WAIT)
        assert device.status_code == 201, device.text
        device_token = device.json()["token"]
        member = requests.post(
            base_url + "/api/v1/members", json={"gym": gym_id, "first_name": "Olga", "last_name": "Ruiz"}, headers=api, timeout=WAIT
        )
        assert member.status_code == 201, member.text
        member_id = member.json()["id"]
        consent = requests.post(base_url + f"/api/v1/members/{member_id}/biometric-consent", json={}, headers=api, timeout=WAIT)
        assert consent.status_code == 201, consent.text
        withdraw_id = "ops-withdraw-" + uuid.uuid4().hex[:8]

        async def scenario():
            url = base_url.replace("http", "ws") + f"/ws/gym/{gym_id}?token={device_token}"
            async with websockets.connect(url, open_timeout=WAIT) as terminal:
                assert json.loads(await terminal.recv())["type"] == "connected"
                await terminal.send(json.dumps({"type": "user", "user_id": str(member_id)}))
                assert json.loads(await terminal.recv())["type"] == "start_enrollment"
                await terminal.send(json.dumps({"type": "store_fingerprint", "fingerprint_data": TEMPLATE, "finger": 1}))
                async with asyncio.timeout(WAIT):
                    while json.loads(await terminal.recv())["type"] != "fingerprint_stored":
                        pass
                # A request that causes a push to the terminal: its id is in the terminal's
                # consumer's log line about it.
                withdrawn = await asyncio.to_thread(
                    requests.delete,
                    base_url + f"/api/v1/members/{member_id}/biometric-consent",
                    headers={**api, "X-Request-ID": withdraw_id},
                    timeout=WAIT,
                )
                assert withdrawn.status_code in (200, 204), withdrawn.text
                assert withdrawn.headers["X-Request-ID"] == withdraw_id
                async with asyncio.timeout(WAIT):
                    while json.loads(await terminal.recv())["type"] != "templates_changed":
                        pass

        asyncio.run(scenario())

        # A token in a query string (seed 001's GET /ws/health takes one): daphne's access
        # log writes query strings.
        assert requests.get(base_url + "/ws/health", params={"token": api_token}, timeout=WAIT).status_code == 200

        # A request that causes a task: the worker's lines for it carry the request's id.
        product = requests.post(
            base_url + "/api/v1/products/",
            json={"gym": gym_id, "name": f"Ops water {uuid.uuid4().hex[:6]}", "price": "10.00", "quantity": 10, "low_stock_threshold": 5},
            headers=api,
            timeout=WAIT,
        )
        assert product.status_code == 201, product.text
        sale_id = "ops-stock-" + uuid.uuid4().hex[:8]
        lowered = requests.put(
            base_url + f"/api/v1/products/{product.json()['id']}/stock",
            json={"delta": -6, "reason": "adjustment"},
            headers={**api, "X-Request-ID": sale_id},
            timeout=WAIT,
        )
        assert lowered.status_code == 200, lowered.text
        wait_for(
            lambda: re.search(rf"\[{sale_id}\] Task inventory\.[\w.]+\[[\w-]+\] succeeded", site.worker.log(tail=10**7)),
            "the low-stock task's line with the request id in the worker's log",
        )

        # Secrets: the daphne at DEBUG (its access log included) and the worker.
        daphne_log = web.log(tail=10**8)
        worker_log = site.worker.log(tail=10**8)
        secrets = {
            "password": password,
            "jwt": jwt,
            "refresh": refresh,
            "api token": api_token,
            "device token": device_token,
            "template": TEMPLATE,
            "template bytes": base64.b64decode(TEMPLATE).decode("latin-1")[:24],
        }
        for name, secret in secrets.items():
            assert secret not in daphne_log, f"the {name} is in daphne's log"
            assert secret not in worker_log, f"the {name} is in the worker's log"
        lines = json_lines(daphne_log)
        access = [line["message"] for line in lines if line["logger"] == "daphne.access"]
        assert any(f"WSCONNECT /ws/gym/{gym_id}" in message for message in access)  # no query string
        assert any('"GET /ws/health?token=[redacted]" 200' in message for message in access)  # redacted
        requests_logged = [line for line in lines if line["logger"] == "gymsite.request"]
        assert any(line["path"] == "/api/v1/auth/login" and line["status"] == 200 for line in requests_logged)
        me = [line for line in requests_logged if line["path"] == "/api/v1/gyms"]
        assert me and me[0]["token"] and me[0]["user"] and me[0]["queries"] >= 1 and me[0]["duration_ms"] >= 0
        assert all(re.fullmatch(r"[0-9a-f]{32}|ops-[\w-]+", line["request_id"]) for line in requests_logged)
        assert any(line["request_id"] == withdraw_id and line["message"].startswith("push templates_changed") for line in lines)
        assert any(line["message"] == "websocket connected" and line.get("device") for line in lines)


# --- rate limits --------------------------------------------------------------------------------


def test_rate_limits_over_http_and_a_flooding_terminal_does_not_starve_the_others(site):
    with ops_support.daphne(
        site, RATE_LIMIT_USER="5/hour", WEBSOCKET_MESSAGE_RATE="60/min", WEBSOCKET_MESSAGE_BURST="5"
    ) as (_web, base_url):
        session = requests.post(base_url + "/api/v1/auth/login", json={"email": "admin@gym.com", "password": "admin123"}, timeout=WAIT).json()
        auth = {"Authorization": f"Bearer {session['access_token']}"}
        answers = [requests.get(base_url + "/api/v1/auth/me", headers=auth, timeout=WAIT) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert answers[-1].json()["code"] == "throttled" and int(answers[-1].headers["Retry-After"]) >= 1

        api = login(site, "admin@gym.com", "admin123")  # the site's daphne: not limited
        gym_id = api.get("gyms").json()["results"][0]["id"]
        tokens = [api.post("devices/", json={"gym": gym_id, "name": f"Door {n} {uuid.uuid4().hex[:4]}"}).json()["token"] for n in range(2)]
        member = api.post("members", json={"gym": gym_id, "first_name": "Flor", "last_name": "Diaz"}).json()["id"]

        async def scenario():
            ws = base_url.replace("http", "ws")
            async with (
                websockets.connect(f"{ws}/ws/gym/{gym_id}?token={tokens[0]}", open_timeout=WAIT) as flood,
                websockets.connect(f"{ws}/ws/gym/{gym_id}?token={tokens[1]}", open_timeout=WAIT) as calm,
            ):
                assert json.loads(await flood.recv())["type"] == "connected"
                assert json.loads(await calm.recv())["type"] == "connected"

                async def flooding():
                    for index in range(300):
                        await flood.send(json.dumps({"type": "user_found", "user_id": str(member), "event_id": f"f{index}"}))

                async def calm_door():
                    replies = []
                    for index in range(5):
                        await calm.send(json.dumps({"type": "user_found", "user_id": str(member), "event_id": f"c{index}"}))
                        async with asyncio.timeout(WAIT):
                            replies.append(json.loads(await calm.recv()))
                    return replies

                _, replies = await asyncio.gather(flooding(), calm_door())
                assert all(r["type"].startswith("access_") for r in replies), replies
                flood_frames = []
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(2):
                        while True:
                            flood_frames.append(json.loads(await flood.recv()))
                decided = [f for f in flood_frames if f["type"].startswith("access_")]
                throttled = [f for f in flood_frames if f.get("code") == "throttled"]
                assert throttled and throttled[0]["retry_after"] >= 1
                assert len(decided) <= 20, len(decided)  # its burst of 5 and what refilled (1/s), of 300

        asyncio.run(scenario())


@pytest.mark.redis
def test_a_flooding_terminal_that_reconnects_anywhere_finds_its_budget_spent(site):
    """The budget is the terminal's, in Redis: flooding on one daphne, then back at once on
    another (and on two sockets), it is still throttled; a terminal of the same gym is
    answered meanwhile; after the refill time the flooder is answered again."""
    limits = {"WEBSOCKET_MESSAGE_RATE": "12/min", "WEBSOCKET_MESSAGE_BURST": "3"}  # then one per 5 s
    api = login(site, "admin@gym.com", "admin123")
    # A gym of its own: the terminals it leaves in the presence (until those daphne
    # processes' entries expire) count in no other test's gym.
    gym = api.post("gyms", json={"name": f"Budget Gym {uuid.uuid4().hex[:6]}", "time_zone": "America/Mexico_City", "currency": "MXN"})
    assert gym.status_code == 201, gym.text
    gym_id = gym.json()["id"]
    flood_token, calm_token = (
        api.post("devices/", json={"gym": gym_id, "name": f"{name} {uuid.uuid4().hex[:4]}"}).json()["token"]
        for name in ("Flood", "Calm")
    )
    member = api.post("members", json={"gym": gym_id, "first_name": "Vera", "last_name": "Lago"}).json()["id"]

    with ops_support.daphne(site, **limits) as (_first, first_url), ops_support.daphne(site, **limits) as (_second, second_url):

        def terminal(base_url: str, token: str):
            return websockets.connect(f"{base_url.replace('http', 'ws')}/ws/gym/{gym_id}?token={token}", open_timeout=WAIT)

        async def connected(*sockets):
            for sock in sockets:
                assert json.loads(await asyncio.wait_for(sock.recv(), WAIT))["type"] == "connected"

        async def ask(sock, event_id: str) -> dict:
            await sock.send(json.dumps({"type": "user_found", "user_id": str(member), "event_id": event_id}))
            return json.loads(await asyncio.wait_for(sock.recv(), WAIT))

        async def scenario():
            async with terminal(first_url, flood_token) as flood:
                await connected(flood)
                for index in range(20):
                    await flood.send(json.dumps({"type": "user_found", "user_id": str(member), "event_id": f"f{index}"}))
                frames = []
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(2):
                        while True:
                            frames.append(json.loads(await flood.recv()))
                decided = [f for f in frames if f["type"].startswith("access_")]
                assert 3 <= len(decided) <= 4, frames  # its burst (and at most one refilled)
                assert [f["code"] for f in frames if f["type"] == "error"] == ["throttled"], frames

            async with (
                terminal(second_url, flood_token) as again,  # back at once, on the other process
                terminal(first_url, flood_token) as twin,  # and a second socket of the same terminal
                terminal(second_url, calm_token) as calm,
            ):
                await connected(again, twin, calm)
                refused = await ask(again, "again-1")
                assert refused["code"] == "throttled" and 1 <= refused["retry_after"] <= 5, refused
                refused_twin = await ask(twin, "twin-1")
                assert refused_twin["code"] == "throttled", refused_twin
                for index in range(3):
                    reply = await ask(calm, f"c{index}")
                    assert reply["type"].startswith("access_"), reply
                await asyncio.sleep(refused["retry_after"] + 0.5)
                reply = await ask(again, "again-2")
                assert reply["type"].startswith("access_") and reply["event_id"] == "again-2", reply

        asyncio.run(scenario())


# --- Redis down ---------------------------------------------------------------------------------


def test_with_redis_down_rest_works_health_is_degraded_sockets_close_4503_login_503(site):
    api = login(site, "admin@gym.com", "admin123")
    gym_id = api.get("gyms").json()["results"][0]["id"]
    api_token = api.post("users/me/tokens", json={"description": "redis down"}).json()["token"]
    device_token = api.post("devices/", json={"gym": gym_id, "name": f"Door {uuid.uuid4().hex[:4]}"}).json()["token"]
    down = f"redis://127.0.0.1:{closed_port()}/5"
    with ops_support.daphne(site, wait_healthy=False, REDIS_URL=down, CELERY_BROKER_URL=down) as (web, base_url):
        auth = {"Authorization": f"Bearer {api_token}"}
        # Nothing hangs: every call below answers within its client timeout.
        listed = requests.get(base_url + "/api/v1/members", headers=auth, timeout=WAIT)
        assert listed.status_code == 200, listed.text
        created = requests.post(
            base_url + "/api/v1/members", json={"gym": gym_id, "first_name": "Rosa", "last_name": "Vega"}, headers=auth, timeout=WAIT
        )
        assert created.status_code == 201, created.text
        product = requests.post(
            base_url + "/api/v1/products/",
            json={"gym": gym_id, "name": f"Down water {uuid.uuid4().hex[:6]}", "price": "5.00", "quantity": 6, "low_stock_threshold": 5},
            headers=auth,
            timeout=WAIT,
        )
        assert product.status_code == 201, product.text
        # A write whose task cannot be sent (the broker is down): the write stands.
        lowered = requests.put(
            base_url + f"/api/v1/products/{product.json()['id']}/stock", json={"delta": -2, "reason": "adjustment"}, headers=auth, timeout=WAIT
        )
        assert lowered.status_code == 200, lowered.text
        health = requests.get(base_url + "/api/health", timeout=WAIT)
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert health.json()["checks"]["database"] == "ok"
        assert health.json()["checks"]["channel_layer"] != "ok" and health.json()["checks"]["broker"] != "ok"
        refused = requests.post(base_url + "/api/v1/auth/login", json={"email": "admin@gym.com", "password": "admin123"}, timeout=WAIT)
        assert refused.status_code == 503 and refused.json()["code"] == "service_unavailable", refused.text
        assert "access_token" not in refused.json()

        async def scenario():
            url = base_url.replace("http", "ws") + f"/ws/gym/{gym_id}?token={device_token}"
            async with websockets.connect(url, open_timeout=WAIT) as terminal:
                frame = json.loads(await asyncio.wait_for(terminal.recv(), WAIT))
                assert frame["code"] == "service_unavailable"
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(terminal.recv(), WAIT)
                assert closed.value.rcvd.code == 4503

        asyncio.run(scenario())
        assert "Traceback" not in listed.text + created.text + refused.text


# --- SIGTERM --------------------------------------------------------------------------------------


def test_sigterm_lets_daphne_finish_the_requests_in_flight(site, tmp_path):
    marker = tmp_path / "slow-started"
    with ops_support.daphne(site, app="tests.e2e.ops_support:application", SLOW_MARKER=marker) as (web, base_url):
        answer: dict = {}

        def slow():
            answer["response"] = requests.get(base_url + "/slow?seconds=3", timeout=30)

        thread = threading.Thread(target=slow)
        thread.start()
        wait_for(marker.exists, "the slow request to start")
        web.popen.send_signal(signal.SIGTERM)
        # Draining: no new connections are taken while the request in flight finishes.
        wait_for(lambda: _refused(base_url), "daphne to stop listening")
        thread.join(timeout=30)
        response = answer["response"]
        assert response.status_code == 200 and response.json() == {"slow": "done"}
        assert web.popen.wait(timeout=30) == 0
        assert re.search(r"shutting down: waiting for \d+ request\(s\) in flight", web.log(tail=10**6))


def _refused(base_url: str) -> bool:
    try:
        requests.get(base_url + "/api/health", timeout=2)
    except requests.ConnectionError:
        return True
    return False


def test_sigterm_lets_the_worker_finish_its_current_task(site, tmp_path):
    queue = f"{site.queue}-slow"
    folder = tmp_path / "slow-task"
    folder.mkdir()
    worker = stack._spawn(
        "worker-slow",
        [
            stack.sys.executable, "-m", "celery", "-A", "gymsite", "worker", "--pool=solo", "--loglevel=INFO",
            "-Q", queue, "-I", "tests.e2e.ops_support", "--hostname", f"slow-{uuid.uuid4().hex[:6]}@%h",
            "--without-mingle", "--without-gossip", "--without-heartbeat",
        ],
        site.env,
        tmp_path,
    )
    try:
        from celery import Celery
        from kombu import Exchange, Queue

        q = Queue(queue, Exchange(queue), routing_key=queue)
        client = Celery("e2e-slow", broker=site.broker_url, set_as_current=False)
        client.conf.broker_transport_options = site.broker_transport_options
        with client.connection_for_write() as connection:
            q.bind(connection.default_channel).declare()
            client.send_task("tests.ops.slow", args=(str(folder), 3), queue=q, connection=connection)
        wait_for(lambda: (folder / "started").exists(), "the slow task to start", timeout=60)
        worker.popen.send_signal(signal.SIGTERM)
        assert worker.popen.wait(timeout=60) == 0, worker.log()
        assert (folder / "done").exists(), worker.log()
        assert re.search(r"Task tests\.ops\.slow\[[\w-]+\] succeeded", worker.log(tail=10**6)), worker.log()
    finally:
        worker.stop()
