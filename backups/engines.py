"""Reading tables out of the database and writing them back, per engine, as streams.

PostgreSQL: COPY ... TO STDOUT / FROM STDIN in text format (what pg_dump does), read in a
snapshot exported by a short-lived connection that holds the change log's lock only while
the snapshot is taken (pg_export_snapshot). Every change-log row up to the snapshot's
position is then committed and visible in it, and every later one has a higher id: the next
incremental starts exactly where this backup ends, nothing missed, nothing twice.

SQLite: rows as JSON lines (bytes as {"b64": ...}), read in one deferred read transaction
on a connection of its own (WAL: a consistent snapshot while the site keeps writing).

In a test's transaction (no other connection can see its rows) both read through Django's
own connection instead.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.core.management.color import no_style
from django.db import connections

from .capture import CHANGE_TABLE, pg_triggers_enable, triggers_install

ROW_BATCH = 2000
KEY_BATCH = 10_000


def columns_of(model) -> list[str]:
    return [field.column for field in model._meta.local_concrete_fields]


def migrations_of(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def schema_version(migrations: Iterable[Iterable[str]]) -> str:
    """The migration state as one hash: two databases with the same applied migrations
    have the same tables and columns."""
    text = "\n".join(f"{app}.{name}" for app, name in migrations)
    return hashlib.sha256(text.encode()).hexdigest()


def current_schema_version(using: str = "default") -> str:
    with connections[using].cursor() as cursor:
        return schema_version(migrations_of(cursor))


class Snapshot:
    """A consistent read of the whole database and the change log's position in it."""

    def __init__(self, using: str = "default"):
        self.django = connections[using]
        self.vendor = self.django.vendor
        self.qn = self.django.ops.quote_name
        self._own = None
        self.position = 0

    def __enter__(self) -> Snapshot:
        inside_test_transaction = self.django.in_atomic_block
        if self.vendor == "postgresql" and not inside_test_transaction:
            import psycopg

            params = self.django.get_connection_params()
            locker = psycopg.connect(**params)
            try:
                locker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                locker.execute("SET LOCAL lock_timeout = '60s'")
                # EXCLUSIVE waits for every transaction that wrote to the log and keeps new
                # writers out until the snapshot exists (a few milliseconds).
                locker.execute(f"LOCK TABLE {self.qn(CHANGE_TABLE)} IN EXCLUSIVE MODE")
                snapshot_id, position = locker.execute(
                    f"SELECT pg_export_snapshot(), COALESCE(MAX(id), 0) FROM {self.qn(CHANGE_TABLE)}"  # noqa: S608
                ).fetchone()
                self._own = psycopg.connect(**params)
                self._own.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                self._own.execute("SET TRANSACTION SNAPSHOT %s" % _literal(snapshot_id))  # noqa: UP031
            finally:
                locker.rollback()
                locker.close()
            self.position = position
            self.cursor = self._own.cursor()
        elif self.vendor == "sqlite" and not inside_test_transaction and not self.django.is_in_memory_db():
            self.django.ensure_connection()
            self._own = self.django.get_new_connection(self.django.get_connection_params())
            self._own.isolation_level = None
            self.cursor = self._own.cursor()
            self.cursor.execute("BEGIN DEFERRED")
            self.position = self._max_change()
        else:
            self.cursor = self.django.cursor()
            self.position = self._max_change()
        self.migrations = migrations_of(self.cursor)
        self.schema_version = schema_version(self.migrations)
        return self

    def _max_change(self) -> int:
        self.cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.qn(CHANGE_TABLE)}")  # noqa: S608
        return self.cursor.fetchone()[0]

    def __exit__(self, *exc) -> None:
        if self._own is not None:
            try:
                self._own.rollback()
            finally:
                self._own.close()
        else:
            self.cursor.close()

    # --- what changed ---

    def truncated_since(self, table: str, since: int) -> bool:
        self.cursor.execute(
            f"SELECT 1 FROM {self.qn(CHANGE_TABLE)} WHERE table_name = %s AND op = 'T' AND id > %s AND id <= %s LIMIT 1"  # noqa: S608
            .replace("%s", self._param),
            [table, since, self.position],
        )
        return self.cursor.fetchone() is not None

    @property
    def _param(self) -> str:
        return "?" if self._own is not None and self.vendor == "sqlite" else "%s"

    def _changed_sql(self, table: str, since: int) -> str:
        # Inlined integers and a quoted literal only: COPY takes no parameters.
        return (
            f"SELECT DISTINCT row_key FROM {self.qn(CHANGE_TABLE)} WHERE table_name = {_literal(table)} "  # noqa: S608
            f"AND op <> 'T' AND id > {int(since)} AND id <= {int(self.position)}"
        )

    def changed_keys(self, table: str, since: int) -> Iterator[list[str]]:
        """The keys of `table`'s rows inserted, updated or deleted after `since`, in batches."""
        cursor = self._own.cursor() if self._own is not None else self.django.cursor()
        try:
            cursor.execute(self._changed_sql(table, since))
            while rows := cursor.fetchmany(KEY_BATCH):
                yield [row[0] for row in rows]
        finally:
            cursor.close()

    # --- rows ---

    def export_rows(self, model, write: Callable[[bytes], None], *, since: int | None) -> int:
        """Write `model`'s rows (all, or those changed after `since`) through `write`;
        returns how many."""
        table, pk = model._meta.db_table, model._meta.pk
        if self.vendor == "sqlite":
            # Unary + keeps the stored value and its type but drops the declared type, so
            # Django's converters (text -> datetime, ...) leave it as stored.
            cols = ", ".join("+" + self.qn(c) for c in columns_of(model))
        else:
            cols = ", ".join(self.qn(c) for c in columns_of(model))
        where = ""
        if since is not None:
            cast = pk.rel_db_type(self.django) if self.vendor == "postgresql" else None
            key = f"CAST(row_key AS {cast})" if cast else "row_key"
            keys = self._changed_sql(table, since).replace("SELECT DISTINCT row_key", f"SELECT DISTINCT {key}", 1)
            column = self.qn(pk.column) if self.vendor == "postgresql" else f"CAST({self.qn(pk.column)} AS TEXT)"
            where = f" WHERE {column} IN ({keys})"
        query = f"SELECT {cols} FROM {self.qn(table)}{where}"  # noqa: S608
        if self.vendor == "postgresql":
            raw = self._own.cursor() if self._own is not None else self.cursor.cursor
            rows = 0
            with raw.copy(f"COPY ({query}) TO STDOUT") as copy:
                for block in copy:
                    block = bytes(block)
                    rows += block.count(b"\n")
                    write(block)
            return rows
        return self._export_sqlite(query, write)

    def _export_sqlite(self, query: str, write: Callable[[bytes], None]) -> int:
        cursor = self._own.cursor() if self._own is not None else self.django.cursor()
        rows = 0
        try:
            cursor.execute(query)
            while batch := cursor.fetchmany(ROW_BATCH):
                lines = [json.dumps([_json_value(v) for v in row], separators=(",", ":")) for row in batch]
                write(("\n".join(lines) + "\n").encode())
                rows += len(batch)
        finally:
            cursor.close()
        return rows


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    return value


