"""A version number of deals and their review work ("deals"), bumped by the database on
every committed change of a deal's status (or routing pause, partner, submission time), a
deal's creation or deletion, and any change of review tasks, stop-rule hits, decisions and
attribution disputes (`partnerportal.versions`).

Pages cache what those tables add up to under this number: the staff queue's facet counts
and due order, a partner's status counts and review record. The database
keeps it, not Python code: deals and tasks change through services, `QuerySet.update()`,
bulk loads and raw SQL alike, and a trigger sees them all. On PostgreSQL the triggers are
deferred constraint triggers: they run at commit, once per transaction (a flag local to the
transaction), so the version row is locked only while a transaction commits (no lock is
held across a transaction's statements, hence no new deadlocks) and a reader never sees a
new version before the change itself. SQLite runs one writer at a time: plain triggers.

The first value is random, so a recreated or restored database does not meet the cache
entries of an earlier one under the same number.
"""

from django.db import migrations

TABLE = "partnerportal_changeversion"
# What the cached numbers read of a deal: its status, routing pause, partner and submission
# time; and every field of its review tasks, stop-rule hits, decisions and disputes.
DEAL_FIELDS = ("status", "routing_paused", "partner_id", "submitted_at")
WATCHED = ("reviews_reviewtask", "leads_stoprulehit", "reviews_decision",
           "attribution_dispute")

POSTGRES = [
    f"CREATE TABLE {TABLE} (name varchar(50) PRIMARY KEY, value bigint NOT NULL)",
    "INSERT INTO partnerportal_changeversion (name, value) "
    "VALUES ('deals', floor(random() * 1e15))",
    """
    CREATE FUNCTION partnerportal_deals_version_bump() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('partnerportal.deals_version_bumped', true) = 'on' THEN
            RETURN NULL;
        END IF;
        PERFORM set_config('partnerportal.deals_version_bumped', 'on', true);
        INSERT INTO partnerportal_changeversion (name, value)
        VALUES ('deals', floor(random() * 1e15))
        ON CONFLICT (name) DO UPDATE SET value = partnerportal_changeversion.value + 1;
        RETURN NULL;
    END $$
    """,
    *[f"""CREATE CONSTRAINT TRIGGER deals_version AFTER INSERT OR UPDATE OR DELETE
          ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
          EXECUTE FUNCTION partnerportal_deals_version_bump()""" for table in WATCHED],
    """CREATE CONSTRAINT TRIGGER deals_version AFTER INSERT OR DELETE ON leads_deal
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
       EXECUTE FUNCTION partnerportal_deals_version_bump()""",
    f"""CREATE CONSTRAINT TRIGGER deals_version_update AFTER UPDATE ON leads_deal
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN ({" OR ".join(f"OLD.{f} IS DISTINCT FROM NEW.{f}" for f in DEAL_FIELDS)})
        EXECUTE FUNCTION partnerportal_deals_version_bump()""",
    *[f"""CREATE TRIGGER deals_version_truncate AFTER TRUNCATE ON {table}
          FOR EACH STATEMENT EXECUTE FUNCTION partnerportal_deals_version_bump()"""
      for table in (*WATCHED, "leads_deal")],
]
POSTGRES_REVERSE = [
    *[f"DROP TRIGGER IF EXISTS {name} ON {table}"
      for table in (*WATCHED, "leads_deal")
      for name in ("deals_version", "deals_version_truncate")],
    "DROP TRIGGER IF EXISTS deals_version_update ON leads_deal",
    "DROP FUNCTION IF EXISTS partnerportal_deals_version_bump()",
    f"DROP TABLE IF EXISTS {TABLE}",
]

_SQLITE_BUMP = ("INSERT INTO partnerportal_changeversion (name, value) VALUES "
                "('deals', abs(random()) % 1000000000000000) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1;")
SQLITE = [
    f"CREATE TABLE {TABLE} (name varchar(50) PRIMARY KEY, value integer NOT NULL)",
    "INSERT INTO partnerportal_changeversion (name, value) "
    "VALUES ('deals', abs(random()) % 1000000000000000)",
    *[f"CREATE TRIGGER deals_version_{table}_{event.lower()} AFTER {event} ON {table} "
      f"BEGIN {_SQLITE_BUMP} END"
      for table in WATCHED for event in ("INSERT", "UPDATE", "DELETE")],
    *[f"CREATE TRIGGER deals_version_leads_deal_{event.lower()} AFTER {event} "
      f"ON leads_deal BEGIN {_SQLITE_BUMP} END" for event in ("INSERT", "DELETE")],
    f"CREATE TRIGGER deals_version_leads_deal_update AFTER UPDATE ON leads_deal "
    f"WHEN {' OR '.join(f'OLD.{f} IS NOT NEW.{f}' for f in DEAL_FIELDS)} "
    f"BEGIN {_SQLITE_BUMP} END",
]
SQLITE_REVERSE = [
    *[f"DROP TRIGGER IF EXISTS deals_version_{table}_{event}"
      for table in (*WATCHED, "leads_deal") for event in ("insert", "update", "delete")],
    f"DROP TABLE IF EXISTS {TABLE}",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement, None)


def backwards(apps, schema_editor):
    statements = (POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql"
                  else SQLITE_REVERSE)
    for statement in statements:
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerportal", "0001_cache_table"),
        ("leads", "0002_screening_results_and_imports"),
        ("reviews", "0002_decisions_extensions_notifications"),
        ("attribution", "0001_conflict_cases_attribution_commissions"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
