"""The load test's scenario (locust): a gym's front desk and its fingerprint terminals.

Started by bench/load/run.py, which prepares the database and hands this file the ids and
tokens it made (LOAD_CONTEXT, a JSON file). Two kinds of users:

- FrontDesk (HTTP, each user a receptionist of its own, with a JWT): search members, enroll one (with a plan paid in
  cash), check a member in, take a payment, sell a product; weights 4:1:3:1:2, each user
  at a constant rate (FRONT_DESK_RPS requests per second per user);
- Terminal (a WebSocket to /ws/gym/{gym_id} with a device token, README "Fingerprint
  terminals"): sends user_found for a member and waits for the decision (access_granted,
  access_denied or an error frame), TERMINAL_RPS per terminal.

Every check-in and every user_found is for a member not yet seen today, so each is a real
granted first visit; any other answer counts as a failure.
"""

from __future__ import annotations

import json
import os
import random
import time

import websocket
from locust import User, between, constant_throughput, events, task  # noqa: F401
from locust.contrib.fasthttp import FastHttpUser

CONTEXT = json.loads(open(os.environ["LOAD_CONTEXT"]).read())  # noqa: SIM115
FRONT_DESK_RPS = float(os.environ.get("FRONT_DESK_RPS", "2"))
TERMINAL_RPS = float(os.environ.get("TERMINAL_RPS", "0.5"))
SEARCH_TERMS = ["Gar", "Lop", "Mart", "Ana", "55", "DOC00", "m12", "Rui", "zzqx", "Hern", "Sof", "Per"]

# Members for check-ins and for terminals: each used once (gevent runs one greenlet at a time,
# so next() on a shared iterator needs no lock).
PHASE = os.environ.get("LOAD_PHASE", "run")
PHASE_DIGIT = {"warmup": 0, "run": 1}[PHASE]
_phase = CONTEXT[PHASE]
_checkins = iter(_phase["checkin_members"])
_terminal_members = iter(_phase["terminal_members"])
_payment_members = CONTEXT["payment_members"]
_sequence = iter(range(10**9))
_desk_tokens = iter(CONTEXT["desk_tokens"] * 2)  # one receptionist per front-desk user


class FrontDesk(FastHttpUser):
    wait_time = constant_throughput(FRONT_DESK_RPS)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {next(_desk_tokens)}", "Accept": "application/json"}

    def _post(self, path, body, name, expected=201):
        with self.client.post(path, json=body, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(4)
    def search(self):
        term = random.choice(SEARCH_TERMS)
        with self.client.get(
            f"/api/v1/members/?search={term}&limit=20", headers=self.headers, name="search members", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(1)
    def enroll(self):
        n = next(_sequence)
        body = {
            "first_name": "Load",
            "last_name": f"Enroll {PHASE} {n}",
            # Unique across the warm-up's and the run's locust processes.
            "phone": f"58{PHASE_DIGIT}{n:07d}",
            "gender": "other",
            "plan": CONTEXT["plan_id"],
            "method": "cash",
        }
        self._post("/api/v1/members/", body, "enroll member")

    @task(3)
    def check_in(self):
        member = next(_checkins)
        self._post(f"/api/v1/members/{member}/check-in", {}, "check-in")

    @task(1)
    def payment(self):
        body = {"member": random.choice(_payment_members), "amount": "150.00", "method": random.choice(["cash", "card"])}
        self._post("/api/v1/payments/", body, "payment")

    @task(2)
    def sale(self):
        self._post("/api/v1/sales/", {"product": random.choice(CONTEXT["product_ids"]), "quantity": 1}, "sale")


class Terminal(User):
    """A fingerprint terminal: one WebSocket for its whole life, user_found after user_found."""

    wait_time = constant_throughput(TERMINAL_RPS)
    fixed_count = int(os.environ.get("TERMINALS", "20"))
    _tokens = iter(CONTEXT["device_tokens"])

    def on_start(self):
        token = next(Terminal._tokens)
        url = f"{self.host.replace('http', 'ws', 1)}/ws/gym/{CONTEXT['gym_id']}?token={token}"
        started = time.perf_counter()
        try:
            self.socket = websocket.create_connection(url, timeout=30)
            hello = json.loads(self.socket.recv())
            exception = None if hello.get("type") == "connected" else RuntimeError(f"unexpected {hello}")
        except Exception as exc:  # noqa: BLE001 (every failure is reported to locust)
            exception, self.socket = exc, None
        events.request.fire(
            request_type="WS", name="terminal connect", response_time=(time.perf_counter() - started) * 1000,
            response_length=0, exception=exception, context={},
        )

    def on_stop(self):
        if self.socket is not None:
            self.socket.close()

    @task
    def user_found(self):
        if self.socket is None:
            return
        member = next(_terminal_members)
        started = time.perf_counter()
        exception, length = None, 0
        try:
            self.socket.send(json.dumps({"type": "user_found", "user_id": str(member)}))
            while True:
                raw = self.socket.recv()
                length += len(raw)
                frame = json.loads(raw)
                if frame.get("type") in ("access_granted", "access_denied", "error"):
                    break
            if frame["type"] != "access_granted":
                exception = RuntimeError(f"{frame['type']}: {str(frame)[:200]}")
        except Exception as exc:  # noqa: BLE001
            exception = exc
        events.request.fire(
            request_type="WS", name="user_found", response_time=(time.perf_counter() - started) * 1000,
            response_length=length, exception=exception, context={},
        )