def _python_value(value: Any) -> Any:
    if isinstance(value, dict):
        return base64.b64decode(value["b64"])
    return value


class Loader:
    """Writes a backup's tables into a database, inside the caller's transaction."""

    def __init__(self, using: str, models: list):
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        self.qn = self.connection.ops.quote_name
        self.models = {m._meta.db_table: m for m in models}

    def begin(self) -> None:
        """Empty every table (the restore writes the backup's state whole). The capture
        triggers are off meanwhile on PostgreSQL (TRUNCATE and COPY are not changes to
        back up: the next backup is a full)."""
        if self.vendor == "postgresql":
            # Every table has its triggers (a table made outside migrate would not yet).
            triggers_install(using=self.connection.alias)
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for table in self.models:
                    pg_triggers_enable(cursor, self.qn, table, enabled=False)
                if self.models:
                    cursor.execute("TRUNCATE " + ", ".join(self.qn(t) for t in self.models))
            else:
                for table in self.models:
                    cursor.execute(f"DELETE FROM {self.qn(table)}")  # noqa: S608

    def delete_table(self, table: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.qn(table)}")  # noqa: S608

    def delete_keys(self, table: str, stream: IO[bytes]) -> None:
        model = self.models[table]
        pk = model._meta.pk
        keys = [line for line in stream.read().decode().split("\n") if line]
        with self.connection.cursor() as cursor:
            for start in range(0, len(keys), KEY_BATCH):
                batch = keys[start : start + KEY_BATCH]
                if self.vendor == "postgresql":
                    cursor.execute(
                        f"DELETE FROM {self.qn(table)} WHERE {self.qn(pk.column)} = ANY(CAST(%s AS {pk.rel_db_type(self.connection)}[]))",  # noqa: S608
                        [batch],
                    )
                else:
                    cursor.execute(
                        f"DELETE FROM {self.qn(table)} WHERE CAST({self.qn(pk.column)} AS TEXT) IN (SELECT value FROM json_each(%s))",  # noqa: S608
                        [json.dumps(batch)],
                    )

    def load_rows(self, table: str, columns: list[str], stream: IO[bytes]) -> None:
        cols = ", ".join(self.qn(c) for c in columns)
        if self.vendor == "postgresql":
            raw = self.connection.cursor().cursor
            with raw.copy(f"COPY {self.qn(table)} ({cols}) FROM STDIN") as copy:
                while block := stream.read(1 << 16):
                    copy.write(block)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {self.qn(table)} ({cols}) VALUES ({marks})"  # noqa: S608
        with self.connection.cursor() as cursor:
            batch: list[list[Any]] = []
            for line in io.BufferedReader(stream, 1 << 16):
                if line.strip():
                    batch.append([_python_value(v) for v in json.loads(line)])
                if len(batch) >= ROW_BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)

    def finish(self) -> None:
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # The foreign keys' deferred checks run now (they would at commit anyway):
                # PostgreSQL alters no table with trigger events pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in self.models:
                    pg_triggers_enable(cursor, self.qn, table, enabled=True)
                for statement in self.connection.ops.sequence_reset_sql(no_style(), list(self.models.values())):
                    cursor.execute(statement)
            # The log's entries describe a database that no longer is; the next backup is
            # a full (services.backup_run sees the restore).
            cursor.execute(f"DELETE FROM {self.qn(CHANGE_TABLE)}")  # noqa: S608
