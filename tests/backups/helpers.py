"""Helpers of the backup tests: an empty database to restore into, table contents to
compare, data to change."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend

from backups.capture import captured_models
from backups.engines import columns_of


def table_contents(using: str = "default") -> dict[str, list[tuple]]:
    """Every captured table's rows, ordered by key: what "every table equals" compares."""
    connection = connections[using]
    qn = connection.ops.quote_name
    contents = {}
    with connection.cursor() as cursor:
        for model in captured_models(using):
            cols = ", ".join(qn(c) for c in columns_of(model))
            cursor.execute(f"SELECT {cols} FROM {qn(model._meta.db_table)} ORDER BY {qn(model._meta.pk.column)}")  # noqa: S608
            contents[model._meta.db_table] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
    return contents


@contextlib.contextmanager
def empty_database(tmp_path: Path, alias: str = "restore_target", *, sqlite: bool = False):
    """A second database, migrated and otherwise empty, under `alias`; dropped after. Of the
    default's engine, or (`sqlite`) a SQLite file as the embedded default makes it, whatever
    the default is: the embedded default's paths are tested under CI too."""
    default = connections["default"]
    settings_dict = copy.deepcopy(default.settings_dict)
    if sqlite and default.vendor != "sqlite":
        settings_dict.update(
            ENGINE="django.db.backends.sqlite3",
            NAME=str(tmp_path / "restore_target.sqlite3"),
            USER="", PASSWORD="", HOST="", PORT="", CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False,
            OPTIONS={
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        )
    elif default.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restore_target.sqlite3")
    else:
        name = f"{default.settings_dict['NAME']}_target"[:63]
        settings_dict["NAME"] = name
        settings_dict["OPTIONS"].pop("pool", None)
        with default._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    # Connected before it is registered: Django's test case refuses connections to
    # aliases configured but not declared by the test, and allows dynamic ones.
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    wrapper.ensure_connection()
    connections.settings[alias] = settings_dict
    connections[alias] = wrapper
    try:
        call_command("migrate", database=alias, verbosity=0, interactive=False)
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        connections.settings.pop(alias, None)
        if settings_dict["ENGINE"] != "django.db.backends.sqlite3":
            with default._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}"')
