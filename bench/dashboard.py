"""The owner's dashboard (the admin index) of a busy gym: its reads in process beside the
same SQL replayed bare, and the page over HTTP beside an admin page with no dashboard.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python -m bench.dashboard

What it does, all in one run:
- creates its own database (`gymsite_bench_dashboard`, dropped and re-created), migrates it
  and loads one gym with --members members (every status), a membership or two each,
  --payments payments over the last two months, --visits granted check-ins over the last
  five weeks (one a member a day), 300 products (a tenth low) and 5 terminals;
- in process: `dashboard.selectors.dashboard_figures` --repeat times; floor: the exact
  statements it ran (captured once), replayed through a bare cursor, as many times;
- HTTP: the production server (`python -m gymsite.core.server`, daphne, one process) on
  loopback; GET /admin/ with an admin's session cookie from one keep-alive client, beside
  the floor GET /admin/password_change/ (the same session, middleware, admin site and
  templates; no dashboard).

Every phase is bounded by time or count; the server is stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta

from bench.checkin import (
    ROOT,
    Daphnes,
    Result,
    _read_response,
    bench_env,
    machine,
    recreate_database,
    table,
    with_database,
)

BENCH_DB = "gymsite_bench_dashboard"
SECTION = "## The owner's dashboard"


def prepare(env: dict[str, str], *, members: int, payments: int, visits: int) -> dict:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    os.environ.update(env)
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection
    from django.test import Client

    from attendance.models import Attendance
    from billing.models import Membership, Payment, Plan
    from devices.models import Device
    from gymsite.accounts.models import Gym, User
    from gymsite.accounts.roles import Role
    from gymsite.core.localtime import local_date, local_today
    from inventory.models import Product
    from members.models import Member

    rng = random.Random(14)
    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City", currency="MXN")
    tz = gym.tz
    today = local_today(tz)
    now = datetime.now(UTC)
    plan = Plan.objects.create(gym=gym, name="Monthly", price=Decimal("500.00"))
    rows = []
    for n in range(members):
        expires = today + timedelta(days=rng.randint(-90, 60))
        rows.append(Member(
            gym=gym, first_name=f"Member{n}", last_name="Bench", phone=f"55{n:08d}",
            is_active=rng.random() > 0.03, current_plan_id=plan.pk, current_plan_name=plan.name,
            membership_since=expires - timedelta(days=rng.choice([29, 29, 400])), membership_starts_on=expires - timedelta(days=29),
            expires_on=expires,
            paused_from=today - timedelta(days=2) if n % 50 == 0 else None,
            paused_until=today + timedelta(days=5) if n % 50 == 0 else None,
        ))
    created = Member.objects.bulk_create(rows, batch_size=5000)
    Member.objects.filter(gym=gym).update(created_at=now - timedelta(days=200))
    Member.objects.filter(pk__in=[m.pk for m in created[: members // 20]]).update(created_at=now - timedelta(days=3))
    memberships = []
    for member in created:
        memberships.append(Membership(member=member, gym=gym, plan=plan, purchased_price=plan.price,
                                      starts_on=member.membership_starts_on, expires_on=member.expires_on))
        if member.membership_since < member.membership_starts_on:
            memberships.append(Membership(member=member, gym=gym, plan=plan, purchased_price=plan.price,
                                          starts_on=member.membership_since,
                                          expires_on=member.membership_since + timedelta(days=29)))
    Membership.objects.bulk_create(memberships, batch_size=5000)
    methods = ["cash", "card", "transfer"]
    Payment.objects.bulk_create(
        (Payment(gym=gym, member=member, member_name=member.full_name, amount=Decimal("500.00"),
                 method=methods[n % 3], paid_at=now - timedelta(minutes=rng.randint(0, 62 * 24 * 60)),
                 is_void=n % 40 == 0)
         for n, member in ((n, created[rng.randrange(members)]) for n in range(payments))),
        batch_size=5000,
    )
    per_day = max(1, visits // 35)
    batch = []
    for day_back in range(35):
        for member in rng.sample(created, min(per_day, members)):
            at = now - timedelta(days=day_back, minutes=rng.randint(0, 16 * 60))
            batch.append(Attendance(member=member, gym=gym, check_in_at=at, local_date=local_date(at, tz),
                                    result="granted", source="front_desk"))
        if len(batch) >= 20000:
            Attendance.objects.bulk_create(batch, batch_size=5000, ignore_conflicts=True)
            batch = []
    Attendance.objects.bulk_create(batch, batch_size=5000, ignore_conflicts=True)
    Product.objects.bulk_create(
        Product(gym=gym, name=f"Product {n}", price=Decimal("25.00"), quantity=2 if n % 10 == 0 else 50,
                low_stock_threshold=5)
        for n in range(300)
    )
    Device.objects.bulk_create(
        Device(gym=gym, name=f"Door {n}", token_hash=f"{n:064d}", token_prefix=f"bench{n}") for n in range(5)
    )
    admin = User(username="bench-owner", email="owner@bench.test", full_name="Owner", role=Role.ADMIN, gym=None)
    admin.set_password("bench-owner-password")
    admin.save()
    client = Client()
    client.force_login(admin)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = {
        "members": Member.objects.count(), "memberships": Membership.objects.count(),
        "payments": Payment.objects.count(), "visits": Attendance.objects.count(),
    }
    return {"gym": gym, "session": client.cookies["sessionid"].value, "counts": counts}


def timings(repeat: int, run) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        out.append(time.perf_counter() - t0)
    return out


def in_process(gym, repeat: int) -> tuple[list[float], list[float], int]:
    """(dashboard_figures timings, the same statements replayed bare, number of queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboard.selectors import dashboard_figures

    dashboard_figures(gym=gym)  # warm: the zone cache, the connection
    with CaptureQueriesContext(connection) as captured:
        dashboard_figures(gym=gym)
    statements = [query["sql"] for query in captured.captured_queries]

    def replay():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    figures = timings(repeat, lambda: dashboard_figures(gym=gym))
    floor = timings(repeat, replay)
    return figures, floor, len(statements)


async def _pages(port: int, path: str, session: str, seconds: float, result: Result) -> None:
    deadline = time.perf_counter() + seconds
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={session}\r\n"
                "Accept-Language: en\r\n\r\n"
            ).encode()
            t0 = time.perf_counter()
            writer.write(request)
            status, close = await _read_response(reader)
            result.latencies.append(time.perf_counter() - t0)
            if status == 200:
                result.done += 1
            else:
                result.errors[status] += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def http_phase(port: int, path: str, session: str, seconds: float, label: str) -> Result:
    result = Result(label, 1)
    started = time.perf_counter()
    asyncio.run(_pages(port, path, session, seconds, result))
    result.seconds = time.perf_counter() - started
    return result


