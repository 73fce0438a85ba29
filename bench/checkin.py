"""Check-ins per second: through the HTTP API, beside the floor of the same SQL run directly.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python -m bench.checkin [--write-readme]

What it does, all in one run:
- creates its own database (`gymsite_bench_checkin` on the DATABASE_URL server, dropped and
  re-created), migrates it and enrolls members with an active membership — each check-in
  of the run is a different member, so every one is a real, granted first visit of the day;
- floor: the check-in's statements sent straight to PostgreSQL with psycopg from 1, 8 and
  32 threads (one connection each), a transaction per check-in, in two variants: the bare
  pair (insert the attendance row + update the member) and the whole set the service runs
  (lock the member, look for today's visit, insert, update, audit row);
- HTTP: starts daphne on loopback (1 process, then one per core; never more than
  --max-processes), and drives POST /api/v1/members/{id}/check-in with a JWT from 1, 8
  and 32 keep-alive connections of a small asyncio client, for --seconds each.

Every phase is bounded by time and by its pool of members; daphne processes are stopped
at the end whatever happens. Figures are check-ins per second plus p50/p95 latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_DB_PREFIX", "gymsite_bench") + "_checkin"
CONCURRENCY = (1, 8, 32)
README = ROOT / "bench" / "README.md"
SECTION = "## Check-ins per second"


@dataclass
class Result:
    label: str
    clients: int
    done: int = 0
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


# --- the bench database ---------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def recreate_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def measure(label: str, clients: int, run: Callable[[Result], object]) -> Result:
    """`run(result)` timed: the Result of a row, its seconds those of the whole run."""
    result = Result(label, clients)
    started = time.perf_counter()
    run(result)
    result.seconds = time.perf_counter() - started
    return result


def timed_parser(doc: str, *, seconds: float) -> argparse.ArgumentParser:
    """A bench's command line: its summary (the docstring's first paragraph), then the
    measured seconds per phase and the warm-up every timed bench takes."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=seconds, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    return parser


def bench_database(parser: argparse.ArgumentParser, name: str) -> str:
    """The URL of the bench's own database `name` on DATABASE_URL's server, dropped and
    created afresh (a usage error without a PostgreSQL DATABASE_URL)."""
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the bench makes its own database)")
    recreate_database(base_url, name)
    return with_database(base_url, name)


def bench_env(bench_url: str, name: str, **extra: str) -> dict[str, str]:
    """The environment of a bench's servers (and of its own process once set up): production
    settings on the bench database, quiet logs."""
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "SECRET_KEY": f"bench-{name}-" + "x" * 40,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "gymsite.settings",
        **extra,
    }
    env.pop("GYMSITE_TESTING", None)
    return env


def migrate_and_setup(env: dict[str, str]) -> None:
    """Migrate the bench database, then set Django up in this process against it."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    os.environ.update(env)
    import django

    django.setup()


def prepare(env: dict[str, str], members: int) -> dict:
    """Migrate, then the gym, a receptionist and `members` members (in this process,
    with Django pointed at the bench database)."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=600,
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.utils import timezone

    from gymsite.accounts.models import Gym, User
    from gymsite.accounts.roles import Role
    from gymsite.accounts.services import token_pair_for
    from members.models import Member

    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City")
    user = User(username="bench-desk", email="desk@bench.test", full_name="Desk", role=Role.RECEPTIONIST, gym=gym)
    user.set_password("bench-desk-password")
    user.save()
    today = timezone.now().astimezone(gym.tz).date()
    batch = []
    for n in range(members):
        batch.append(
            Member(
                gym=gym, first_name=f"Member{n}", last_name="Bench", phone=f"555{n:07d}",
                current_plan_name="Monthly", membership_since=today - timedelta(days=90),
                membership_starts_on=today - timedelta(days=5), expires_on=today + timedelta(days=25),
            )
        )
        if len(batch) == 5000:
            Member.objects.bulk_create(batch)
            batch = []
    Member.objects.bulk_create(batch)
    ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    from django.db import connection

    connection.close()
    return {
        "gym_id": gym.pk,
        "user_id": user.pk,
        "token": token_pair_for(user)["access_token"],
        "member_ids": ids,
        "tz": gym.tz,
    }


# --- the floor: the same SQL, straight to PostgreSQL ----------------------------------------

