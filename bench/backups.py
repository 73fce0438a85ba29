"""Backups of a large gym: a full backup and a restore of 100,000 members and 1,000,000
attendance rows, time and peak memory, beside pg_dump / pg_restore of the same database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.backups

What it does, all in one run:
- creates its own databases (`gymsite_bench_backups`, the source; `..._target`, migrated
  and empty, for our restore; `..._pgtarget`, empty, for pg_restore), dropped first;
- generates the data in SQL (INSERT ... SELECT over generate_series, seconds): 100,000
  members (--members) and 10 visits each (1,000,000 attendance rows), and 200 small media
  files;
- ours: a full backup (zstd, the manifest, verification read-back included), then an
  incremental after 1% of the members change, then a restore of the full into the empty
  migrated database (checksums first, then the data, the indexes already in place);
- the floor: `pg_dump -Fc` of the same database and `pg_restore` into an empty one;
- each measured in a child process of its own: wall time and peak resident memory
  (wait4's ru_maxrss), so the figures do not mix, and the row counts of the restored
  tables are checked against the source.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.checkin import ROOT, machine, recreate_database, with_database

SOURCE = "gymsite_bench_backups"
TARGET = "gymsite_bench_backups_target"
PG_TARGET = "gymsite_bench_backups_pgtarget"
WORK = ROOT / "var" / "bench_backups"
SECTION = "## Backups: full backup and restore"


def _setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsite.settings")
    import django

    django.setup()


def generate(members: int, visits: int, media_files: int) -> dict:
    """The data, in SQL: one template row each through the ORM, then INSERT ... SELECT."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from attendance.models import Attendance
    from gymsite.accounts.models import Gym
    from members.models import Member

    started = time.perf_counter()
    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City", currency="MXN")
    template = Member.objects.create(gym=gym, first_name="Template", last_name="Member", gender="other")
    now = timezone.now()
    Attendance.objects.create(
        member=template, gym=gym, check_in_at=now, local_date=now.date(), result="granted", source="front_desk"
    )
    qn = connection.ops.quote_name

    def insert_select(model, template_id, overrides, source):
        cols = [f.column for f in model._meta.concrete_fields if not f.primary_key]
        exprs = [overrides.get(c, f"t.{qn(c)}") for c in cols]
        table = qn(model._meta.db_table)
        return (
            f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) "  # noqa: S608
            f"SELECT {', '.join(exprs)} FROM {table} t, {source} WHERE t.id = {int(template_id)}"
        )

    with connection.cursor() as cursor:
        cursor.execute(
            insert_select(
                Member,
                template.pk,
                {
                    "first_name": "'Member' || g",
                    "last_name": "'Bench ' || (g % 997)",
                    "email": "'m' || g || '@example.com'",
                    "phone": "'55' || (10000000 + g)",
                    "document_id": "'DOC' || lpad(g::text, 7, '0')",
                },
                f"generate_series(1, {members - 1}) g",
            )
        )
        cursor.execute(f"DELETE FROM {qn(Attendance._meta.db_table)}")  # noqa: S608
        cursor.execute(_attendance_sql(qn, Attendance, visits))
        cursor.execute("ANALYZE")
    media = Path(settings.MEDIA_ROOT) / "members" / "photos"
    media.mkdir(parents=True, exist_ok=True)
    for n in range(media_files):
        (media / f"photo-{n:05d}.jpg").write_bytes(os.urandom(20_000))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM members_member")
        member_count = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM attendance_attendance")
        visit_count = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {"seconds": time.perf_counter() - started, "members": member_count, "visits": visit_count, "db_bytes": size}


