"""Name search reads a name's distinctive words: GIN (country, name_words gin_trgm_ops).

Common words ("transport", "services", "and sons") sit in so many names that an index on
the whole name returned thousands of rows to recheck for a short or common query; the
distinctive words alone return a few. The stored keys are recomputed because company
normalization changed too (dotted legal forms such as "Ges.m.b.H." and "P.L.C."). The
plain b-tree indexes on norm_company served no query and are dropped.
"""

from django.db import connection, migrations, models

from leads.normalize import company_keys

BATCH = 2000
CREATE = [
    "CREATE INDEX IF NOT EXISTS leads_deal_country_words_trgm ON leads_deal "
    "USING gin (norm_country, name_words gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS leads_account_country_words_trgm ON leads_account "
    "USING gin (country, name_words gin_trgm_ops)",
    "DROP INDEX IF EXISTS leads_deal_country_company_trgm",
    "DROP INDEX IF EXISTS leads_account_country_company_trgm",
]
REVERSE = [
    "CREATE INDEX IF NOT EXISTS leads_deal_country_company_trgm ON leads_deal "
    "USING gin (norm_country, norm_company gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS leads_account_country_company_trgm ON leads_account "
    "USING gin (country, norm_company gin_trgm_ops)",
    "DROP INDEX IF EXISTS leads_deal_country_words_trgm",
    "DROP INDEX IF EXISTS leads_account_country_words_trgm",
]


def recompute_names(apps, schema_editor):
    """norm_company and name_words of every deal and account, from the raw name."""
    for model, raw in (("Deal", "company_name"), ("Account", "name")):
        Model = apps.get_model("leads", model)
        rows = Model.objects.order_by("pk").values_list("pk", raw)
        batch = []
        for pk, name in rows.iterator(chunk_size=BATCH):
            batch.append((pk, *company_keys(name)))
            if len(batch) == BATCH:
                _write(Model, batch)
                batch = []
        _write(Model, batch)


def _write(Model, batch: list[tuple[int, str, str]]) -> None:
    """One UPDATE per batch on PostgreSQL (bulk_update's CASE is far slower there)."""
    if not batch:
        return
    if connection.vendor != "postgresql":
        Model.objects.bulk_update(
            [Model(pk=pk, norm_company=company, name_words=words)
             for pk, company, words in batch], ["norm_company", "name_words"])
        return
    ids, companies, words = (list(column) for column in zip(*batch, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Model._meta.db_table} AS t SET norm_company = v.company, "  # noqa: S608
            "name_words = v.words FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
            "AS v(id, company, words) WHERE t.id = v.id", [ids, companies, words])


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_country_trigram_indexes")]

    operations = [
        migrations.AddField(
            model_name="account",
            name="name_words",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="deal",
            name="name_words",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="account",
            name="norm_company",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="deal",
            name="norm_company",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(recompute_names, migrations.RunPython.noop),
        migrations.RunPython(_run(CREATE), _run(REVERSE)),
    ]
