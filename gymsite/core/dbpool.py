"""The psycopg pool's check of a connection it lends, without a round trip when it can.

With CONN_HEALTH_CHECKS the pool checks every connection it lends (psycopg_pool's
`check_connection`: an empty query, one round trip to PostgreSQL per request, ~0.2 ms on
an idle machine and several times that when PostgreSQL waits for a CPU). It is there so
that a PostgreSQL restart costs no failed request: the pool finds the dead connections and
opens new ones.

A connection resting in the pool has nothing to read: the server speaks only when asked.
When PostgreSQL goes away (a restart, a terminated backend, a crash) its side of the socket
is closed, and the socket becomes readable (the termination notice, then end of file). So
`quick_check` polls the socket without waiting: nothing to read, the connection is lent at
once; something to read (or any doubt), the full check runs and the pool discards a dead
connection as before. What the round trip found, the poll finds, except a server that
vanished without closing its sockets (a host lost from the network), which the round trip
would have waited on as well.
"""

from __future__ import annotations

import select

from psycopg import OperationalError
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool


def quick_check(conn) -> None:
    """A `check` callback for psycopg_pool: return quietly if the connection looks alive,
    else raise (the pool then discards it and lends another)."""
    if conn.closed:
        raise OperationalError("the connection is closed")
    if conn.info.transaction_status != TransactionStatus.IDLE:
        ConnectionPool.check_connection(conn)
        return
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


def use_quick_check(sender, connection, **kwargs) -> None:
    """connection_created receiver: once the pool exists (Django makes it lazily on the
    first connection), its check becomes `quick_check`. Only where Django asked the pool
    for checks (CONN_HEALTH_CHECKS)."""
    pool = getattr(connection, "pool", None)
    if pool is None or not connection.settings_dict.get("CONN_HEALTH_CHECKS"):
        return
    # psycopg_pool keeps the callback it calls in `_check` (pinned in constraints.txt;
    # tests/core/test_request_path.py checks that it is called). Django gives no way to
    # pass our own: it always passes check= itself.
    if getattr(pool, "_check", None) is ConnectionPool.check_connection:
        pool._check = quick_check