def _attendance_sql(qn, Attendance, visits: int) -> str:
    # The template visit was deleted above: the columns come from the model, the values
    # from each member and day.
    cols = [f.column for f in Attendance._meta.concrete_fields if not f.primary_key]
    values = {
        "created_at": "now()",
        "updated_at": "now()",
        "member_id": "m.id",
        "gym_id": "m.gym_id",
        "check_in_at": "now() - make_interval(days => d, mins => (m.id % 600)::int)",
        "check_out_at": "NULL",
        "local_date": "(now() - make_interval(days => d))::date",
        "result": "'granted'",
        "reason": "''",
        "source": "'front_desk'",
        "recorded_by_id": "NULL",
        "device_id": "NULL",
        "device_label": "''",
        "notes": "''",
    }
    missing = [c for c in cols if c not in values]
    if missing:
        raise SystemExit(f"bench.backups: give attendance columns {missing} a value")
    table = qn(Attendance._meta.db_table)
    return (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) "  # noqa: S608
        f"SELECT {', '.join(values[c] for c in cols)} FROM members_member m, generate_series(0, {visits - 1}) d"
    )


def phase_backup(kind: str) -> dict:
    from backups.models import BackupTrigger
    from backups.services import backup_run_now

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    backup = backup_run_now(type=kind, trigger=BackupTrigger.MANUAL)
    seconds = time.perf_counter() - started
    if backup is None or backup.status != "succeeded":
        raise SystemExit(f"backup failed: {backup and backup.error}")
    return {
        "seconds": seconds,
        "baseline_kb": baseline,
        "id": str(backup.pk),
        "type": backup.type,
        "size": backup.size,
        "rows": sum(backup.row_counts.values()),
    }


