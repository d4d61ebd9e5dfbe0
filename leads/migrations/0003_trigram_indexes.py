"""Trigram (pg_trgm) GIN indexes on normalized company names, PostgreSQL only.

Candidate retrieval uses them for similarity search; SQLite falls back to matching in
process, so there the migration does nothing.
"""

from django.db import migrations

INDEXES = [
    ("leads_deal_norm_company_trgm", "leads_deal"),
    ("leads_account_norm_company_trgm", "leads_account"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (norm_company gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_screening_results_and_imports")]

    operations = [migrations.RunPython(create, drop)]