BARE = [
    (
        "INSERT INTO attendance_attendance (created_at, updated_at, member_id, gym_id, check_in_at,"
        " check_out_at, local_date, result, reason, source, recorded_by_id, device_label, notes)"
        " VALUES (%(now)s, %(now)s, %(member)s, %(gym)s, %(now)s, NULL, %(day)s, 'granted', '',"
        " 'front_desk', %(user)s, '', '') RETURNING id"
    ),
    "UPDATE members_member SET last_visit_at = %(now)s WHERE id = %(member)s",
]
SERVICE = [
    "SELECT * FROM members_member m JOIN accounts_gym g ON g.id = m.gym_id WHERE m.id = %(member)s"
    " FOR UPDATE OF m",
    "SELECT 1 FROM attendance_attendance WHERE local_date = %(day)s AND member_id = %(member)s"
    " AND result = 'granted' LIMIT 1",
    *BARE,
    (
        "INSERT INTO accounts_auditevent (at, actor_type, actor_user_id, actor_token_id, actor_label,"
        " gym_id, action, target_type, target_id, data, ip) VALUES (%(now)s, 'user', %(user)s, NULL,"
        " 'bench-desk', %(gym)s, 'attendance.checked_in', 'attendance.attendance', '0',"
        " '{\"source\": \"front_desk\"}', '127.0.0.1')"
    ),
]


def floor_phase(url: str, statements: list[str], label: str, clients: int, pool, ctx, seconds: float) -> Result:
    import psycopg

    result = Result(label, clients)
    lock = threading.Lock()
    start_barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def take():
        with lock:
            return next(pool, None)

    def worker():
        latencies = []
        done = 0
        with psycopg.connect(url) as conn:
            start_barrier.wait()
            while time.perf_counter() < deadline[0]:
                member = take()
                if member is None:
                    break
                now = datetime.now(UTC)
                params = {"now": now, "member": member, "gym": ctx["gym_id"], "user": ctx["user_id"],
                          "day": now.astimezone(ctx["tz"]).date()}
                t0 = time.perf_counter()
                with conn.transaction():
                    for sql in statements:
                        conn.execute(sql, params)
                latencies.append(time.perf_counter() - t0)
                done += 1
        with lock:
            result.done += done
            result.latencies.extend(latencies)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    start_barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