def phase_change(percent: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE members_member SET notes = 'changed' WHERE id %% %s = 0", [100 // percent])
        return {"changed": cursor.rowcount}


def phase_restore(backup_id: str, target_url: str, media_root: str) -> dict:
    import copy

    from django.db import connections

    from backups.models import Backup
    from backups.services import backup_restore
    from gymsite.accounts.audit import Actor

    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict["NAME"] = target_url.rsplit("/", 1)[1]
    settings_dict["OPTIONS"].pop("pool", None)
    connections.settings["target"] = settings_dict
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    backup_restore(actor=Actor.system(), backup=Backup.objects.get(pk=backup_id), using="target", media_root=Path(media_root), safety=False)
    seconds = time.perf_counter() - started
    counts = {}
    with connections["target"].cursor() as cursor:
        for table in ("members_member", "attendance_attendance"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return {"seconds": seconds, "baseline_kb": baseline, "counts": counts}


def _child(args: list[str], env: dict[str, str]) -> tuple[dict | None, float, int]:
    """Run a child; (its JSON answer if any, seconds, peak RSS in KB)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed ({status}): {output[-2000:]}")
    answer = None
    for line in output.splitlines():
        if line.startswith("RESULT "):
            answer = json.loads(line[len("RESULT ") :])
    return answer, seconds, usage.ru_maxrss


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=10, help="visits per member")
    parser.add_argument("--media", type=int, default=200)
    parser.add_argument("--phase", choices=["generate", "backup", "change", "restore"], help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="full", help=argparse.SUPPRESS)
    parser.add_argument("--backup-id", help=argparse.SUPPRESS)
    parser.add_argument("--write-readme", action="store_true", help="write the figures into bench/README.md")
    args = parser.parse_args(argv)
    if args.phase:
        _setup({})
        if args.phase == "generate":
            result = generate(args.members, args.visits, args.media)
        elif args.phase == "backup":
            result = phase_backup(args.kind)
        elif args.phase == "change":
            result = phase_change(1)
        else:
            result = phase_restore(args.backup_id, os.environ["BENCH_TARGET_URL"], os.environ["BENCH_TARGET_MEDIA"])
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the benchmark makes its own databases)")
    import shutil

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    for name in (SOURCE, TARGET, PG_TARGET):
        recreate_database(base, name)
    source_url, target_url, pg_target_url = (with_database(base, n) for n in (SOURCE, TARGET, PG_TARGET))
    env = {
        **os.environ,
        "DATABASE_URL": source_url,
        "DB_POOL_MAX_SIZE": "0",
        "BACKUP_DIR": str(WORK / "backups"),
        "MEDIA_ROOT": str(WORK / "media"),
        "BACKUP_KEY": "",
        "GYMSITE_ENV_FILE": os.devnull,
        "BENCH_TARGET_URL": target_url,
        "BENCH_TARGET_MEDIA": str(WORK / "restored_media"),
    }
    me = [sys.executable, "-m", "bench.backups"]
    print(machine(), flush=True)
    for url in (source_url, target_url):
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env={**env, "DATABASE_URL": url}, check=True, timeout=900)
    data, _, _ = _child([*me, "--phase", "generate", "--members", str(args.members), "--visits", str(args.visits), "--media", str(args.media)], env)
    print(f"generated {data['members']:,} members and {data['visits']:,} visits in {data['seconds']:.1f} s; database {data['db_bytes'] / 1e6:.0f} MB", flush=True)

    rows = []
    full, full_s, full_rss = _child([*me, "--phase", "backup", "--kind", "full"], env)
    rows.append(("ours: full backup (zstd, manifest, verified)", full["seconds"], full_rss, full["size"], full["baseline_kb"]))
    print(f"full backup: {full['seconds']:.1f} s ({full_s:.1f} s with the process's start), peak {full_rss / 1024:.0f} MB (Django alone {full['baseline_kb'] / 1024:.0f} MB), {full['size'] / 1e6:.1f} MB", flush=True)

    dump = WORK / "floor.dump"
    _, dump_s, dump_rss = _child(["pg_dump", "-Fc", "-f", str(dump), source_url], env)
    rows.append(("floor: pg_dump -Fc", dump_s, dump_rss, dump.stat().st_size, None))
    print(f"pg_dump: {dump_s:.1f} s, peak {dump_rss / 1024:.0f} MB, {dump.stat().st_size / 1e6:.1f} MB", flush=True)

    changed, _, _ = _child([*me, "--phase", "change"], env)
    inc, inc_s, inc_rss = _child([*me, "--phase", "backup", "--kind", "incremental"], env)
    rows.append((f"ours: incremental after {changed['changed']:,} members changed", inc["seconds"], inc_rss, inc["size"], inc["baseline_kb"]))
    print(f"incremental: {inc['seconds']:.1f} s, peak {inc_rss / 1024:.0f} MB, {inc['size'] / 1e6:.2f} MB", flush=True)

    restored, restore_s, restore_rss = _child([*me, "--phase", "restore", "--backup-id", full["id"]], env)
    expected = {"members_member": data["members"], "attendance_attendance": data["visits"]}
    if restored["counts"] != expected:
        raise SystemExit(f"restore lost rows: {restored['counts']} != {expected}")
    rows.append(("ours: restore of the full into an empty migrated database", restored["seconds"], restore_rss, None, restored["baseline_kb"]))
    print(f"restore: {restored['seconds']:.1f} s ({restore_s:.1f} s with the process's start), peak {restore_rss / 1024:.0f} MB", flush=True)

    _, pgr_s, pgr_rss = _child(["pg_restore", "--no-owner", "-d", pg_target_url, str(dump)], env)
    rows.append(("floor: pg_restore into an empty database", pgr_s, pgr_rss, None, None))
    print(f"pg_restore: {pgr_s:.1f} s, peak {pgr_rss / 1024:.0f} MB", flush=True)

    lines = [
        "| operation | seconds | peak RSS | of which Django at rest | file |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, seconds, rss, size, baseline in rows:
        lines.append(
            f"| {label} | {seconds:.1f} | {rss / 1024:.0f} MB | {'' if baseline is None else f'{baseline / 1024:.0f} MB'} "
            f"| {'' if size is None else f'{size / 1e6:.1f} MB'} |"
        )
    report = (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; PostgreSQL on the same machine; "
        f"{data['members']:,} members, {data['visits']:,} attendance rows, {args.media} media files of 20 kB "
        f"(database {data['db_bytes'] / 1e6:.0f} MB, generated in {data['seconds']:.1f} s in SQL).\n\n" + "\n".join(lines)
    )
    print("\n" + report)
    for name in (SOURCE, TARGET, PG_TARGET):
        import psycopg

        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
