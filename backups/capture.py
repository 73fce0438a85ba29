"""Change capture: database triggers that write the key of every inserted, updated or
deleted row of every gymsite table into `backups_change`.

Why triggers of our own rather than Django signals or django-pghistory: signals miss
QuerySet.update(), bulk_create/bulk_update and raw SQL, which triggers see, whatever
writes the row. django-pghistory (through django-pgtrigger) is PostgreSQL only, and the
embedded default runs on SQLite; it also stores a copy of every row version, where a
backup needs only the keys (it reads the rows themselves in its own snapshot). So: one
small change log and triggers generated here for both engines:

- PostgreSQL: statement-level AFTER triggers with transition tables, one INSERT ... SELECT
  per statement, so a bulk update of a million rows costs one statement, not a million
  trigger calls; a TRUNCATE is logged too (op "T": the next backup copies the whole table).
- SQLite (row-level triggers only): one small INSERT per row.

The tables come from the app registry at run time, never from a list: `triggers_install`
runs after every migrate (post_migrate), so the tables of an app added later are captured
from its first migrate on.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connections, transaction

CHANGE_TABLE = "backups_change"
OWN_TABLES = {"backups_backup", "backups_change", "backups_restore"}
PG_FUNCTION = "backups_capture"
PG_TRIGGERS = ("backups_capture_ins", "backups_capture_upd", "backups_capture_del", "backups_capture_trunc")


def captured_models(using: str = "default") -> list:
    """Every concrete table the app registry knows (auto-created many-to-many tables
    included) that exists in the database, but the backup app's own: one model per table,
    in a stable order."""
    existing = set(connections[using].introspection.table_names())
    seen: dict[str, object] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in OWN_TABLES or meta.db_table not in existing:
            continue
        seen.setdefault(meta.db_table, model)
    return [seen[name] for name in sorted(seen)]


def _pg_function_sql(qn) -> str:
    change = qn(CHANGE_TABLE)
    # Identifiers only, quoted by the backend; row values never enter the SQL text.
    return f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO {change} (table_name, row_key, op) SELECT %L, %I::text, ''I'' FROM backups_new',
                   TG_TABLE_NAME, TG_ARGV[0]);
  ELSIF TG_OP = 'UPDATE' THEN
    -- The old keys too: an update that changes a primary key deletes the old one.
    EXECUTE format('INSERT INTO {change} (table_name, row_key, op) SELECT %L, k, ''U'' FROM '
                   '(SELECT %I::text AS k FROM backups_new UNION SELECT %I::text FROM backups_old) AS keys',
                   TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[0]);
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('INSERT INTO {change} (table_name, row_key, op) SELECT %L, %I::text, ''D'' FROM backups_old',
                   TG_TABLE_NAME, TG_ARGV[0]);
  ELSE
    INSERT INTO {change} (table_name, row_key, op) VALUES (TG_TABLE_NAME, '', 'T');
  END IF;
  RETURN NULL;
END
$body$;
"""  # noqa: S608


def _pg_table_sql(qn, table: str, pk: str) -> list[str]:
    t, key = qn(table), pk.replace("'", "''")
    return [
        f"CREATE OR REPLACE TRIGGER backups_capture_ins AFTER INSERT ON {t} REFERENCING NEW TABLE AS backups_new "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}('{key}')",
        f"CREATE OR REPLACE TRIGGER backups_capture_upd AFTER UPDATE ON {t} REFERENCING OLD TABLE AS backups_old "
        f"NEW TABLE AS backups_new FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}('{key}')",
        f"CREATE OR REPLACE TRIGGER backups_capture_del AFTER DELETE ON {t} REFERENCING OLD TABLE AS backups_old "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}('{key}')",
        f"CREATE OR REPLACE TRIGGER backups_capture_trunc AFTER TRUNCATE ON {t} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}('{key}')",
    ]


def _sqlite_table_sql(qn, table: str, pk: str) -> list[str]:
    t, k, name = qn(table), qn(pk), table.replace('"', "")
    literal = "'" + table.replace("'", "''") + "'"
    insert = f"INSERT INTO {qn(CHANGE_TABLE)} (table_name, row_key, op) VALUES ({literal}, "  # noqa: S608
    statements = []
    for suffix, event, body in (
        ("ins", "INSERT", f"{insert}NEW.{k}, 'I');"),
        (
            "upd",
            "UPDATE",
            f"{insert}NEW.{k}, 'U'); INSERT INTO {qn(CHANGE_TABLE)} (table_name, row_key, op) "
            f"SELECT {literal}, OLD.{k}, 'U' WHERE OLD.{k} IS NOT NEW.{k};",
        ),
        ("del", "DELETE", f"{insert}OLD.{k}, 'D');"),
    ):
        trigger = qn(f"backups_capture_{suffix}_{name}")
        statements.append(f"DROP TRIGGER IF EXISTS {trigger}")
        statements.append(f"CREATE TRIGGER {trigger} AFTER {event} ON {t} FOR EACH ROW BEGIN {body} END")
    return statements


def triggers_install(*, using: str = "default") -> list[str]:
    """(Re)install the capture triggers on every table; idempotent. Returns the tables."""
    connection = connections[using]
    if CHANGE_TABLE not in connection.introspection.table_names():
        return []  # the backups app is not migrated (yet) in this database
    qn = connection.ops.quote_name
    models = captured_models(using)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_pg_function_sql(qn))
        for model in models:
            table, pk = model._meta.db_table, model._meta.pk.column
            if connection.vendor == "postgresql":
                statements = _pg_table_sql(qn, table, pk)
            elif connection.vendor == "sqlite":
                statements = _sqlite_table_sql(qn, table, pk)
            else:
                raise NotImplementedError(connection.vendor)
            for statement in statements:
                cursor.execute(statement)
    return [model._meta.db_table for model in models]


def pg_triggers_enable(cursor, qn, table: str, *, enabled: bool) -> None:
    """Switch a table's capture triggers off (a restore's own writes are not changes to
    back up: the next backup is a full anyway) or back on, inside the caller's transaction."""
    verb = "ENABLE" if enabled else "DISABLE"
    for name in PG_TRIGGERS:
        cursor.execute(f"ALTER TABLE {qn(table)} {verb} TRIGGER {name}")
