"""The pg_trgm GIN index for member search, on PostgreSQL only (a no-op on SQLite).

Search (members.selectors.member_search) filters with Django's `icontains` over
`first_name || ' ' || last_name || ' ' || phone || ' ' || document_id || ' ' || email`,
which PostgreSQL receives as `UPPER((<that>)::text) LIKE UPPER('%term%')`. The index is
over exactly that expression, so the planner answers a search with one bitmap index scan.
tests/members/test_services.py checks the plan uses it.
"""

from django.db import migrations

INDEX_NAME = "member_search_trgm"
SEARCH_TEXT = """("first_name" || ' ' || "last_name" || ' ' || "phone" || ' ' || "document_id" || ' ' || "email")"""


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON members_member "
        f"USING gin ((UPPER({SEARCH_TEXT}::text)) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
