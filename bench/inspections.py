"""Inspections over HTTP: answers posted, the list, the detail and the PDF report, beside the
floor of the same server answering GET /api/v1/auth/me (authentication, middleware, DRF and
JSON, no inspection work).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.inspections

What it does, all in one run:
- creates its own database (`gymsite_bench_inspections`, dropped and re-created), migrates
  it, and makes a gym, a mechanic, a 20-question checklist (every type), --inspections
  completed inspections of the mechanic (20 answers each, photos on 6 of them) and one
  draft per client for the answer posts;
- starts the production server (`python -m gymsite.core.server`, daphne) on loopback and
  drives each request from keep-alive clients for --seconds: POST /api/v1/answers/ (each
  client replacing the answers of its own draft, question after question),
  GET /api/v1/inspections/?limit=50, GET /api/v1/inspections/{id} and
  GET /api/v1/inspections/{id}/report.pdf (PDF with its photos).

Every phase is bounded by time; the server is stopped at the end whatever happens.
"""

from __future__ import annotations

import asyncio
import functools
import io
import itertools
import json
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.checkin import (
    ROOT,
    Daphnes,
    KeepAlive,
    Result,
    bench_database,
    bench_env,
    machine,
    measure,
    migrate_and_setup,
    table,
    timed_parser,
)

BENCH_DB = "gymsite_bench_inspections"
SECTION = "## Inspections over HTTP"
Request = tuple[str, str, bytes | None]


def prepare(env: dict[str, str], inspections: int, clients: int) -> dict:
    migrate_and_setup(env)
    from django.db import connection
    from PIL import Image

    from gymsite.accounts.audit import Actor
    from gymsite.accounts.models import Gym, User
    from gymsite.accounts.roles import Role
    from gymsite.accounts.services import token_pair_for
    from inspections import services
    from inspections.photos import photo_from_bytes

    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City")
    user = User(username="bench-mechanic", email="mechanic@bench.test", full_name="Mechanic", role=Role.MECHANIC, gym=gym)
    user.set_password("bench-mechanic-password")
    user.save()
    system, actor = Actor.system(), Actor(user=user)
    checklist = services.checklist_create(actor=system, gym=gym, name="Bench checklist")
    kinds = [
        ("pass_fail", "pass", {"allow_photos": True, "max_photos": 3}),
        ("yes_no", "yes", {}),
        ("rating", "4", {}),
        ("number", "220", {"min_value": 210, "max_value": 240}),
        ("multiple_choice", "Good", {"options": [{"label": "Good", "score": "10"}, {"label": "Bad", "score": "0", "is_failed": True}]}),
    ]
    questions = []
    for n in range(20):
        kind, value, extra = kinds[n % len(kinds)]
        question = services.question_create(
            actor=system, checklist=checklist, section=f"Section {n // 5 + 1}", text=f"Check {n + 1}", type=kind,
            points=10, order=n, **extra,
        )
        questions.append((question, value))
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 64).convert("RGB").save(buffer, format="JPEG", quality=85)
    photo = photo_from_bytes(buffer.getvalue())

    def fill(inspection, with_photos: bool):
        for question, value in questions:
            photos = [photo] if with_photos and question.type == "pass_fail" else None
            services.answer_submit(actor=actor, inspection=inspection, question=question, answer_value=value, photos=photos)

    completed = []
    for n in range(inspections):
        inspection = services.inspection_create(actor=actor, checklist=checklist, gym=gym, vehicle_plate=f"BENCH{n}")
        fill(inspection, with_photos=(n == 0))
        services.inspection_complete(actor=actor, inspection=inspection)
        completed.append(inspection.pk)
    drafts = [
        services.inspection_create(actor=actor, checklist=checklist, gym=gym, asset=f"Machine {n}").pk for n in range(clients)
    ]
    connection.close()
    return {
        "token": token_pair_for(user)["access_token"],
        "completed": completed,
        "drafts": drafts,
        "questions": [(q.pk, v) for q, v in questions],
    }


