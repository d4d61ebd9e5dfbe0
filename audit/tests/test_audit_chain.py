"""The audit log is hash-chained, append-only in PostgreSQL, and verifiable."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.selectors import audit_chain_first_break
from audit.services import GENESIS_HASH, audit_record
from partners.tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _record(n: int, partner) -> list[AuditEvent]:
    events = []
    with transaction.atomic():
        for i in range(n):
            events.append(audit_record(actor=None, action="test.event", target=partner,
                                       after={"i": i, "amount": "10.50"}))
    return events


def test_each_event_links_to_the_one_before(partner_a):
    first, second, third = _record(3, partner_a)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit_chain_first_break() == (None, 3)


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction(partner_a):
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="test.event", target=partner_a)


def test_an_event_rolls_back_with_the_change_it_records(partner_a):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(actor=None, action="test.event", target=partner_a)
        1 / 0  # noqa: B018 - the change fails after its audit row was written
    assert not AuditEvent.objects.exists()


def test_verify_audit_reports_the_first_edited_event(partner_a):
    events = _record(4, partner_a)
    _tamper(f"UPDATE audit_auditevent SET reason = 'edited' WHERE id = {events[1].pk}")
    broken, checked = audit_chain_first_break()
    assert broken.pk == events[1].pk and checked == 2
    with pytest.raises(CommandError, match=f"#{events[1].pk}"):
        call_command("verify_audit")


def test_verify_audit_reports_a_deleted_event(partner_a):
    events = _record(3, partner_a)
    _tamper(f"DELETE FROM audit_auditevent WHERE id = {events[1].pk}")
    broken, _checked = audit_chain_first_break()
    assert broken.pk == events[2].pk


def test_verify_audit_passes_on_an_intact_log(partner_a, capsys):
    _record(2, partner_a)
    call_command("verify_audit")
    assert "2 events verified" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are PostgreSQL-only")
@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET reason = 'x'",
                                       "DELETE FROM audit_auditevent"])
def test_postgresql_refuses_to_change_or_delete_audit_rows(partner_a, statement):
    from django.db.utils import ProgrammingError

    _record(1, partner_a)
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), \
            transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


def _tamper(sql: str) -> None:
    """Change the log behind the application's back, as an attacker with DB access would."""
    if connection.vendor == "postgresql":
        import pgtrigger

        with pgtrigger.ignore("audit.AuditEvent:audit_append_only"), connection.cursor() as cursor:
            cursor.execute(sql)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_partner_admin_edits_in_django_admin_are_audited(staff_client, staff):
    staff.is_superuser = True
    staff.save()
    partner = PartnerFactory(name="Edited Partners")
    response = staff_client.post(
        f"/admin/partners/partnerorganization/{partner.pk}/change/",
        {"name": "Edited Partners", "tier": partner.tier_id, "program_status": "suspended",
         "partner_owner": "", "website": "", "country": "",
         "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
         "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000"},
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="admin.change")
    assert event.actor == staff
    assert event.before == {"program_status": "active"}
    assert event.after == {"program_status": "suspended"}
