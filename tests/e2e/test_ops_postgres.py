"""PostgreSQL restarted under load, on a throwaway cluster of this test's own (initdb
under a temporary folder, its own port; the machine's server is never touched): the
requests in flight and those during the outage fail cleanly (503, the error body, no
trace), and the service recovers on its own (the pool replaces its dead connections)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

from . import stack

PG_BIN = Path("/usr/lib/postgresql/15/bin")
WAIT = 30


def _as_owner(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kwargs)


@contextlib.contextmanager
def throwaway_cluster():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15's binaries are not in {PG_BIN}")
    # Under /tmp itself: pytest's folders are private to root, which the postgres user
    # running the cluster could not enter.
    with tempfile.TemporaryDirectory(prefix="gymsite-pg-") as name:
        yield from _cluster(Path(name))


def _cluster(folder: Path):
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    _as_owner([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    port = stack.free_port()
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {sockets} -c fsync=off"
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(folder / "postgres.log")]

    def start():
        _as_owner([*ctl, "-o", options, "start"])

    def stop():
        _as_owner([*ctl, "-m", "fast", "stop"])

    start()
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres", start, stop
    finally:
        with contextlib.suppress(Exception):
            _as_owner([*ctl, "-m", "immediate", "stop"])


@pytest.mark.e2e
def test_postgres_restarted_under_load_answers_503_then_recovers(tmp_path):
    with throwaway_cluster() as (server_url, start, stop), stack.running_site(
        _site_folder(tmp_path), database_url=server_url, redis_url=""
    ) as site:
        api_env = {**site.env, "DB_POOL_TIMEOUT": "2"}
        from .ops_support import daphne

        session = requests.post(site.url("/api/v1/auth/login"), json={"email": "admin@gym.com", "password": "admin123"}, timeout=WAIT).json()
        auth = {"Authorization": f"Bearer {session['access_token']}"}
        site.env = api_env
        with daphne(site) as (web, base_url):
            answers: list[tuple[float, int, str]] = []
            stopping = threading.Event()

            def load():
                with requests.Session() as http:
                    while not stopping.is_set():
                        try:
                            response = http.get(base_url + "/api/v1/members?limit=5", headers=auth, timeout=WAIT)
                            answers.append((time.monotonic(), response.status_code, response.text))
                        except requests.RequestException as exc:  # a dropped connection counts as a failure
                            answers.append((time.monotonic(), 0, repr(exc)))

            threads = [threading.Thread(target=load) for _ in range(4)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(2)
                down_at = time.monotonic()
                stop()  # fast: sessions in flight are cut
                time.sleep(4)  # longer than the pool's wait: requests meanwhile get 503
                start()
                up_at = time.monotonic()

                def recovered():
                    recent = [a for a in answers if a[0] > up_at]
                    return len(recent) >= 20 and all(status == 200 for _, status, _ in recent[-20:])

                deadline = time.monotonic() + WAIT
                while not recovered():
                    assert time.monotonic() < deadline, f"no recovery: {answers[-5:]}"
                    time.sleep(0.2)
            finally:
                stopping.set()
                for thread in threads:
                    thread.join(timeout=WAIT)

            before = [a for a in answers if a[0] < down_at]
            during = [a for a in answers if down_at <= a[0] <= up_at]
            assert before and all(status == 200 for _, status, _ in before)
            statuses = {status for _, status, _ in answers}
            assert statuses <= {200, 503}, statuses  # never a 500, never a dropped connection
            failed = [text for _, status, text in during if status == 503]
            assert failed, "the outage was not seen"
            for text in failed:
                assert '"code":"service_unavailable"' in text.replace(" ", "") and "Traceback" not in text
            assert "Traceback" not in "".join(text for _, _, text in answers)
        site.env = {**api_env}


def _site_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    return folder
