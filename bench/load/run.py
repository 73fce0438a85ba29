"""The load test: locust, headless, against PostgreSQL, Redis, daphne and a Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python -m bench.load.run [--write-readme]

What it does, bounded in time from start to end:
1. creates its own database (`<BENCH_DB_PREFIX>_load`, default `gymsite_bench_load`, dropped
   and re-created), migrates it and prepares one gym: a receptionist per front desk (JWT), a plan, 20
   products with plenty of stock, --members members with an active membership (each check-in
   and each user_found of the run uses a member not yet seen today), 20 terminals (device
   tokens);
2. starts the production server (`python -m gymsite.core.server`, one daphne process) and a
   Celery worker (one process) on REDIS_URL, both on loopback;
3. warm-up: locust for --warmup seconds (not counted), then the server's resident memory
   (RSS, and the worker's);
4. the run: locust headless for --run-time seconds, at about --rps requests per second:
   the front desk (search, enroll, check-in, payment, sale) over HTTP and --terminals
   terminals sending user_found over WebSockets (bench/load/locustfile.py);
5. the server's and the worker's memory again; p50, p95, p99 per operation and the error
   rate from locust's CSV; the load average of the machine beside them. Then every process
   it started is stopped (by its pid) and the database dropped.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.checkin import README, ROOT, free_port, machine, recreate_database, with_database

BENCH_DB = os.environ.get("BENCH_DB_PREFIX", "gymsite_bench") + "_load"
SECTION = "## Load test"
TERMINALS = 20
PRODUCTS = 20


def prepare(env: dict[str, str], members: int, terminals: int, desks: int) -> dict:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=900
    )
    os.environ.update(env)
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from billing.models import Plan
    from devices.services.terminals import device_create
    from gymsite.accounts.audit import Actor
    from gymsite.accounts.models import Gym, User
    from gymsite.accounts.roles import Role
    from gymsite.accounts.services import token_pair_for
    from inventory.services import MAX_STOCK, product_create
    from members.models import Member

    gym = Gym.objects.create(name="Load Gym", time_zone="America/Mexico_City", currency="MXN")
    # One receptionist per front desk, as a chain's desks are staffed: each signed-in user has
    # a rate limit of its own (RATE_LIMIT_USER), which one shared account would exhaust.
    receptionists = []
    for n in range(desks):
        user = User(
            username=f"load-desk-{n}", email=f"desk{n}@load.test", full_name=f"Desk {n}",
            role=Role.RECEPTIONIST, gym=gym,
        )
        user.set_password("load-desk-password")
        user.save()
        receptionists.append(user)
    plan = Plan.objects.create(gym=gym, name="Mensual", price=Decimal("500.00"), duration_count=1, duration_unit="month")
    products = [
        product_create(actor=Actor.system(), gym=gym, name=f"Product {n}", price="25.00", quantity=MAX_STOCK,
                       low_stock_threshold=0).pk
        for n in range(PRODUCTS)
    ]
    today = timezone.now().astimezone(gym.tz).date()
    Member.objects.bulk_create(
        [
            Member(
                gym=gym, first_name=["Ana", "Luis", "Sofía", "Pedro"][n % 4], last_name=f"García {n}",
                phone=f"55{n:08d}", document_id=f"DOC{n:07d}", email=f"m{n}@example.com" if n % 2 else "",
                current_plan_id=plan.pk, current_plan_name=plan.name,
                membership_since=today - timedelta(days=90), membership_starts_on=today - timedelta(days=5),
                expires_on=today + timedelta(days=25),
            )
            for n in range(members)
        ],
        batch_size=5000,
    )
    ids = list(Member.objects.filter(gym=gym).order_by("pk").values_list("pk", flat=True))
    tokens = [device_create(actor=Actor.system(), gym=gym, name=f"Door {n}").token for n in range(terminals)]
    connection.close()
    # Members for payments (any), then four disjoint sets: check-ins and user_found, for the
    # warm-up and for the run (each a separate locust process starting from the first).
    rest = ids[500:]
    warm = len(rest) // 10
    run_half = (len(rest) - 2 * warm) // 2
    return {
        "gym_id": gym.pk,
        "desk_tokens": [token_pair_for(user)["access_token"] for user in receptionists],
        "plan_id": plan.pk,
        "product_ids": products,
        "payment_members": ids[:500],
        "warmup": {"checkin_members": rest[:warm], "terminal_members": rest[warm : 2 * warm]},
        "run": {
            "checkin_members": rest[2 * warm : 2 * warm + run_half],
            "terminal_members": rest[2 * warm + run_half :],
        },
        "device_tokens": tokens,
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kb(pid: int) -> int:
    """The process's RSS plus its children's (the Celery worker's pool process)."""
    total = rss_kb(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            total += tree_rss_kb(int(child))
    return total


def stop(proc: subprocess.Popen, name: str) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in 30 s: killed", file=sys.stderr)
            proc.kill()
            proc.wait(timeout=10)


def wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not answer in {seconds:g} s") from None
            time.sleep(0.5)


def run_locust(env, port: int, seconds: int, users: int, csv_prefix: str | None, log, phase: str) -> None:
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
        "--host", f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(users), "--run-time", f"{seconds}s",
        "--stop-timeout", "10", "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING",
    ]
    if csv_prefix:
        command += ["--csv", csv_prefix]
    # Bounded twice: locust's --run-time, and this timeout if locust itself hangs.
    subprocess.run(command, cwd=ROOT, env={**env, "LOAD_PHASE": phase}, stdout=log, stderr=log, timeout=seconds + 120, check=True)


def read_stats(csv_prefix: str) -> list[dict]:
    with open(f"{csv_prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-time", type=int, default=300, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--rps", type=float, default=50.0, help="requests per second, HTTP and WebSocket together")
    parser.add_argument("--terminals", type=int, default=TERMINALS)
    parser.add_argument("--front-desk-users", type=int, default=20)
    parser.add_argument("--members", type=int, default=40_000)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)

    base_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis://"):
        parser.error("set DATABASE_URL (PostgreSQL) and REDIS_URL (Redis)")
    # The terminals send a quarter of the requests, the front desk the rest.
    terminal_rps = args.rps / 4 / args.terminals
    desk_rps = args.rps * 3 / 4 / args.front_desk_users
    bench_url = with_database(base_url, BENCH_DB)
    started_on = machine()
    recreate_database(base_url, BENCH_DB)
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "SECRET_KEY": "bench-load-" + "x" * 40,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "gymsite.settings",
        "JWT_ACCESS_MINUTES": "120",
        "CACHE_KEY_PREFIX": BENCH_DB,
    }
    env.pop("GYMSITE_TESTING", None)
    workdir = Path(tempfile.mkdtemp(prefix="gymsite-load-"))
    context = prepare(env, args.members, args.terminals, args.front_desk_users)
    (workdir / "context.json").write_text(json.dumps(context))
    locust_env = {
        **env,
        "LOAD_CONTEXT": str(workdir / "context.json"),
        "FRONT_DESK_RPS": f"{desk_rps:.4f}",
        "TERMINAL_RPS": f"{terminal_rps:.4f}",
        "TERMINALS": str(args.terminals),
    }
    users = args.front_desk_users + args.terminals
    port = free_port()
    server_log = open(workdir / "daphne.log", "wb")  # noqa: SIM115 (closed at the end)
    worker_log = open(workdir / "worker.log", "wb")  # noqa: SIM115
    locust_log = open(workdir / "locust.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gymsite.core.server", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
         "gymsite.asgi:application"],
        cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gymsite", "worker", "--concurrency", "1", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(port, server)
        print(f"daphne pid {server.pid} on {port}, celery worker pid {worker.pid}; warm-up {args.warmup} s", flush=True)
        run_locust(locust_env, port, args.warmup, users, None, locust_log, "warmup")
        rss_warm, worker_warm = rss_kb(server.pid), tree_rss_kb(worker.pid)
        load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"after warm-up: daphne RSS {rss_warm / 1024:.1f} MiB; load {load_before}; run {args.run_time} s",
              flush=True)
        started = datetime.now(UTC)
        prefix = str(workdir / "run")
        run_locust(locust_env, port, args.run_time, users, prefix, locust_log, "run")
        rss_after, worker_after = rss_kb(server.pid), tree_rss_kb(worker.pid)
        load_after = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        stats = read_stats(prefix)
    finally:
        stop(server, "daphne")
        stop(worker, "celery worker")
        for handle in (server_log, worker_log, locust_log):
            handle.close()
        import psycopg

        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')

    rows = [
        "| operation | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = failures = 0
    for row in stats:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        if row["Name"] != "Aggregated":
            total += int(row["Request Count"])
            failures += int(row["Failure Count"])
        rows.append(
            f"| {row['Type']} {name} | {int(row['Request Count']):,} | {int(row['Failure Count'])} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
    error_rate = failures / total * 100 if total else 0.0
    report = "\n\n".join(
        [
            SECTION,
            f"`.venv/bin/python -m bench.load.run` (bench/load/run.py, scenario bench/load/locustfile.py). "
            f"Measured {started:%Y-%m-%d %H:%M} UTC on {started_on}; load average {load_before} when the run "
            f"started and {load_after} when it ended. "
            f"One daphne process, one Celery worker process, PostgreSQL and Redis, and locust, all on the "
            f"same 2 cores; {args.members:,} members; {args.front_desk_users} front-desk users (each its own receptionist) at "
            f"{desk_rps:.2f} requests/s each and {args.terminals} terminals at {terminal_rps:.3f} user_found/s "
            f"each (target {args.rps:g} requests/s); {args.warmup} s of warm-up, then {args.run_time} s measured.",
            "\n".join(rows),
            f"- requests: {total:,} in {args.run_time} s ({total / args.run_time:.1f}/s); errors: {failures} "
            f"({error_rate:.2f} %).\n"
            f"- daphne RSS: {rss_warm / 1024:.1f} MiB after warm-up, {rss_after / 1024:.1f} MiB after the run "
            f"({rss_after / rss_warm:.2f}×).\n"
            f"- Celery worker RSS (main + pool process): {worker_warm / 1024:.1f} MiB after warm-up, "
            f"{worker_after / 1024:.1f} MiB after the run.",
        ]
    )
    print(report)
    print(f"\nlogs: {workdir}")
    if args.write_readme:
        from bench.requestpath import write_section

        write_section(SECTION, report)
        print(f"written to {README.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
