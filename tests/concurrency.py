"""Races in tests: callables run on threads released together, every wait bounded, so that
a deadlock fails the test instead of hanging the suite."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

TIMEOUT_SECONDS = 30


def run_together(calls: list[Callable[[], Any]], *, timeout: float = TIMEOUT_SECONDS) -> list[Any]:
    """Runs each call on a thread of its own, all released at once by a barrier, and returns
    what each returned, or the exception it raised, in the order of `calls`.

    Fails the test when the threads are not all done within `timeout` seconds. They are
    daemon threads: one left stuck never keeps the interpreter from exiting. Each closes its
    database connection when done (a thread's connection is its own)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # handed to the test, which asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call), daemon=True, name=f"race-{index}")
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        pytest.fail(f"threads {stuck} still running after {timeout} s: a deadlock?")
    return results
