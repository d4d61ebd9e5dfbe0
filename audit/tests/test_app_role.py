"""As the application's role (bin/db-roles), the audit log cannot be changed or emptied.

PostgreSQL only. The suite itself runs as the owner; these tests run bin/db-roles against
the test database (and, for the before-migrate order, a scratch database) and connect as
the application role, as an attacker holding the application's connection would.
"""

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from audit import db_roles
from audit.erasure import personal_data_erase
from audit.models import AuditEvent, PersonalValue
from audit.services import audit_record
from leads.tests.factories import DealFactory
from partners.tests.factories import StaffFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL-only"),
    pytest.mark.django_db(transaction=True),
]
BASE_DIR = Path(settings.BASE_DIR)
APP_PASSWORD = "app-role-test-pw/1"


def _url(user: str, password: str, database: str) -> str:
    db = connection.settings_dict
    secret = f":{quote(password, safe='')}" if password else ""
    return (f"postgres://{quote(user, safe='')}{secret}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{database}")


def _role() -> str:
    return f"{connection.settings_dict['NAME']}_app"[:63]


def _owner_url(database: str) -> str:
    db = connection.settings_dict
    return _url(db.get("USER") or "postgres", db.get("PASSWORD") or "", database)


@pytest.fixture
def app_role(db) -> str:
    """The application role, with bin/db-roles' grants on the (migrated) test database."""
    name = connection.settings_dict["NAME"]
    db_roles.apply(owner_url=_owner_url(name), app_url=_url(_role(), APP_PASSWORD, name))
    return _role()


def _app_connect(database: str | None = None):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
        dbname=database or db["NAME"], user=_role(), password=APP_PASSWORD, autocommit=True,
    )


@contextlib.contextmanager
def as_app_role():
    """Django's own connection, as the application role, for the duration of the block."""
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=_role(), PASSWORD=APP_PASSWORD)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _record_events(partner) -> None:
    with transaction.atomic():
        audit_record(actor=None, action="test.event", target=partner,
                     after={"contact_email": "erika@customer.test"})
        audit_record(actor=None, action="test.event", target=partner, after={"i": 2})


ATTACKS = [
    "UPDATE audit_auditevent SET reason = 'rewritten'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent CASCADE",
    "TRUNCATE audit_personalvalue",
    "SET session_replication_role = replica",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER pgtrigger_audit_append_only_f6eda",
    "DROP TABLE audit_auditevent CASCADE",
    "SELECT setval('audit_auditevent_id_seq', 1)",
    "DELETE FROM audit_personalvalue",
    "UPDATE audit_personalvalue SET field = 'contact_name'",
    "CREATE TABLE public.audit_shadow (id int)",
]


@pytest.mark.parametrize("statement", ATTACKS)
def test_the_application_role_cannot_change_empty_or_unprotect_the_audit_log(
    app_role, partner_a, statement
):
    import psycopg

    _record_events(partner_a)
    with _app_connect() as app, pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(statement)
    assert AuditEvent.objects.count() == 2
    assert PersonalValue.objects.count() == 1


def test_switching_the_trigger_off_by_its_own_setting_still_leaves_no_privilege(
    app_role, partner_a
):
    """pgtrigger honours `SET pgtrigger.ignore`, which any role may set: privileges hold."""
    import psycopg

    _record_events(partner_a)
    with _app_connect() as app, pytest.raises(psycopg.errors.InsufficientPrivilege):
        with app.transaction():
            app.execute("SET LOCAL pgtrigger.ignore = '{pgtrigger_audit_append_only_f6eda}'")
            app.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 2


def test_the_application_role_owns_nothing_and_is_no_superuser(app_role):
    with _app_connect() as app:
        superuser, = app.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                                 ).fetchone()
        owned, = app.execute("SELECT count(*) FROM pg_class WHERE relowner = "
                             "(SELECT oid FROM pg_roles WHERE rolname = current_user)").fetchone()
    assert (superuser, owned) == (False, 0)


def test_as_the_application_role_audit_record_appends_erasure_works_and_the_chain_verifies(
    app_role, partner_a, capsys
):
    staff = StaffFactory()
    deal = DealFactory(partner=partner_a, created_by=staff)
    with as_app_role():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        with transaction.atomic():
            audit_record(actor=None, action="deal.test", target=deal,
                         after={"contact_name": deal.contact_name, "status": deal.status})
        summary = personal_data_erase(actor=staff, deal=deal, reason="the contact asked")
        call_command("verify_audit")
    assert summary["audit_values"] == 1
    assert "2 events verified" in capsys.readouterr().out
    assert PersonalValue.objects.get().erased_at is not None


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=BASE_DIR, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def _privileges(database: str) -> dict[str, bool]:
    checks = {
        "audit insert": "has_table_privilege(r, 'audit_auditevent', 'INSERT')",
        "audit update": "has_table_privilege(r, 'audit_auditevent', 'UPDATE')",
        "audit delete": "has_table_privilege(r, 'audit_auditevent', 'DELETE')",
        "audit truncate": "has_table_privilege(r, 'audit_auditevent', 'TRUNCATE')",
        "values delete": "has_table_privilege(r, 'audit_personalvalue', 'DELETE')",
        "values erase": "has_column_privilege(r, 'audit_personalvalue', 'value', 'UPDATE')",
        "values move": "has_column_privilege(r, 'audit_personalvalue', 'event_id', 'UPDATE')",
        "deal update": "has_table_privilege(r, 'leads_deal', 'UPDATE')",
        "deal truncate": "has_table_privilege(r, 'leads_deal', 'TRUNCATE')",
        "sequence": "has_sequence_privilege(r, 'leads_deal_id_seq', 'USAGE')",
    }
    with _app_connect(database) as app:
        row = app.execute("SELECT " + ", ".join(checks.values()) + " FROM (SELECT "
                          "current_user::text AS r) AS me").fetchone()
    return dict(zip(checks, row, strict=True))


EXPECTED = {"audit insert": True, "audit update": False, "audit delete": False,
            "audit truncate": False, "values delete": False, "values erase": True,
            "values move": False, "deal update": True, "deal truncate": False,
            "sequence": True}


def test_db_roles_after_migrate_grants_the_app_what_it_needs_and_no_more(app_role):
    assert _privileges(connection.settings_dict["NAME"]) == EXPECTED


def test_db_roles_before_migrate_then_migrate_gives_the_same_grants_and_runs_twice():
    """The order bin/db-roles, migrate (tables made later get default privileges, and the
    audit migration takes UPDATE/DELETE/TRUNCATE on its tables away again)."""
    import psycopg

    scratch = f"{connection.settings_dict['NAME']}_roles"[:63]
    owner = _owner_url("postgres")
    with psycopg.connect(db_roles._libpq_url(owner), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = {"DATABASE_URL": _url(_role(), APP_PASSWORD, scratch),
               "DATABASE_MIGRATE_URL": _owner_url(scratch),
               "DJANGO_SETTINGS_MODULE": "partnerportal.settings.test"}
        assert "append-only" in _run([str(BASE_DIR / "bin" / "db-roles")], env)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        assert _privileges(scratch) == EXPECTED
        _run([str(BASE_DIR / "bin" / "db-roles")], env)
        assert _privileges(scratch) == EXPECTED
    finally:
        with psycopg.connect(db_roles._libpq_url(owner), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
