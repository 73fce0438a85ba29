"""A member's measurements over HTTP: GET /api/v1/measurements/?member=&limit=50 with
10,000 measurements, beside its SQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python -m bench.training

It is the list people compare with wger's `/api/v2/measurement/` and `/api/v2/weightentry/`.
What it does, all in one run:
- creates its own database (`gymsite_bench_training` on the DATABASE_URL server, dropped and
  re-created), migrates it and loads one gym, a trainer, --members members and 10,000
  measurements (--measurements) spread over them, weekly, through bulk inserts;
- captures, once, the statements the request runs (in process, with Django's query capture):
  the JWT's user, the count and the page. They must all be SELECTs: a GET writes nothing;
- floor: those exact statements for a member in turn, sent with psycopg from 1 and 8
  threads (one connection each);
- HTTP: starts the production server (`python -m gymsite.core.server`, daphne) on loopback,
  1 process and then one per core (at most --max-processes), and drives the GET with a JWT
  from 1 and 8 keep-alive clients, each asking for the members in turn; plus, under the same
  daphne, a bare DRF view (no authentication, no database) as the framework's own floor.

Every phase is bounded by time; the servers are stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import os
import random
import re
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.checkin import (
    Daphnes,
    Result,
    keepalive_clients,
    machine,
    migrate_and_setup,
    recreate_database,
    table,
    threaded_floor,
    timed,
    with_database,
)

BENCH_DB = "gymsite_bench_training"
CONCURRENCY = (1, 8)
SECTION = "## A member's measurements"


def prepare(env: dict[str, str], members: int, measurements: int) -> dict:
    migrate_and_setup(env)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from gymsite.accounts.models import Gym, User
    from gymsite.accounts.roles import Role
    from gymsite.accounts.services import token_pair_for
    from members.models import Member
    from training.models import Measurement

    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City")
    user = User(username="bench-trainer", email="trainer@bench.test", full_name="Trainer", role=Role.TRAINER, gym=gym)
    user.set_password("bench-trainer-password")
    user.save()
    Member.objects.bulk_create(Member(gym=gym, first_name=f"Member{n}", last_name="Bench") for n in range(members))
    ids = list(Member.objects.filter(gym=gym).order_by("pk").values_list("pk", flat=True))
    rng = random.Random(12)
    start = datetime(2021, 1, 4, 15, tzinfo=UTC)
    rows = []
    for n in range(measurements):
        member, week = ids[n % len(ids)], n // len(ids)
        at = start + timedelta(weeks=week)
        rows.append(
            Measurement(
                member_id=member, recorded_by=user, measured_at=at, local_date=at.date(),
                height=Decimal("172.0"), weight=Decimal(str(round(rng.uniform(60, 110), 1))),
                abdomen=Decimal(str(round(rng.uniform(70, 110), 1))), chest=Decimal("98.0"),
            )
        )
    Measurement.objects.bulk_create(rows, batch_size=2000)
    token = token_pair_for(user)["access_token"]
    client = APIClient()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            f"/api/v1/measurements/?member={ids[0]}&limit=50", HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_HOST="127.0.0.1",
        )
    assert response.status_code == 200, response.content[:300]
    statements = [q["sql"] for q in captured.captured_queries]
    writes = [sql for sql in statements if not sql.lstrip().upper().startswith("SELECT")]
    if writes:
        raise SystemExit(f"the GET wrote: {writes}")
    connection.close()
    return {"member_ids": ids, "token": token, "statements": statements, "first_member": ids[0]}


# --- the floor: the request's own statements ------------------------------------------------


def floor_phase(url: str, clients: int, ctx, seconds: float) -> Result:
    first = ctx["first_member"]
    ids = ctx["member_ids"]
    cycles = {}

    def page(conn, index: int):
        if not conn.autocommit:
            conn.autocommit = True  # as Django reads: no transaction around a GET's SELECTs
        member = next(cycles.setdefault(index, itertools.cycle(ids[index:] + ids[:index])))
        for sql in ctx["statements"]:
            # The member's id stands in the captured text as a literal: swap it.
            conn.execute(re.sub(rf'"member_id" = {first}\b', f'"member_id" = {member}', sql)).fetchall()

    label = f"floor: the request's {len(ctx['statements'])} statements (psycopg)"
    return threaded_floor(url, clients, seconds, label, page)


# --- HTTP -----------------------------------------------------------------------------------


def _gets(ports, clients: int, ctx, seconds: float, result: Result, bare: bool):
    ids = ctx["member_ids"]
    cycles = {i: itertools.cycle(ids[i % len(ids):] + ids[: i % len(ids)]) for i in range(clients)}

    def request(index: int) -> bytes:
        if bare:
            return b"GET /bench/drf HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        return (
            f"GET /api/v1/measurements/?member={next(cycles[index])}&limit=50 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {ctx['token']}\r\n\r\n"
        ).encode()

    return keepalive_clients(ports, clients, seconds, result, request, 200)


def http_phase(ports, clients: int, ctx, seconds: float, label: str, bare: bool = False) -> Result:
    return timed(lambda result: _gets(ports, clients, ctx, seconds, result, bare), label, clients)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--members", type=int, default=100, help="members the measurements are spread over")
    parser.add_argument("--measurements", type=int, default=10_000)
    parser.add_argument("--max-processes", type=int, default=4, help="server processes at most")
    args = parser.parse_args(argv)

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the bench makes its own database)")
    bench_url = with_database(base_url, BENCH_DB)
    started_on = machine()
    recreate_database(base_url, BENCH_DB)
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "SECRET_KEY": "bench-training-" + "x" * 40,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "gymsite.settings",
    }
    env.pop("GYMSITE_TESTING", None)
    ctx = prepare(env, members=args.members, measurements=args.measurements)
    print(f"{len(ctx['statements'])} statements per request, all SELECTs:", flush=True)
    for sql in ctx["statements"]:
        print(f"  {sql[:160]}{'…' if len(sql) > 160 else ''}", flush=True)

    results: list[Result] = []
    for clients in CONCURRENCY:
        results.append(floor_phase(bench_url, clients, ctx, args.seconds))
        print(table(results[-1:]).splitlines()[-1], flush=True)
    cores = os.cpu_count() or 1
    for count in sorted({1, min(cores, args.max_processes)}):
        # bench.settings: the project's settings plus the floor views of bench.urls.
        with Daphnes(count, {**env, "DJANGO_SETTINGS_MODULE": "bench.settings"}) as servers:
            for bare in (True, False):
                for clients in CONCURRENCY:
                    asyncio.run(_gets(servers.ports, clients, ctx, args.warmup, Result("", 0), bare))
                    label = (
                        f"HTTP floor: bare DRF view, {count} server" if bare
                        else f"HTTP GET /measurements/?member=&limit=50, {count} server"
                    )
                    results.append(http_phase(servers.ports, clients, ctx, args.seconds, label, bare))
                    print(table(results[-1:]).splitlines()[-1], flush=True)

    wrap = functools.partial(textwrap.fill, width=92, break_on_hyphens=False)
    report = "\n\n".join(
        [
            SECTION,
            wrap(
                "`DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python -m bench.training` — "
                "GET /api/v1/measurements/?member={id}&limit=50 (JWT, a trainer) from keep-alive clients "
                f"asking for {args.members} members in turn, {args.measurements:,} measurements in all "
                f"({args.measurements // args.members} each, so every page is full), against the production "
                "server (`python -m gymsite.core.server`) started on loopback, beside its floors: the "
                f"request's own {len(ctx['statements'])} statements (the JWT's user, the count, the page; "
                "all SELECTs) sent straight to PostgreSQL with psycopg, and a bare DRF view under the same "
                "daphne. Its own database, re-created each run."
            ),
            wrap(
                f"Measured {datetime.now(UTC):%Y-%m-%d} on {started_on}; PostgreSQL and Redis on the same "
                f"machine; {args.seconds:g} s per row after {args.warmup:g} s of warm-up; the client runs "
                "on the same cores as the servers."
            ),
            table(results),
        ]
    )
    print()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
