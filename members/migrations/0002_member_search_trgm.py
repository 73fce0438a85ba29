"""pg_trgm GIN indexes for member search, on PostgreSQL only (a no-op on SQLite).

Django's `icontains` on PostgreSQL emits `UPPER(col::text) LIKE UPPER('%term%')`; each
index is over exactly that expression so the planner can answer the search (an OR over
the five columns) with a BitmapOr of GIN index scans instead of reading the table.
"""

from django.db import migrations

SEARCH_COLUMNS = ("first_name", "last_name", "phone", "document_id", "email")


def index_name(column: str) -> str:
    return f"member_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCH_COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {index_name(column)} ON members_member '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCH_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
