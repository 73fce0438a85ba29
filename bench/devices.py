"""Fingerprint terminals: download_templates for 10,000 enrolled members, and user_found
decisions per second with 20 terminals connected, each beside its floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python -m bench.devices [--write-readme]

What it does, all in one run:
- creates its own database (`gymsite_bench_devices`, dropped and re-created), migrates it,
  enrolls --members members with an active membership, their consent and two encrypted
  templates of --template-bytes each, and 20 terminals;
- download_templates: the floor is the same query (psycopg, straight to PostgreSQL) and
  the same decryptions and base64 run directly; then the selector in process (the ORM,
  the same decryptions, the JSON frame); then over a real WebSocket to daphne (the frame
  received by the client). Time and peak memory: tracemalloc's peak for the in-process
  rows, the growth of daphne's peak resident set (VmHWM) for the WebSocket row;
- user_found: the floor is the same check-in service calls in process
  (`attendance_check_in`, source device; then devices' `device_access`, which adds the
  event row and the device lock), one call after the other; then 20 terminals connected
  over real WebSockets to daphne (1 process, then one per core, at most 2), each sending
  user_found for a fresh member and waiting for the answer, for --seconds.

Every member is checked in once, so every decision is a real granted first visit.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkin import Daphnes, machine, recreate_database, with_database, write_readme  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DB_PREFIX", "gymsite_bench") + "_devices"
TERMINALS = 20
SECTION = "## Fingerprint terminals"


def prepare(env: dict[str, str], members: int, template_bytes: int) -> dict:
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    os.environ.update(env)
    import django

    django.setup()
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from devices import crypto
    from devices.models import BiometricConsent, FingerprintTemplate, TemplateSequence
    from devices.services.terminals import device_create
    from gymsite.accounts.audit import Actor
    from gymsite.accounts.models import Gym
    from members.models import Member

    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City")
    today = timezone.now().astimezone(gym.tz).date()
    Member.objects.bulk_create(
        [
            Member(
                gym=gym, first_name=f"Member{n}", last_name="Bench", current_plan_name="Monthly",
                membership_since=today - timedelta(days=90), membership_starts_on=today - timedelta(days=5),
                expires_on=today + timedelta(days=25),
            )
            for n in range(members)
        ],
        batch_size=5000,
    )
    ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    BiometricConsent.objects.bulk_create(
        [BiometricConsent(member_id=i, given_at=now, text_version="bench") for i in ids], batch_size=5000
    )
    rows = []
    for member_id in ids:
        for finger in (1, 2):
            key_id, sealed = crypto.encrypt_template(os.urandom(template_bytes), member_id=member_id, finger=finger)
            rows.append(
                FingerprintTemplate(member_id=member_id, gym=gym, finger=finger, ciphertext=sealed, key_id=key_id, seq=1)
            )
    FingerprintTemplate.objects.bulk_create(rows, batch_size=5000)
    TemplateSequence.objects.create(gym=gym, value=1)
    tokens = [device_create(actor=Actor.system(), gym=gym, name=f"Door {n}").token for n in range(TERMINALS)]
    connection.close()
    return {"gym_id": gym.pk, "member_ids": ids, "tokens": tokens}


# --- download_templates -------------------------------------------------------------------


FLOOR_SQL = (
    "SELECT t.member_id, t.finger, t.ciphertext, t.key_id, m.first_name, m.last_name"
    " FROM devices_fingerprinttemplate t JOIN members_member m ON m.id = t.member_id"
    " WHERE t.gym_id = %s AND m.gym_id = %s ORDER BY t.member_id, t.finger"
)


def measured(function):
    """(seconds, peak bytes allocated by Python, result): timed on its own (tracemalloc
    slows allocation several times), then run again under tracemalloc for the peak."""
    function()  # warm-up: imports, the connection, caches
    t0 = time.perf_counter()
    function()
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, result


def download_floor(url: str, gym_id: int) -> int:
    import psycopg

    from devices import crypto

    data: dict[int, dict] = {}
    with psycopg.connect(url) as conn:
        for member_id, finger, sealed, key_id, first, last in conn.execute(FLOOR_SQL, (gym_id, gym_id)):
            plain = crypto.decrypt_template(sealed, key_id=key_id, member_id=member_id, finger=finger)
            entry = data.setdefault(member_id, {"id": member_id, "full_name": f"{first} {last}"})
            entry[f"fingerprint{finger}"] = base64.b64encode(plain).decode()
    return len(data)


def download_in_process(gym_id: int) -> int:
    from devices.consumers.protocol import template_set_frames
    from devices.selectors import template_set

    result = template_set(gym_id=gym_id)
    frames = template_set_frames(data=result.data, deleted=[], cursor=result.cursor, full=True)
    return sum(len(frame) for frame in frames)


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def download_over_websocket(port: int, gym_id: int, token: str) -> tuple[float, int, int, int]:
    """(seconds, members, bytes, frames) of one download, all its parts received."""
    import websockets

    url = f"ws://127.0.0.1:{port}/ws/gym/{gym_id}?token={token}"
    async with websockets.connect(url, open_timeout=30) as socket:
        json.loads(await socket.recv())  # connected
        t0 = time.perf_counter()
        await socket.send(json.dumps({"type": "download_templates"}))
        members = size = frames = 0
        while True:
            raw = await asyncio.wait_for(socket.recv(), timeout=300)
            frame = json.loads(raw)
            if frame["type"] == "template_data_set":
                members, size, frames = members + len(frame["data"]), size + len(raw), frames + 1
                if frame["part"] == frame["parts"]:
                    return time.perf_counter() - t0, members, size, frames


# --- user_found ---------------------------------------------------------------------------


def decisions_in_process(kind: str, member_ids: list[int], seconds: float, token: str) -> tuple[int, float]:
    from attendance.services import attendance_check_in
    from devices.services.access import device_access
    from devices.services.terminals import device_by_token
    from gymsite.accounts.audit import Actor

    device = device_by_token(token)
    actor = Actor.device(device.name)
    done, deadline = 0, time.perf_counter() + seconds
    t0 = time.perf_counter()
    for member_id in member_ids:
        if time.perf_counter() > deadline:
            break
        if kind == "check_in":
            decision = attendance_check_in(
                actor=actor, source="device", member_id=member_id, gym_id=device.gym_id,
                device_label=device.name, device_id=device.pk,
            )
            assert decision.granted
        else:
            assert device_access(device=device, actor=actor, user_id=member_id).granted
        done += 1
    return done, time.perf_counter() - t0


async def decisions_over_websockets(ports: list[int], gym_id: int, tokens: list[str], member_ids: list[int], seconds: float):
    import websockets

    pool = iter(member_ids)
    counts = {"granted": 0, "other": 0}
    latencies: list[float] = []

    async def terminal(index: int, token: str, start: asyncio.Event, stop: list[float]):
        port = ports[index % len(ports)]
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/gym/{gym_id}?token={token}", open_timeout=30) as socket:
            json.loads(await socket.recv())
            ready.append(1)
            await start.wait()
            while time.perf_counter() < stop[0]:
                member_id = next(pool, None)
                if member_id is None:
                    return
                t0 = time.perf_counter()
                await socket.send(json.dumps({"type": "user_found", "user_id": str(member_id)}))
                while True:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
                    if frame["type"] in ("access_granted", "access_denied", "error"):
                        break
                latencies.append(time.perf_counter() - t0)
                counts["granted" if frame["type"] == "access_granted" else "other"] += 1

    ready: list[int] = []
    start = asyncio.Event()
    stop = [float("inf")]
    tasks = [asyncio.create_task(terminal(i, token, start, stop)) for i, token in enumerate(tokens)]
    while len(ready) < len(tokens):
        await asyncio.sleep(0.05)
        for task in tasks:
            if task.done() and task.exception():
                raise task.exception()
    t0 = time.perf_counter()
    stop[0] = t0 + seconds
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0  # noqa: E731
    return counts, elapsed, p(0.5), p(0.95)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--template-bytes", type=int, default=512)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per decision phase")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the bench makes its own database)")
    if not os.environ.get("REDIS_URL"):
        parser.error("set REDIS_URL: the terminals' processes share the Redis channel layer and cache")
    started_on = machine()
    bench_url = with_database(base_url, BENCH_DB)
    recreate_database(base_url, BENCH_DB)
    from devices.crypto import new_key_spec

    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "SECRET_KEY": "bench-devices-" + "x" * 40,
        "FINGERPRINT_KEYS": new_key_spec("bench"),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "gymsite.settings",
        "CACHE_KEY_PREFIX": "gymsite-bench-devices",
    }
    env.pop("GYMSITE_TESTING", None)
    print(f"preparing {args.members} members with 2 templates of {args.template_bytes} bytes...", flush=True)
    ctx = prepare(env, args.members, args.template_bytes)
    gym_id, ids, tokens = ctx["gym_id"], ctx["member_ids"], ctx["tokens"]
    lines = []

    # download_templates
    rows = []
    seconds, peak, count = measured(lambda: download_floor(bench_url, gym_id))
    rows.append(("floor: the query (psycopg) + decrypt + base64, in process", seconds, f"{peak / 2**20:.1f} MB (Python heap)", count))
    from django.db import connection

    seconds, peak, size = measured(lambda: download_in_process(gym_id))
    rows.append(("selector + JSON frame, in process", seconds, f"{peak / 2**20:.1f} MB (Python heap)", f"{size / 2**20:.1f} MB of frames"))
    # What every download runs first: the look for templates of members who changed gyms.
    from devices.services.templates import templates_follow_members

    seconds, peak, moved = measured(lambda: templates_follow_members(gym_id=gym_id))
    rows.append(("templates_follow_members before it (no member moved), in process", seconds,
                 f"{peak / 2**20:.1f} MB (Python heap)", f"{moved} moved"))
    connection.close()
    with Daphnes(1, env) as servers:
        pid = servers.procs[0].pid
        before = peak_rss_kb(pid)  # started and answered /api/health: no download yet
        asyncio.run(download_over_websocket(servers.ports[0], gym_id, tokens[0]))  # warm-up
        seconds, members, size, frames = asyncio.run(download_over_websocket(servers.ports[0], gym_id, tokens[0]))
        rss = peak_rss_kb(pid)
        grown = rss - before
        rows.append(
            ("over a WebSocket to daphne (received)", seconds, f"daphne peak RSS {rss / 1024:.0f} MB (+{grown / 1024:.0f} MB over two downloads)", f"{members} members, {size / 2**20:.1f} MB in {frames} frames")
        )
    lines += [
        f"### download_templates, {args.members:,} members × 2 templates of {args.template_bytes} bytes",
        "",
        "| path | seconds | peak memory | size |",
        "| --- | ---: | ---: | --- |",
        *[f"| {label} | {s:.2f} | {mem} | {extra} |" for label, s, mem, extra in rows],
        "",
    ]
    for row in lines[-len(rows) - 1:]:
        print(row, flush=True)

    # user_found: every member is used once (a granted first visit of the day).
    cursor = [0]

    def take(n: int) -> list[int]:
        chunk = ids[cursor[0]: cursor[0] + n]
        cursor[0] += len(chunk)
        return chunk

    results = []
    floors = (
        ("check_in", "floor: attendance_check_in (source device), in process"),
        ("device_access", "floor: device_access (check-in + event row + device lock), in process"),
    )
    for kind, label in floors:
        decisions_in_process(kind, take(20), 5, tokens[1])  # warm-up
        done, elapsed = decisions_in_process(kind, take(1500), args.seconds, tokens[1])
        results.append((label, 1, done / elapsed, "", ""))
        print(results[-1], flush=True)
    connection.close()
    cores = os.cpu_count() or 1
    for processes in sorted({1, min(2, cores)}):
        with Daphnes(processes, env) as servers:
            asyncio.run(decisions_over_websockets(servers.ports, gym_id, tokens, take(200), 1.0))  # warm-up
            counts, elapsed, p50, p95 = asyncio.run(
                decisions_over_websockets(servers.ports, gym_id, tokens, take(3000), args.seconds)
            )
            rate = counts["granted"] / elapsed
            label = f"{TERMINALS} terminals over WebSockets, {processes} daphne"
            results.append((label, TERMINALS, rate, f"{p50:.1f}", f"{p95:.1f}"))
            if counts["other"]:
                print(f"  unexpected answers: {counts['other']}", flush=True)
            print(results[-1], flush=True)
    lines += [
        f"### user_found decisions per second, {TERMINALS} terminals connected",
        "",
        "| path | clients | decisions/s | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[f"| {label} | {clients} | {rate:,.0f} | {p50} | {p95} |" for label, clients, rate, p50, p95 in results],
    ]
    text = "\n".join([SECTION, "", f"Measured {time.strftime('%Y-%m-%d')} on {started_on}; PostgreSQL, Redis.", "", *lines])
    print("\n" + text)
    if args.write_readme:
        write_readme_section(text)
    return 0


def write_readme_section(text: str) -> None:
    from bench import checkin

    readme = checkin.README.read_text()
    if SECTION not in readme:
        checkin.README.write_text(readme.rstrip() + "\n\n" + SECTION + "\n")
    original = checkin.SECTION
    checkin.SECTION = SECTION
    try:
        write_readme(text)
    finally:
        checkin.SECTION = original


if __name__ == "__main__":
    sys.exit(main())
