"""The deals' data version (0002) also moves when a deal's company name changes: the staff
queue keeps its rows, which show it, under the version."""

from django.db import migrations

BEFORE = ("status", "routing_paused", "partner_id", "submitted_at")
AFTER = (*BEFORE, "company_name")
_SQLITE_BUMP = ("INSERT INTO partnerportal_changeversion (name, value) VALUES "
                "('deals', abs(random()) % 1000000000000000) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1;")


def _replace(schema_editor, fields) -> None:
    if schema_editor.connection.vendor == "postgresql":
        changed = " OR ".join(f"OLD.{f} IS DISTINCT FROM NEW.{f}" for f in fields)
        schema_editor.execute("DROP TRIGGER IF EXISTS deals_version_update ON leads_deal", None)
        schema_editor.execute(
            f"""CREATE CONSTRAINT TRIGGER deals_version_update AFTER UPDATE ON leads_deal
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({changed})
                EXECUTE FUNCTION partnerportal_deals_version_bump()""", None)
    else:
        changed = " OR ".join(f"OLD.{f} IS NOT NEW.{f}" for f in fields)
        schema_editor.execute("DROP TRIGGER IF EXISTS deals_version_leads_deal_update", None)
        schema_editor.execute(
            f"CREATE TRIGGER deals_version_leads_deal_update AFTER UPDATE ON leads_deal "
            f"WHEN {changed} BEGIN {_SQLITE_BUMP} END", None)


def forwards(apps, schema_editor):
    _replace(schema_editor, AFTER)


def backwards(apps, schema_editor):
    _replace(schema_editor, BEFORE)


class Migration(migrations.Migration):
    dependencies = [("partnerportal", "0003_deals_version_names")]
    operations = [migrations.RunPython(forwards, backwards)]