async def _drive(port: int, clients: int, seconds: float, make: Callable[[int], Callable[[], Request]], expected: set[int], token: str, result: Result):
    deadline = time.perf_counter() + seconds

    async def client(index: int):
        next_request = make(index)
        async with KeepAlive(port) as connection:
            while time.perf_counter() < deadline:
                method, path, body = next_request()
                head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                if body is not None:
                    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                await connection.exchange(head.encode() + b"\r\n" + (body or b""), expected, result)

    await asyncio.gather(*(client(i) for i in range(clients)))


def phase(port, clients, seconds, warmup, make, expected, token, label) -> Result:
    asyncio.run(_drive(port, clients, warmup, make, expected, token, Result("", 0)))
    result = measure(label, clients, lambda r: asyncio.run(_drive(port, clients, seconds, make, expected, token, r)))
    print(table([result]).splitlines()[-1], flush=True)
    return result


def main(argv=None) -> int:
    parser = timed_parser(__doc__, seconds=5.0)
    parser.add_argument("--inspections", type=int, default=60, help="completed inspections in the list")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the concurrent rows")
    args = parser.parse_args(argv)

    started_on = machine()
    bench_url = bench_database(parser, BENCH_DB)
    env = bench_env(bench_url, "inspections", PRIVATE_MEDIA_ROOT=str(ROOT / "var" / "bench-private"))
    ctx = prepare(env, inspections=args.inspections, clients=args.clients)
    token, photo_report = ctx["token"], ctx["completed"][0]

    def constant(request: Request):
        return lambda index: lambda: request

    def answers(index: int):
        draft = ctx["drafts"][index % len(ctx["drafts"])]
        cycle = itertools.cycle(ctx["questions"])

        def request() -> Request:
            question, value = next(cycle)
            body = json.dumps({"inspection": draft, "question": question, "answer_value": value}).encode()
            return ("POST", "/api/v1/answers/", body)

        return request

    results: list[Result] = []
    with Daphnes(1, env) as servers:
        port = servers.ports[0]
        for clients in (1, args.clients):
            results.append(phase(port, clients, args.seconds, args.warmup, constant(("GET", "/api/v1/auth/me", None)), {200}, token, "floor: GET /auth/me"))
            results.append(phase(port, clients, args.seconds, args.warmup, answers, {200, 201}, token, "POST /answers/ (JSON, replaces)"))
        results.append(phase(port, 1, args.seconds, args.warmup, constant(("GET", "/api/v1/inspections/?limit=50", None)), {200}, token, "GET /inspections/?limit=50"))
        results.append(phase(port, 1, args.seconds, args.warmup, constant(("GET", f"/api/v1/inspections/{ctx['completed'][1]}", None)), {200}, token, "GET /inspections/{id} (20 answers)"))
        results.append(phase(port, 1, args.seconds, args.warmup, constant(("GET", f"/api/v1/inspections/{ctx['completed'][1]}/report.pdf", None)), {200}, token, "GET report.pdf (20 answers)"))
        results.append(phase(port, 1, args.seconds, args.warmup, constant(("GET", f"/api/v1/inspections/{photo_report}/report.pdf", None)), {200}, token, "GET report.pdf (20 answers, 4 JPEG photos 640×480)"))

    wrap = functools.partial(textwrap.fill, width=92, break_on_hyphens=False)
    report = "\n\n".join(
        [
            SECTION,
            wrap(
                "`DATABASE_URL=postgres://… .venv/bin/python -m bench.inspections` — a mechanic's requests "
                "(JWT) from keep-alive clients against one production server (`python -m "
                "gymsite.core.server`) on loopback, beside the floor of the same server answering "
                "GET /api/v1/auth/me. Its own database, re-created each run."
            ),
            wrap(
                f"Measured {datetime.now(UTC):%Y-%m-%d} on {started_on}; PostgreSQL on the same machine; "
                f"{args.inspections} completed inspections of 20 answers; {args.seconds:g} s per row after "
                f"{args.warmup:g} s of warm-up; the client runs on the same cores as the server."
            ),
            table(results),
        ]
    )
    print()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
