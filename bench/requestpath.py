"""What a request costs beyond its work: small GETs and the members pages over HTTP, beside
their floors, under one daphne.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python -m bench.requestpath [--write-readme]

What it does, all in one run:
- creates its own database (`<BENCH_DB_PREFIX>_requestpath`, default
  `gymsite_bench_requestpath`, dropped and re-created), migrates it and loads --members
  members of one gym through COPY (bench.members' loader) and a receptionist;
- starts the production server (`python -m gymsite.core.server`, one daphne process, with
  bench.settings for the floor views) on loopback;
- drives, from one keep-alive client (the cost of one request, not the machine's
  throughput), in interleaved rounds so every row sees the same background load:
  - floor: GET /bench/bare, a plain Django view behind the whole middleware stack;
  - floor: GET /bench/body, the same bare view answering as many bytes as the members page;
  - floor: GET /bench/drf, a DRF APIView without authentication, permissions or the DB;
  - GET /api/v1/auth/me with a JWT (the authenticated small GET);
  - GET /api/v1/members/?limit=50 (the first page, default order: count + page);
  - GET /api/v1/members/{id} (a member's detail);
- SQL floors: the statements each members request runs (captured once in process, as
  Django sends them) replayed through one bare psycopg connection kept open, in the same
  rounds.

Figures: requests per second and p50/p95 per row, and the members pages' p50 over their
SQL floor's p50. Every phase is bounded by time; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import random
import re
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.checkin import (
    README,
    ROOT,
    Daphnes,
    Result,
    _read_response,
    machine,
    recreate_database,
    table,
    with_database,
)

BENCH_DB = os.environ.get("BENCH_DB_PREFIX", "gymsite_bench") + "_requestpath"
SECTION = "## The request path"


def prepare(env: dict[str, str], members: int) -> dict:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from bench.members import load
    from gymsite.accounts.services import token_pair_for

    gym, user, _plans, _rows, load_seconds = load(members, random.Random(20261130))
    token = token_pair_for(user)["access_token"]
    member_id = connection.cursor().execute(
        "SELECT id FROM members_member ORDER BY id OFFSET %s LIMIT 1", [members // 2]
    ).fetchone()[0]
    paths = {"list": "/api/v1/members/?limit=50", "detail": f"/api/v1/members/{member_id}"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    statements, bodies = {}, {}
    # Captured with the page's count in line (gymsite.core.pagination), so that the floor
    # holds every statement the request runs.
    from gymsite.core import pagination

    pagination._counter.size, helpers = 0, pagination._counter.size
    for kind, path in paths.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        statements[kind] = [q["sql"] for q in ctx.captured_queries]
        bodies[kind] = response.content
    pagination._counter.size = helpers
    paths["body"] = f"/bench/body?bytes={len(bodies['list'])}"
    connection.close()
    return {
        "token": token,
        "paths": paths,
        "statements": statements,
        "bodies": bodies,
        "load_seconds": load_seconds,
    }


def sql_floor(url: str, statements: list[str], seconds: float, result: Result) -> None:
    """The request's statements through one open psycopg connection, back to back (autocommit:
    the request runs its reads outside a transaction too)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            for sql in statements:
                cursor = conn.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
            result.latencies.append(time.perf_counter() - t0)
            result.done += 1
    result.seconds += seconds