def ms(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--payments", type=int, default=40_000)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="in-process runs of each")
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per HTTP row")
    args = parser.parse_args(argv)

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the bench makes its own database)")
    bench_url = with_database(base_url, BENCH_DB)
    started_on = machine()
    recreate_database(base_url, BENCH_DB)
    env = bench_env(bench_url, "dashboard")
    loaded = time.perf_counter()
    ctx = prepare(env, members=args.members, payments=args.payments, visits=args.visits)
    loaded = time.perf_counter() - loaded

    figures, floor, queries = in_process(ctx["gym"], args.repeat)
    median_ratio = statistics.median(figures) / statistics.median(floor)
    process_rows = [
        "| read | median ms | p95 ms |",
        "| --- | ---: | ---: |",
        f"| dashboard_figures ({queries} queries) | {ms(figures, 0.5):.1f} | {ms(figures, 0.95):.1f} |",
        f"| floor: the same {queries} statements, bare cursor | {ms(floor, 0.5):.1f} | {ms(floor, 0.95):.1f} |",
    ]
    print("\n".join(process_rows), flush=True)

    results: list[Result] = []
    with Daphnes(1, env) as servers:
        port = servers.ports[0]
        for path, label in [("/admin/password_change/", "floor: GET /admin/password_change/ (no dashboard)"),
                            ("/admin/", "GET /admin/ (the dashboard)")]:
            http_phase(port, path, ctx["session"], 1.0, "")  # warm-up
            results.append(http_phase(port, path, ctx["session"], args.seconds, label))
            print(table(results[-1:]).splitlines()[-1], flush=True)

    counts = ctx["counts"]
    wrap = functools.partial(textwrap.fill, width=92, break_on_hyphens=False)
    report = "\n\n".join([
        SECTION,
        wrap(
            "`DATABASE_URL=postgres://… .venv/bin/python -m bench.dashboard` — the admin index of one "
            f"busy gym ({counts['members']:,} members, {counts['memberships']:,} memberships, "
            f"{counts['payments']:,} payments over two months, {counts['visits']:,} check-ins over five "
            f"weeks; loaded in {loaded:.0f} s). In process: `dashboard_figures` {args.repeat} times beside "
            "the exact statements it ran replayed through a bare cursor. Over HTTP: GET /admin/ with an "
            "admin's session from one keep-alive client against the production server (one daphne "
            "process), beside GET /admin/password_change/ (same session, middleware and admin "
            "templates, no dashboard). Its own database, re-created each run."
        ),
        wrap(f"Measured {datetime.now(UTC):%Y-%m-%d} on {started_on}; PostgreSQL on the same machine."),
        "\n".join(process_rows),
        f"dashboard_figures / floor: {median_ratio:.1f}× (Python: building the rows, the gym-time "
        "arithmetic, the ORM).",
        table(results),
    ])
    print()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
