"""Two more data versions (`partnerportal.versions`), kept by the database like "deals":

- "deal_rows": every column of every deal, and the deals' products. The deal API list keeps
  its pages under it.
- "deal_pages": every table the deal pages (the staff's review page and the partner's deal
  page) read: the deal and everything shown with it (screening results, matches and the
  records they point to, tasks, decisions, questions, extension requests, credit lines,
  outcome reports, the audit trail, the people, memberships and roles named, the program
  rules). The pages keep their rendered bodies under it (`partnerportal.page_cache`). A
  test per page renders it and fails when it reads a table no trigger watches
  (`reviews/tests/test_staff_deal_page_cache.py`, `leads/tests/test_deal_page_cache.py`).

One trigger function serves every version: the version's name is the trigger's argument.
As in 0002, the triggers are deferred constraint triggers, so a version moves once per
committing transaction (a flag local to the transaction, one per version), never before
the change itself is visible. A user's sign-in (`last_login`) or password change moves
neither version: only the columns the page shows are watched on `auth_user`.
"""

from django.db import migrations

DEAL_ROWS = ("leads_deal", "leads_deal_products", "leads_product")
DEAL_PAGES = (
    *DEAL_ROWS,
    "leads_dealquestion", "leads_stoprulehit", "leads_screeningstep", "leads_duplicatematch",
    "leads_qualificationsummary", "distribution_vendorlead", "leads_account", "leads_opportunity",
    "leads_contact",
    "reviews_reviewtask", "reviews_decision", "reviews_rejectionreason",
    "reviews_extensionrequest",
    "attribution_conflictcase", "attribution_dispute", "attribution_attribution",
    "distribution_outcomereport",
    "audit_auditevent", "audit_personalvalue",
    "partners_partnerorganization", "partners_tier", "partners_programrules",
    "partners_membership",
    "auth_group", "auth_user_groups", "auth_user",
)
VERSIONS = {"deal_rows": DEAL_ROWS, "deal_pages": DEAL_PAGES}
# Tables of which only some columns are shown: (columns whose change matters).
COLUMNS = {"auth_user": ("email", "username", "first_name", "last_name", "is_active",
                         "is_staff", "is_superuser")}

FUNCTION = """
CREATE FUNCTION partnerportal_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'partnerportal.bumped_' || TG_ARGV[0];
BEGIN
    IF current_setting(flag, true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config(flag, 'on', true);
    INSERT INTO partnerportal_changeversion (name, value)
    VALUES (TG_ARGV[0], floor(random() * 1e15))
    ON CONFLICT (name) DO UPDATE SET value = partnerportal_changeversion.value + 1;
    RETURN NULL;
END $$
"""


def _postgres(name: str, table: str) -> list[str]:
    trigger = f"version_{name}"
    bump = f"EXECUTE FUNCTION partnerportal_version_bump('{name}')"
    columns = COLUMNS.get(table)
    if columns is None:
        row = [f"""CREATE CONSTRAINT TRIGGER {trigger} AFTER INSERT OR UPDATE OR DELETE
                   ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {bump}"""]
    else:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        row = [f"""CREATE CONSTRAINT TRIGGER {trigger} AFTER INSERT OR DELETE ON {table}
                   DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {bump}""",
               f"""CREATE CONSTRAINT TRIGGER {trigger}_update AFTER UPDATE ON {table}
                   DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({changed}) {bump}"""]
    return [*row, f"""CREATE TRIGGER {trigger}_truncate AFTER TRUNCATE ON {table}
                      FOR EACH STATEMENT {bump}"""]


def _sqlite(name: str, table: str) -> list[str]:
    bump = (f"INSERT INTO partnerportal_changeversion (name, value) VALUES "
            f"('{name}', abs(random()) % 1000000000000000) "
            f"ON CONFLICT (name) DO UPDATE SET value = value + 1;")
    columns = COLUMNS.get(table)
    when = "" if columns is None else "WHEN " + " OR ".join(
        f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return [f"CREATE TRIGGER version_{name}_{table}_{event.lower()} AFTER {event} ON {table} "
            f"{when if event == 'UPDATE' else ''} BEGIN {bump} END"
            for event in ("INSERT", "UPDATE", "DELETE")]


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    statements = [FUNCTION] if postgres else []
    for name, tables in VERSIONS.items():
        statements.append(
            "INSERT INTO partnerportal_changeversion (name, value) VALUES "
            f"('{name}', {'floor(random() * 1e15)' if postgres else 'abs(random()) % 1000000000000000'})")
        for table in tables:
            statements += _postgres(name, table) if postgres else _sqlite(name, table)
    for statement in statements:
        schema_editor.execute(statement, None)


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, tables in VERSIONS.items():
        for table in tables:
            if postgres:
                for suffix in ("", "_update", "_truncate"):
                    schema_editor.execute(
                        f"DROP TRIGGER IF EXISTS version_{name}{suffix} ON {table}", None)
            else:
                for event in ("insert", "update", "delete"):
                    schema_editor.execute(
                        f"DROP TRIGGER IF EXISTS version_{name}_{table}_{event}", None)
        schema_editor.execute(
            f"DELETE FROM partnerportal_changeversion WHERE name = '{name}'", None)
    if postgres:
        schema_editor.execute("DROP FUNCTION IF EXISTS partnerportal_version_bump()", None)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerportal", "0004_deals_version_company_name"),
        ("leads", "0014_deal_list_order_indexes"),
        ("crm", "0001_initial"),
        ("reviews", "0004_conflict_tasks_into_cases"),
        ("attribution", "0001_conflict_cases_attribution_commissions"),
        ("distribution", "0004_outcome_report_recent_index"),
        ("audit", "0002_personal_values"),
        ("partners", "0009_profile_matching_term_bits"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