async def _get_loop(port: int, path: str, token: str | None, seconds: float, result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    try:
        while time.perf_counter() < deadline:
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
        result.seconds += time.perf_counter() - started


KINDS = ("bare", "body", "drf", "me", "list", "detail")
DESCRIPTION = """\
`DATABASE_URL=postgres://… .venv/bin/python -m bench.requestpath [--baseline DIR] [--write-readme]`
(bench/requestpath.py): one daphne (`python -m gymsite.core.server`, bench.settings for the
floor views) and one keep-alive client, GET of a bare Django view, a bare DRF view,
`/api/v1/auth/me` (JWT), the first members page of 50 and a member's detail, in
interleaved rounds; beside them the SQL floors (the statements each members request runs,
captured in process, replayed through one open psycopg connection); and daphne's CPU time
per request (from /proc), which a shared machine disturbs far less than latency. With
`--baseline DIR` (an export of an earlier commit) that commit's server runs beside this
tree's against the same database, in the same rounds. Every server's members answers are
checked byte for byte against the in-process answer first."""


def http_rows(port: int, token: str, paths: dict[str, str]) -> list[tuple[str, str, str, str | None]]:
    return [
        ("bare", "floor: bare Django view (no DB, no DRF)", "/bench/bare", None),
        ("body", "floor: bare Django view answering as many bytes as the list page", paths["body"], None),
        ("drf", "floor: bare DRF view (no auth, no DB)", "/bench/drf", None),
        ("me", "GET /api/v1/auth/me (JWT)", "/api/v1/auth/me", token),
        ("list", "GET /api/v1/members/?limit=50 (JWT)", paths["list"], token),
        ("detail", "GET /api/v1/members/{id} (JWT)", paths["detail"], token),
    ]


def fetch_body(port: int, path: str, token: str) -> bytes:
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_section(title: str, text: str) -> None:
    """Replace the README section `title` with `text`; its hand-written `### Notes` (if
    any) stay. A missing section is added at the end."""
    content = README.read_text()
    if title not in content:
        README.write_text(content.rstrip() + "\n\n" + text.rstrip() + "\n")
        return
    start = content.index(title)
    following = re.search(r"^## ", content[start + len(title):], flags=re.MULTILINE)
    end = start + len(title) + following.start() if following else len(content)
    section = content[start:end]
    notes = section[section.index("\n### Notes"):].rstrip() + "\n" if "\n### Notes" in section else ""
    new = text.rstrip() + "\n" + ("\n" + notes.lstrip("\n") if notes else "")
    README.write_text(content[:start] + new + ("\n" + content[end:] if following else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per row and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--baseline", type=Path, default=None,
        help="a checkout of an earlier commit (git archive <commit> | tar -x -C DIR): its server runs beside "
        "this one, against the same database, in the same rounds (rows 'before')",
    )
    parser.add_argument("--baseline-label", default="before")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--profile", type=float, default=0.0,
                        help="hold the server under load this many seconds first (to attach py-spy)")
    parser.add_argument("--profile-path", default="me", choices=["me", "list", "detail", "bare"],
                        help="what --profile requests")
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
        "SECRET_KEY": "bench-requestpath-" + "x" * 40,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        # The limits are checked on every request, as in production, but set beyond what one
        # client can reach: a 429 would measure the refusal, not the request.
        "RATE_LIMIT_USER": "10000000/min",
        "RATE_LIMIT_TOKEN": "10000000/min",
        "RATE_LIMIT_ANON": "10000000/min",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SETTINGS_MODULE": "gymsite.settings",
    }
    env.pop("GYMSITE_TESTING", None)
    ctx = prepare(env, args.members)
    print(f"bench database {BENCH_DB}: {args.members:,} members loaded in {ctx['load_seconds']:.1f} s", flush=True)

    server_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    servers = {"after" if args.baseline else "": Daphnes(1, server_env)}
    if args.baseline:
        servers = {args.baseline_label: Daphnes(1, server_env, cwd=args.baseline.resolve()), **servers}
    results: dict[tuple[str, str], Result] = {}
    cpu: dict[tuple[str, str], float] = {}
    with contextlib.ExitStack() as stack:
        for name, daphne in servers.items():
            stack.enter_context(daphne)
            print(f"daphne {name} pid {daphne.procs[0].pid} on port {daphne.ports[0]}", flush=True)
        for name, daphne in servers.items():
            port = daphne.ports[0]
            for kind in ("list", "detail"):
                # Every server answers what the in-process client answered, byte for byte.
                served = fetch_body(port, ctx["paths"][kind], ctx["token"])
                assert served == ctx["bodies"][kind], f"{name} {kind}: the answer differs from the in-process one"
            rows = http_rows(port, ctx["token"], ctx["paths"])
            if args.profile and daphne is servers[next(reversed(servers))]:
                _kind, _label, path, token = next(row for row in rows if row[0] == args.profile_path)
                asyncio.run(_get_loop(port, path, token, args.profile, Result("", 1)))
            for kind, label, path, token in rows:
                asyncio.run(_get_loop(port, path, token, args.warmup, Result("", 1)))
                results[name, kind] = Result(f"{label}{', ' + name if name else ''}", 1)
                cpu[name, kind] = 0.0
        for kind in ("list", "detail"):
            results["", f"sql-{kind}"] = Result(
                f"SQL floor of the {kind} ({len(ctx['statements'][kind])} statements, psycopg)", 1
            )
        for _round in range(args.rounds):
            for kind, *_ in http_rows(0, "", ctx["paths"]):
                for name, daphne in servers.items():
                    _kind, _label, path, token = next(
                        row for row in http_rows(daphne.ports[0], ctx["token"], ctx["paths"]) if row[0] == kind
                    )
                    pid = daphne.procs[0].pid
                    before = cpu_seconds(pid)
                    asyncio.run(_get_loop(daphne.ports[0], path, token, args.seconds, results[name, kind]))
                    cpu[name, kind] += cpu_seconds(pid) - before
            for kind in ("list", "detail"):
                sql_floor(bench_url, ctx["statements"][kind], args.seconds, results["", f"sql-{kind}"])
        for result in results.values():
            print(table([result]).splitlines()[-1], flush=True)

    def cpu_ms(key):
        total = results[key].done + sum(results[key].errors.values())
        return cpu[key] / total * 1000 if total else 0.0

    def p50(key):
        return statistics.median(results[key].latencies) * 1000

    ratios = []
    for name in servers:
        title = f"{name}: " if name else ""
        ratios += [
            f"- {title}authenticated small GET: /auth/me p50 {p50((name, 'me')):.2f} ms against the bare view's "
            f"{p50((name, 'bare')):.2f} ms: {p50((name, 'me')) / p50((name, 'bare')):.2f}× (requests/s "
            f"{results[name, 'me'].rate:,.0f} against {results[name, 'bare'].rate:,.0f}).",
            f"- {title}members list page of 50: p50 {p50((name, 'list')):.2f} ms over HTTP against its SQL "
            f"floor's {p50(('', 'sql-list')):.2f} ms: {p50((name, 'list')) / p50(('', 'sql-list')):.2f}×.",
            f"- {title}member detail: p50 {p50((name, 'detail')):.2f} ms over HTTP against its SQL floor's "
            f"{p50(('', 'sql-detail')):.2f} ms: {p50((name, 'detail')) / p50(('', 'sql-detail')):.2f}×.",
            f"- {title}daphne's CPU per request (user + system, from /proc; steadier than latency on a shared "
            "machine): " + ", ".join(f"{kind} {cpu_ms((name, kind)):.2f} ms" for kind in KINDS) + ".",
        ]
    order = [(name, kind) for kind in KINDS for name in servers]
    order.insert(order.index((next(reversed(servers)), "list")) + 1, ("", "sql-list"))
    order.append(("", "sql-detail"))
    wrap = functools.partial(textwrap.fill, width=92, break_on_hyphens=False)
    baseline = (
        f" Rows '{args.baseline_label}': the code of {args.baseline}, served beside this tree's (rows 'after') "
        "against the same database, in the same rounds." if args.baseline else ""
    )
    report = "\n\n".join(
        [
            SECTION,
            DESCRIPTION,
            wrap(
                f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {started_on}; PostgreSQL on the same "
                f"machine; {args.members:,} members in one gym; one keep-alive client; {args.rounds} "
                f"interleaved rounds of {args.seconds:g} s per row after {args.warmup:g} s of warm-up.{baseline}"
            ),
            table([results[key] for key in order]),
            "\n".join(ratios),
        ]
    )
    print()
    print(report)
    if args.write_readme:
        write_section(SECTION, report)
        print(f"\nwritten to {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