# --- HTTP through daphne ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Daphnes:
    """Daphne processes on loopback, started here and stopped here (by their own pids)."""

    def __init__(self, count: int, env: dict[str, str], cwd: Path = ROOT):
        self.ports = [free_port() for _ in range(count)]
        self.procs: list[subprocess.Popen] = []
        self.env = env
        self.cwd = cwd
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)

    def __enter__(self):
        # The server production runs: daphne with our HTTP-layer fixes (gymsite.core.server).
        for port in self.ports:
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gymsite.core.server", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                     "gymsite.asgi:application"],
                    cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log,
                )
            )
        deadline = time.monotonic() + 60
        for port, proc in zip(self.ports, self.procs, strict=True):
            while True:
                if proc.poll() is not None:
                    self.log.seek(0)
                    raise RuntimeError(f"daphne on {port} exited: {self.log.read().decode()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"daphne on {port} did not start in 60 s") from None
                    time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.log.seek(0)
        errors = self.log.read().decode(errors="replace")
        if errors.strip():
            print(f"daphne stderr (last lines):\n{errors[-1500:]}", file=sys.stderr)
        self.log.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection", "").lower() == "close"


class KeepAlive:
    """A bench client's keep-alive connection: sends a request, times its answer, counts it
    in `result` (done when its status is expected), and reconnects when the server closes."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> KeepAlive:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        self.writer.close()

    async def exchange(self, request: bytes, expected: int | set[int], result: Result) -> None:
        t0 = time.perf_counter()
        self.writer.write(request)
        status, close = await _read_response(self.reader)
        result.latencies.append(time.perf_counter() - t0)
        if status == expected or (isinstance(expected, set) and status in expected):
            result.done += 1
        else:
            result.errors[status] += 1
        if close:
            self.writer.close()
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)


# What an HTTP row sends: the check-in, and the floors under the same daphne (bench.urls).
KINDS = {
    "checkin": ("POST /api/v1/members/{member}/check-in", 201, True),
    "me": ("GET /api/v1/auth/me", 200, True),
    "bare": ("GET /bench/bare", 200, False),
    "drf": ("GET /bench/drf", 200, False),
}


async def _http_phase(
    ports, clients: int, pool, token: str, seconds: float, result: Result, kind: str = "checkin"
) -> None:
    deadline = time.perf_counter() + seconds
    line, expected, authenticated = KINDS[kind]
    auth = f"Authorization: Bearer {token}\r\n" if authenticated else ""
    body = "Content-Length: 0\r\n" if line.startswith("POST") else ""

    async def client(index: int):
        async with KeepAlive(ports[index % len(ports)]) as connection:
            while time.perf_counter() < deadline:
                member = next(pool, None) if kind == "checkin" else 0
                if member is None:
                    return
                request = (
                    f"{line.format(member=member)} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}{body}\r\n"
                ).encode()
                await connection.exchange(request, expected, result)

    await asyncio.gather(*(client(i) for i in range(clients)))


def http_phase(ports, clients: int, pool, token: str, seconds: float, label: str, kind: str) -> Result:
    result = Result(label, clients)
    started = time.perf_counter()
    asyncio.run(_http_phase(ports, clients, pool, token, seconds, result, kind))
    result.seconds = time.perf_counter() - started
    return result


# --- shared by the benchmarks of one endpoint (bench.training) -------------------------


def threaded_floor(url: str, clients: int, seconds: float, label: str, unit) -> Result:
    """`clients` threads, each on a psycopg connection of its own, released together and
    running `unit(conn, index)` (one measured operation of thread `index`; returning False:
    nothing left for that thread) until the time is up."""
    import psycopg

    result = Result(label, clients)
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(index: int):
        latencies = []
        with psycopg.connect(url) as conn:
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                t0 = time.perf_counter()
                if unit(conn, index) is False:
                    break
                latencies.append(time.perf_counter() - t0)
        with lock:
            result.done += len(latencies)
            result.latencies.extend(latencies)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    result.seconds = time.perf_counter() - started
    return result


async def keepalive_clients(ports, clients: int, seconds: float, result: Result, request, expected: int) -> None:
    """`clients` keep-alive HTTP/1.1 connections spread over `ports`, each sending
    `request(index)` (the bytes of client `index`'s next request; None: that client is done)
    until the time is up."""
    deadline = time.perf_counter() + seconds

    async def client(index: int):
        port = ports[index % len(ports)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                data = request(index)
                if data is None:
                    return
                t0 = time.perf_counter()
                writer.write(data)
                status, close = await _read_response(reader)
                result.latencies.append(time.perf_counter() - t0)
                if status == expected:
                    result.done += 1
                else:
                    result.errors[status] += 1
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    await asyncio.gather(*(client(i) for i in range(clients)))


def timed(coroutine_factory, label: str, clients: int) -> Result:
    """A Result filled by `coroutine_factory(result)`, timed."""
    result = Result(label, clients)
    started = time.perf_counter()
    asyncio.run(coroutine_factory(result))
    result.seconds = time.perf_counter() - started
    return result


# What an HTTP row sends: the check-in, and the floors under the same daphne (bench.urls).
KINDS = {
    "checkin": ("POST /api/v1/members/{member}/check-in", 201, True),
    "me": ("GET /api/v1/auth/me", 200, True),
    "bare": ("GET /bench/bare", 200, False),
    "drf": ("GET /bench/drf", 200, False),
}


# --- report -------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python "
        f"{platform.python_version()}; load average at the start {load}"
    )


def table(results: list[Result]) -> str:
    rows = [
        "| path | clients | requests/s | p50 ms | p95 ms | unexpected status |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        errors = ", ".join(f"{k}×{v}" for k, v in sorted(r.errors.items())) or "0"
        rows.append(
            f"| {r.label} | {r.clients} | {r.rate:,.0f} | {r.percentile(0.5):.1f} | {r.percentile(0.95):.1f} | {errors} |"
        )
    return "\n".join(rows)


NOTES = "\n### Notes"


def write_readme(text: str) -> None:
    """Replace the section's figures; its hand-written `### Notes` (if any) stay."""
    content = README.read_text()
    start = content.index(SECTION)
    following = re.search(r"^## ", content[start + len(SECTION):], flags=re.MULTILINE)
    end = start + len(SECTION) + following.start() if following else len(content)
    section = content[start:end]
    notes = section[section.index(NOTES):].rstrip() + "\n" if NOTES in section else ""
    new = text.rstrip() + "\n" + ("\n" + notes.lstrip("\n") if notes else "")
    README.write_text(content[:start] + new + ("\n" + content[end:] if following else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--max-processes", type=int, default=4, help="daphne processes at most")
    parser.add_argument("--per-phase", type=int, default=8000, help="members per phase at most")
    parser.add_argument("--pool-size", default="10", help="DB_POOL_MAX_SIZE of each daphne process")
    parser.add_argument(
        "--conn-max-age", default="0",
        help="CONN_MAX_AGE for the rows without the pool (Django: keep 0 under ASGI)",
    )
    parser.add_argument("--no-floors", action="store_true", help="skip the SQL floor rows")
    parser.add_argument("--write-readme", action="store_true", help="write the figures into bench/README.md")
    args = parser.parse_args(argv)

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the bench makes its own database)")
    bench_url = with_database(base_url, BENCH_DB)
    cores = os.cpu_count() or 1
    process_counts = sorted({1, min(cores, args.max_processes)})
    # (label, processes, extra environment, [(kind, clients), ...]) for each daphne set-up.
    pooled = {"DB_POOL_MAX_SIZE": args.pool_size}
    unpooled = {"DB_POOL_MAX_SIZE": "0", "CONN_MAX_AGE": args.conn_max_age}
    setups = [
        (
            f"{count} daphne, pool",
            count,
            pooled,
            [("bare", 1), ("bare", 8), ("me", 1), ("me", 8)] * (count == 1)
            + [("checkin", c) for c in CONCURRENCY],
        )
        for count in process_counts
    ]
    setups.append(("1 daphne, no pool", 1, unpooled, [("me", 1)] + [("checkin", c) for c in CONCURRENCY]))
    http_phases = sum(len(rows) for *_, rows in setups)
    checkin_phases = sum(kind == "checkin" for *_, rows in setups for kind, _ in rows)
    floor_phases = 0 if args.no_floors else 2 * len(CONCURRENCY)
    print(f"bench database {BENCH_DB}; {floor_phases + http_phases} phases of {args.seconds:g} s", flush=True)

    started_on = machine()
    recreate_database(base_url, BENCH_DB)
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "SECRET_KEY": "bench-checkin-" + "x" * 40,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "gymsite.settings",
    }
    env.pop("GYMSITE_TESTING", None)
    # Warm-up requests draw from the pools too.
    members = args.per_phase * (floor_phases + checkin_phases) + 4000 * checkin_phases
    ctx = prepare({**env, **unpooled}, members=members)
    ids = iter(ctx["member_ids"])

    def pool():
        return itertools.islice(ids, args.per_phase)

    results: list[Result] = []
    if not args.no_floors:
        for label, statements in (("floor: insert + update", BARE), ("floor: the service's 5 statements", SERVICE)):
            for clients in CONCURRENCY:
                results.append(floor_phase(bench_url, statements, label, clients, pool(), ctx, args.seconds))
                print(table(results[-1:]).splitlines()[-1], flush=True)
    titles = {"checkin": "check-in", "me": "GET /auth/me", "bare": "floor: bare Django view", "drf": "floor: bare DRF view"}
    for setup, count, extra, rows in setups:
        # bench.settings: the project's settings plus the floor views of bench.urls.
        with Daphnes(count, {**env, **extra, "DJANGO_SETTINGS_MODULE": "bench.settings"}) as servers:
            for kind, clients in rows:
                # Warm-up, not counted: connections, the servers' DB connections, code paths.
                warm = itertools.islice(ids, 4000) if kind == "checkin" else None
                asyncio.run(
                    _http_phase(servers.ports, clients, warm, ctx["token"], args.warmup, Result("", 0), kind)
                )
                label = f"HTTP {titles[kind]}, {setup}"
                results.append(
                    http_phase(servers.ports, clients, pool() if kind == "checkin" else None,
                               ctx["token"], args.seconds, label, kind)
                )
                print(table(results[-1:]).splitlines()[-1], flush=True)

    wrap = functools.partial(textwrap.fill, width=92, break_on_hyphens=False)
    report = "\n\n".join(
        [
            SECTION,
            wrap(
                "`DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python -m bench.checkin "
                "--write-readme` — POST /api/v1/members/{id}/check-in (JWT, a different member with an "
                "active membership each time, so every check-in is granted and writes the visit, the "
                "member's last visit and an audit row) from keep-alive clients, against daphne started "
                "by the bench on loopback, beside its floors: the same SQL sent straight to PostgreSQL "
                "with psycopg, one transaction per check-in (the bare insert + member update, and all "
                "five statements of the service), and, under the same daphne, a bare Django view "
                "behind the whole middleware stack (no DB, no DRF) and an authenticated GET "
                "/api/v1/auth/me. Rows with the psycopg pool (`DB_POOL_MAX_SIZE`, the default) and "
                "without it (`DB_POOL_MAX_SIZE=0`, `CONN_MAX_AGE=0`: a new connection per request). "
                "Its own database, re-created each run."
            ),
            wrap(
                f"Measured {datetime.now(UTC):%Y-%m-%d} on {started_on}; PostgreSQL and Redis on the "
                f"same machine; {args.seconds:g} s per row after {args.warmup:g} s of warm-up; the client "
                "runs on the same cores as the servers."
            ),
            table(results),
        ]
    )
    print()
    print(report)
    if args.write_readme:
        write_readme(report)
        print(f"\nwritten to {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
