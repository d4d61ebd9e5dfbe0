"""The deals' data version (0002) also moves when a name the staff queue shows changes: an
organization's name or tier, a tier's name, a staff user's e-mail, user name or standing.
These change rarely; the queue then keeps its rows and its partner and assignee lists under
the same version as its counts."""

from django.db import migrations

# (table, columns whose change matters)
WATCHED = (
    ("partners_partnerorganization", ("name", "tier_id")),
    ("partners_tier", ("name",)),
    ("auth_user", ("email", "username", "is_active", "is_staff")),
)
_SQLITE_BUMP = ("INSERT INTO partnerportal_changeversion (name, value) VALUES "
                "('deals', abs(random()) % 1000000000000000) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1;")


def _postgres() -> list[str]:
    statements = []
    for table, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        statements += [
            f"""CREATE CONSTRAINT TRIGGER deals_version AFTER INSERT OR DELETE ON {table}
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                EXECUTE FUNCTION partnerportal_deals_version_bump()""",
            f"""CREATE CONSTRAINT TRIGGER deals_version_update AFTER UPDATE ON {table}
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({changed})
                EXECUTE FUNCTION partnerportal_deals_version_bump()""",
        ]
    return statements


def _sqlite() -> list[str]:
    statements = []
    for table, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        statements += [
            *[f"CREATE TRIGGER deals_version_{table}_{event.lower()} AFTER {event} ON {table} "
              f"BEGIN {_SQLITE_BUMP} END" for event in ("INSERT", "DELETE")],
            f"CREATE TRIGGER deals_version_{table}_update AFTER UPDATE ON {table} "
            f"WHEN {changed} BEGIN {_SQLITE_BUMP} END",
        ]
    return statements


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in _postgres() if postgres else _sqlite():
        schema_editor.execute(statement, None)


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for table, _columns in WATCHED:
        if postgres:
            for name in ("deals_version", "deals_version_update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}", None)
        else:
            for event in ("insert", "delete", "update"):
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS deals_version_{table}_{event}", None)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerportal", "0002_deals_version"),
        ("partners", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
