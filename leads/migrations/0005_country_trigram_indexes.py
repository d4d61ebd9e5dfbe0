"""Trigram search within one country: GIN (country, company gin_trgm_ops), PostgreSQL only.

A name-only candidate from another country can never reach the match threshold (the
country penalty keeps it below), so retrieval searches names within the deal's country;
the composite index makes that search read a fraction of the rows at a million records.
It also serves name searches without a country, so it replaces the single-column index.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS leads_deal_country_company_trgm ON leads_deal "
    "USING gin (norm_country, norm_company gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS leads_account_country_company_trgm ON leads_account "
    "USING gin (country, norm_company gin_trgm_ops)",
    "DROP INDEX IF EXISTS leads_deal_norm_company_trgm",
    "DROP INDEX IF EXISTS leads_account_norm_company_trgm",
]
REVERSE = [
    "CREATE INDEX IF NOT EXISTS leads_deal_norm_company_trgm ON leads_deal "
    "USING gin (norm_company gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS leads_account_norm_company_trgm ON leads_account "
    "USING gin (norm_company gin_trgm_ops)",
    "DROP INDEX IF EXISTS leads_deal_country_company_trgm",
    "DROP INDEX IF EXISTS leads_account_country_company_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_deal_norm_email_domain")]

    operations = [migrations.RunPython(_run(CREATE), _run(REVERSE))]
