"""Members benchmark: list, search and enroll with 100,000 members.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.members

It creates its own database (`gymsite_bench`, dropped first; `--keep` leaves it), migrates
it, loads MEMBERS members with one membership each through COPY, and then measures,
through the API (DRF's test client, in process: URL routing, authentication, permissions,
filters, serializers and the JSON renderer, but no HTTP server or socket):

- list:   GET /api/v1/members/?limit=50  (first page, default ordering)
- search: GET /api/v1/members/?search=<term>&limit=50  (terms of 3 to 8 characters taken
  from names, phones, documents and emails of loaded rows, and a few that match nothing)
- enroll:  POST /api/v1/members/ with a plan and a cash payment (member + membership +
  payment + audit events in one transaction)

Beside each, the floor: the same SQL in the same run without Django on top. For list and
search, the exact statements the request ran (captured once per term) replayed through a
bare cursor; for enroll, the INSERTs of the member, membership, payment and audit rows in
one transaction. It prints median and p95 in milliseconds and a markdown block for
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlparse, urlunparse

BENCH_DB = "gymsite_bench"
MEMBERS = 100_000

FIRST = ["Ana", "Luis", "María", "Carlos", "Sofía", "Jorge", "Lucía", "Pedro", "Valeria", "Diego",
         "Camila", "Javier", "Fernanda", "Miguel", "Daniela", "Andrés", "Paula", "Ricardo", "Elena", "Tomás"]
LAST = ["García", "Hernández", "López", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
        "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Ruiz", "Mendoza",
        "Aguilar", "Ortiz", "Castillo", "Romero", "Álvarez", "Chávez", "Rivera", "Juárez", "Domínguez", "Herrera"]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def bench_url(url: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{BENCH_DB}"))


def recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def load(count: int, rng: random.Random):
    """Gym, staff, plans; then `count` members and their memberships through COPY."""
    from django.db import connection
    from django.utils import timezone

    from billing.models import Membership, Plan
    from gymsite.accounts.models import Gym, User
    from gymsite.accounts.roles import Role
    from members.models import Member

    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City", currency="MXN")
    receptionist = User.objects.create_user(
        "desk@bench.test", "desk", password="x" * 20, full_name="Desk", role=Role.RECEPTIONIST, gym=gym
    )
    plans = [
        Plan.objects.create(gym=gym, name="Mensual", price=Decimal("500.00"), duration_count=1, duration_unit="month"),
        Plan.objects.create(gym=gym, name="Trimestral", price=Decimal("1350.00"), duration_count=3, duration_unit="month"),
        Plan.objects.create(gym=gym, name="Anual", price=Decimal("4800.00"), duration_count=1, duration_unit="year"),
    ]
    today = timezone.now().astimezone(gym.tz).date()
    now = timezone.now()

    def columns(model, overrides):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        base = {f.column: f.get_default() for f in fields}
        base.update(overrides)
        return [f.column for f in fields], base

    member_rows = []
    membership_specs = []
    for i in range(count):
        plan = plans[rng.choices([0, 1, 2], weights=[70, 20, 10])[0]]
        starts = today - timedelta(days=rng.randint(0, 400))
        expires = plan.period_end(starts)
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)} {rng.choice(LAST)}"
        member_rows.append(
            {
                "gym_id": gym.pk,
                "first_name": first,
                "last_name": last,
                "email": f"m{i}@example.com" if i % 2 == 0 else "",
                "phone": f"55{rng.randint(10_000_000, 99_999_999)}",
                "document_id": f"DOC{i:07d}",
                "gender": rng.choice(["male", "female", "other"]),
                "is_active": True,
                "current_plan_id": plan.pk,
                "current_plan_name": plan.name,
                "membership_since": starts,
                "membership_starts_on": starts,
                "expires_on": expires,
                "created_at": now,
                "updated_at": now,
            }
        )
        membership_specs.append((plan, starts, expires))

    started = time.perf_counter()
    member_cols, member_base = columns(Member, {})
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {Member._meta.db_table} ({', '.join(member_cols)}) FROM STDIN") as copy:
            for row in member_rows:
                merged = {**member_base, **row}
                copy.write_row([merged[c] for c in member_cols])
        cursor.execute(f"SELECT id FROM {Member._meta.db_table} ORDER BY id")
        member_ids = [r[0] for r in cursor.fetchall()]
        ms_cols, ms_base = columns(Membership, {})
        with cursor.cursor.copy(f"COPY {Membership._meta.db_table} ({', '.join(ms_cols)}) FROM STDIN") as copy:
            for member_id, (plan, starts, expires) in zip(member_ids, membership_specs, strict=True):
                merged = {
                    **ms_base,
                    "member_id": member_id,
                    "gym_id": gym.pk,
                    "plan_id": plan.pk,
                    "purchased_price": plan.price,
                    "starts_on": starts,
                    "expires_on": expires,
                    "created_by_id": None,
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                copy.write_row([merged[c] for c in ms_cols])
        cursor.execute("ANALYZE")
    load_seconds = time.perf_counter() - started
    return gym, receptionist, plans, member_rows, load_seconds


def search_terms(member_rows, rng: random.Random, n: int) -> list[str]:
    terms = []
    while len(terms) < n:
        row = rng.choice(member_rows)
        kind = rng.randrange(5)
        if kind == 0:
            source = row["last_name"].split()[0]
        elif kind == 1:
            source = row["phone"]
        elif kind == 2:
            source = row["document_id"]
        elif kind == 3 and row["email"]:
            source = row["email"]
        else:
            source = row["first_name"] + " " + row["last_name"]
        length = rng.randint(3, min(8, len(source)))
        start = rng.randint(0, len(source) - length)
        terms.append(source[start : start + length].strip() or source[:3])
    # Terms that match nothing cost a full index probe.
    terms[::10] = ["zzqx" for _ in terms[::10]]
    return terms


def time_request(client, method: str, url: str, data=None) -> tuple[float, list[tuple[str, tuple]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = getattr(client, method)(url, data, format="json")
        elapsed = time.perf_counter() - started
    if response.status_code >= 400:
        raise SystemExit(f"{method.upper()} {url} → {response.status_code}: {response.content[:300]!r}")
    return elapsed * 1000, [q["sql"] for q in ctx.captured_queries]


def replay(statements: list[str]) -> float:
    """The captured statements (already interpolated by Django's debug cursor) through a
    bare cursor; auth/session queries included, as they are part of the request's SQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        started = time.perf_counter()
        for sql in statements:
            raw.execute(sql)
            if raw.description is not None:
                raw.fetchall()
        return (time.perf_counter() - started) * 1000


def enroll_floor(gym, plan, i: int) -> float:
    """INSERT member, membership, payment and four audit rows in one transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    today = now.astimezone(gym.tz).date()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        started = time.perf_counter()
        with transaction.atomic():
            raw.execute(
                "INSERT INTO members_member (gym_id, first_name, last_name, email, phone, document_id, gender, "
                "photo, photo_url, notes, is_active, current_plan_id, current_plan_name, membership_since, "
                "membership_starts_on, expires_on, created_at, updated_at) VALUES "
                "(%s, %s, %s, '', %s, %s, 'other', '', '', '', true, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                [gym.pk, "Floor", f"Row {i}", f"56{i:08d}", f"FLOOR{i:07d}", plan.pk, plan.name, today, today,
                 plan.period_end(today), now, now],
            )
            member_id = raw.fetchone()[0]
            raw.execute(
                "INSERT INTO billing_membership (member_id, gym_id, plan_id, purchased_price, starts_on, expires_on, "
                "is_active, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, true, %s, %s) RETURNING id",
                [member_id, gym.pk, plan.pk, plan.price, today, plan.period_end(today), now, now],
            )
            membership_id = raw.fetchone()[0]
            raw.execute(
                "INSERT INTO billing_payment (gym_id, member_id, member_name, membership_id, amount, method, paid_at, "
                "notes, is_void, void_reason) VALUES (%s, %s, %s, %s, %s, 'cash', %s, '', false, '')",
                [gym.pk, member_id, f"Floor Row {i}", membership_id, plan.price, now],
            )
            for action in ("member.enrolled", "membership.created", "payment.recorded"):
                raw.execute(
                    "INSERT INTO accounts_auditevent (at, actor_type, actor_label, gym_id, action, target_type, "
                    "target_id, data) VALUES (%s, 'system', 'bench', %s, %s, '', %s, '{}')",
                    [now, gym.pk, action, str(member_id)],
                )
        return (time.perf_counter() - started) * 1000


def summarize(name: str, api: list[float], floor: list[float]) -> dict:
    row = {
        "name": name,
        "n": len(api),
        "api_median": statistics.median(api),
        "api_p95": percentile(api, 95),
        "floor_median": statistics.median(floor),
        "floor_p95": percentile(floor, 95),
    }
    row["ratio"] = row["api_median"] / row["floor_median"] if row["floor_median"] else float("nan")
    return row


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        info = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        cpu = f"{info.get('Model name', '?').strip()}, {info.get('CPU(s)', '?').strip()} CPUs"
    except (OSError, subprocess.CalledProcessError):
        cpu = f"{os.cpu_count()} CPUs"
    return f"{cpu}; Python {platform.python_version()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario")
    parser.add_argument("--keep", action="store_true", help="keep the gymsite_bench database")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        print("bench.members needs DATABASE_URL pointing at PostgreSQL.", file=sys.stderr)
        return 2
    recreate_database(admin_url)
    os.environ["DATABASE_URL"] = bench_url(admin_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsite.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(20260101)
        gym, receptionist, plans, member_rows, load_seconds = load(args.members, rng)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
            db_size, pg_version = cursor.fetchone()

        client = APIClient()
        client.force_authenticate(receptionist)
        n = args.requests

        # Warm up caches and connections (not measured).
        for _ in range(10):
            time_request(client, "get", "/api/v1/members/?limit=50")

        list_api, list_floor = [], []
        for _ in range(n):
            elapsed, statements = time_request(client, "get", "/api/v1/members/?limit=50")
            list_api.append(elapsed)
            list_floor.append(replay(statements))

        search_api, search_floor = [], []
        for term in search_terms(member_rows, rng, n):
            elapsed, statements = time_request(client, "get", "/api/v1/members/", {"search": term, "limit": 50})
            search_api.append(elapsed)
            search_floor.append(replay(statements))

        enroll_api, enroll_floor_ms = [], []
        for i in range(n):
            body = {
                "first_name": "Bench",
                "last_name": f"Enroll {i}",
                "phone": f"57{i:08d}",
                "document_id": f"ENROLL{i:07d}",
                "gender": "other",
                "plan": plans[0].pk,
                "method": "cash",
            }
            started = time.perf_counter()
            response = client.post("/api/v1/members/", body, format="json")
            enroll_api.append((time.perf_counter() - started) * 1000)
            if response.status_code != 201:
                raise SystemExit(f"enroll → {response.status_code}: {response.content[:300]!r}")
            enroll_floor_ms.append(enroll_floor(gym, plans[0], i))

        rows = [
            summarize("list (first page of 50)", list_api, list_floor),
            summarize("search (?search=, 50 per page)", search_api, search_floor),
            summarize("enroll (member + membership + payment)", enroll_api, enroll_floor_ms),
        ]
    finally:
        connection.close()
        if not args.keep:
            drop_database(admin_url)

    today = date.today().isoformat()
    lines = [
        f"Measured {today} on {machine()}; {' '.join(pg_version.split()[:2])} on the same machine; "
        f"{args.members:,} members with one membership each in one gym (database {db_size}, "
        f"loaded in {load_seconds:.1f} s through COPY); {n} requests per row, in process "
        "through DRF's test client (no HTTP server).",
        "",
        "| request | API median | API p95 | SQL floor median | SQL floor p95 | API / floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['name']} | {row['api_median']:.1f} ms | {row['api_p95']:.1f} ms | "
            f"{row['floor_median']:.1f} ms | {row['floor_p95']:.1f} ms | {row['ratio']:.1f}× |"
        )
    print("\n".join(lines))
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
