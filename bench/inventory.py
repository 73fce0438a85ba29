"""Sales per second at the shop counter: POST /api/v1/sales/ over HTTP, beside the floor of
the same SQL sent straight to PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python -m bench.inventory

What it does, all in one run:
- creates its own database (`gymsite_bench_inventory` on the DATABASE_URL server, dropped and
  re-created), migrates it and creates a gym, a receptionist and --products products with
  plenty of stock (no sale ever runs out, no low-stock email);
- floor: the statements a one-line sale runs in the service (lock the product, read its
  gym, insert the sale, its item and its ledger row, update the stock, the audit row),
  sent with psycopg from 1 and 8 threads (one connection each), a transaction per sale;
- HTTP: starts the production server (`python -m gymsite.core.server`, daphne) on loopback,
  1 process and then one per core (at most --max-processes), and drives POST /api/v1/sales/
  `{"product", "quantity": 1}` with a JWT from 1 and 8 keep-alive clients, each client
  selling the products in turn (so clients contend for the same rows, as at a counter).

Every phase is bounded by time; the servers are stopped at the end whatever happens.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime

from bench.checkin import (
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

BENCH_DB = os.environ.get("BENCH_DB_PREFIX", "gymsite_bench") + "_inventory"
CONCURRENCY = (1, 8)
SECTION = "## Sales per second"


def prepare(env: dict[str, str], products: int) -> dict:
    migrate_and_setup(env)
    from django.db import connection

    from gymsite.accounts.audit import Actor
    from gymsite.accounts.models import Gym, User
    from gymsite.accounts.roles import Role
    from gymsite.accounts.services import token_pair_for
    from inventory.services import MAX_STOCK, product_create

    gym = Gym.objects.create(name="Bench Gym", time_zone="America/Mexico_City")
    user = User(username="bench-desk", email="desk@bench.test", full_name="Desk", role=Role.RECEPTIONIST, gym=gym)
    user.set_password("bench-desk-password")
    user.save()
    ids = [
        product_create(
            actor=Actor.system(), gym=gym, name=f"Product {n}", price="25.00", quantity=MAX_STOCK, low_stock_threshold=0
        ).pk
        for n in range(products)
    ]
    connection.close()
    return {"gym_id": gym.pk, "user_id": user.pk, "token": token_pair_for(user)["access_token"], "product_ids": ids}


# --- the floor: the service's statements for a one-line sale -------------------------------

SALE_SQL = [
    "SELECT * FROM inventory_product WHERE id IN (%(product)s) ORDER BY id FOR UPDATE",
    "SELECT * FROM accounts_gym WHERE id = %(gym)s LIMIT 21",
    (
        "INSERT INTO inventory_sale (gym_id, sold_by_id, member_id, method, total_amount, sale_date, local_date,"
        " voided, voided_at, voided_by_id, created_at, updated_at) VALUES (%(gym)s, %(user)s, NULL, 'cash',"
        " 25.00, %(now)s, %(now)s::date, false, NULL, NULL, %(now)s, %(now)s) RETURNING id"
    ),
    (
        "INSERT INTO inventory_saleitem (sale_id, product_id, quantity, unit_price, line_total)"
        " VALUES (%(sale)s, %(product)s, 1, 25.00, 25.00)"
    ),
    (
        "UPDATE inventory_product SET quantity = CASE WHEN id = %(product)s THEN quantity - 1 ELSE NULL END,"
        " low_stock_alerted = CASE WHEN id = %(product)s THEN false ELSE NULL END,"
        " updated_at = CASE WHEN id = %(product)s THEN %(now)s ELSE NULL END WHERE id IN (%(product)s)"
    ),
    (
        "INSERT INTO inventory_stockmovement (product_id, delta, reason, sale_id, by_id, at, note)"
        " VALUES (%(product)s, -1, 'sale', %(sale)s, %(user)s, %(now)s, '')"
    ),
    (
        "INSERT INTO accounts_auditevent (at, actor_type, actor_user_id, actor_token_id, actor_label, gym_id,"
        " action, target_type, target_id, data, ip) VALUES (%(now)s, 'user', %(user)s, NULL, 'bench-desk',"
        " %(gym)s, 'sale.created', 'inventory.sale', %(sale)s::text, '{\"total_amount\": \"25.00\"}', '127.0.0.1')"
    ),
]


def floor_phase(url: str, clients: int, ctx, seconds: float) -> Result:
    import psycopg

    result = Result("floor: the service's 7 statements (psycopg)", clients)
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(index: int):
        latencies, done = [], 0
        products = itertools.cycle(ctx["product_ids"][index:] + ctx["product_ids"][:index])
        with psycopg.connect(url) as conn:
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                params = {"product": next(products), "gym": ctx["gym_id"], "user": ctx["user_id"],
                          "now": datetime.now(UTC), "sale": None}
                t0 = time.perf_counter()
                with conn.transaction():
                    for sql in SALE_SQL:
                        cursor = conn.execute(sql, params)
                        if sql.startswith("INSERT INTO inventory_sale "):
                            params["sale"] = cursor.fetchone()[0]
                latencies.append(time.perf_counter() - t0)
                done += 1
        with lock:
            result.done += done
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


# --- HTTP -----------------------------------------------------------------------------------


async def _sales(ports, clients: int, ctx, seconds: float, result: Result) -> None:
    deadline = time.perf_counter() + seconds

    async def client(index: int):
        ids = ctx["product_ids"]
        products = itertools.cycle(ids[index % len(ids):] + ids[: index % len(ids)])
        async with KeepAlive(ports[index % len(ports)]) as connection:
            while time.perf_counter() < deadline:
                body = json.dumps({"product": next(products), "quantity": 1}).encode()
                request = (
                    f"POST /api/v1/sales/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ctx['token']}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode() + body
                await connection.exchange(request, 201, result)

    await asyncio.gather(*(client(i) for i in range(clients)))


def http_phase(ports, clients: int, ctx, seconds: float, label: str) -> Result:
    return measure(label, clients, lambda result: asyncio.run(_sales(ports, clients, ctx, seconds, result)))


def main(argv=None) -> int:
    parser = timed_parser(__doc__, seconds=6.0)
    parser.add_argument("--products", type=int, default=20, help="products the clients sell in turn")
    parser.add_argument("--max-processes", type=int, default=4, help="server processes at most")
    args = parser.parse_args(argv)

    started_on = machine()
    bench_url = bench_database(parser, BENCH_DB)
    # No Celery round trip in the measured path: no product runs low (threshold 0).
    env = bench_env(bench_url, "inventory")
    ctx = prepare(env, products=args.products)

    results: list[Result] = []
    for clients in CONCURRENCY:
        results.append(floor_phase(bench_url, clients, ctx, args.seconds))
        print(table(results[-1:]).splitlines()[-1], flush=True)
    cores = os.cpu_count() or 1
    for count in sorted({1, min(cores, args.max_processes)}):
        with Daphnes(count, env) as servers:
            for clients in CONCURRENCY:
                asyncio.run(_sales(servers.ports, clients, ctx, args.warmup, Result("", 0)))
                results.append(http_phase(servers.ports, clients, ctx, args.seconds, f"HTTP POST /sales/, {count} server"))
                print(table(results[-1:]).splitlines()[-1], flush=True)

    wrap = functools.partial(textwrap.fill, width=92, break_on_hyphens=False)
    report = "\n\n".join(
        [
            SECTION,
            wrap(
                "`DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python -m bench.inventory` — "
                "POST /api/v1/sales/ {\"product\", \"quantity\": 1} (JWT, a receptionist) from keep-alive "
                f"clients selling {args.products} products in turn, against the production server "
                "(`python -m gymsite.core.server`) started on loopback, beside the floor: the seven "
                "statements the service runs for a one-line sale, sent straight to PostgreSQL with "
                "psycopg, one transaction per sale. Its own database, re-created each run."
            ),
            wrap(
                f"Measured {datetime.now(UTC):%Y-%m-%d} on {started_on}; PostgreSQL and Redis on the same "
                f"machine; {args.seconds:g} s per row after {args.warmup:g} s of warm-up; the client runs "
                "on the same cores as the servers."
            ),
            table(results),
        ]
    )
    print()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
