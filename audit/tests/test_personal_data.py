"""Personal values live outside the hashed payload; erasing them keeps the chain verifying."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from audit.checkpoints import checkpoint_path
from audit.erasure import personal_data_erase, personal_data_retention_sweep
from audit.models import AuditEvent, PersonalValue
from audit.personal import PLACEHOLDER_KEY
from audit.rechain import rechain_personal_values
from audit.selectors import audit_chain_first_break, audit_trail_for
from audit.services import GENESIS_HASH, audit_record, event_hash
from audit.verification import audit_checkpoint_write, audit_verify
from leads.choices import DealStatus
from leads.models import Deal, DealStatusChange
from leads.tests.factories import DealFactory
from partnerportal.exceptions import NotAllowed
from partners.selectors import program_rules_get

pytestmark = pytest.mark.django_db

EMAIL = "erika.mustermann@customer.test"


@pytest.fixture(autouse=True)
def _checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"


@pytest.fixture
def deal(partner_a, admin_a):
    return DealFactory(partner=partner_a, created_by=admin_a, status=DealStatus.REJECTED,
                       contact_email=EMAIL, raw_input={"contact_email": EMAIL,
                                                       "company_name": "Customer GmbH"})


def _log_deal(deal, **after) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=None, action="deal.test", target=deal, after=after)


def test_personal_values_are_kept_out_of_the_hashed_payload(deal):
    event = _log_deal(deal, contact_email=EMAIL, status="draft", contact_title="",
                      raw_input={"contact_email": EMAIL, "company_name": "Customer GmbH"})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert EMAIL not in json.dumps([stored.before, stored.after])
    assert stored.hash_version == 2
    assert stored.after["status"] == "draft" and stored.after["contact_title"] == ""
    assert stored.after["raw_input"]["company_name"] == "Customer GmbH"
    assert set(stored.after["contact_email"]) == {PLACEHOLDER_KEY, "sha256"}
    assert [(pv.field, pv.value) for pv in stored.personal_values.all()] == [
        ("contact_email", EMAIL), ("contact_email", EMAIL)]
    assert audit_verify().ok


def test_the_audit_trail_reads_the_values_back(deal):
    _log_deal(deal, contact_email=EMAIL, status="draft")
    [event] = audit_trail_for(target=deal)
    assert event.after == {"contact_email": EMAIL, "status": "draft"}


def test_erasing_a_contact_blanks_the_deal_and_the_logged_values_and_the_chain_verifies(
    deal, staff
):
    _log_deal(deal, contact_email=EMAIL, contact_phone="+49 30 123456")
    audit_checkpoint_write()
    summary = personal_data_erase(actor=staff, deal=deal, reason="the contact asked, #123")
    deal.refresh_from_db()
    assert (deal.contact_name, deal.contact_title, deal.contact_email, deal.contact_phone,
            deal.norm_email, deal.norm_phone) == ("", "", "", "", "", "")
    assert deal.raw_input == {"contact_email": "", "company_name": "Customer GmbH"}
    assert summary["audit_values"] == 2 and "contact_email" in summary["fields"]
    assert not PersonalValue.objects.filter(erased_at__isnull=True).exists()
    assert not PersonalValue.objects.exclude(value=None).exists()
    erase = AuditEvent.objects.get(action="deal.personal_data_erase")
    assert erase.actor == staff and erase.reason == "the contact asked, #123"
    assert erase.after["raw_input"] == ["contact_email"]
    assert EMAIL not in json.dumps([erase.before, erase.after])
    first = audit_trail_for(target=deal)[0]
    assert first.after == {"contact_email": "[erased]", "contact_phone": "[erased]"}
    result = audit_verify()
    assert result.ok, result.problems
    call_command("verify_audit")


def test_erasing_twice_erases_nothing_more(deal, staff):
    _log_deal(deal, contact_email=EMAIL)
    personal_data_erase(actor=staff, deal=deal, reason="asked")
    again = personal_data_erase(actor=staff, deal=deal, reason="asked again")
    assert again == {"fields": [], "raw_input": [], "audit_values": 0}
    assert audit_verify().ok


def test_only_staff_erase_and_only_with_a_reason(deal, staff, admin_a):
    with pytest.raises(NotAllowed):
        personal_data_erase(actor=admin_a, deal=deal, reason="mine")
    with pytest.raises(ValidationError) as error:
        personal_data_erase(actor=staff, deal=deal, reason="  ")
    assert "reason" in error.value.message_dict
    assert Deal.objects.get(pk=deal.pk).contact_email == EMAIL


def test_erase_contact_command(deal, capsys):
    _log_deal(deal, contact_name="Erika Mustermann")
    call_command("erase_contact", "--deal", str(deal.pk), "--reason", "ticket 42")
    assert "1 audit values" in capsys.readouterr().out
    assert AuditEvent.objects.get(action="deal.personal_data_erase").reason == "ticket 42"
    with pytest.raises(CommandError, match="No deal with id 999999"):
        call_command("erase_contact", "--deal", "999999", "--reason", "x")
    with pytest.raises(CommandError, match="Say why"):
        call_command("erase_contact", "--deal", str(deal.pk), "--reason", " ")


def test_a_changed_personal_value_is_reported(deal):
    event = _log_deal(deal, contact_email=EMAIL)
    pv = event.personal_values.get()
    sql = f"UPDATE audit_personalvalue SET value = '\"someone@else.test\"' WHERE id = {pv.pk}"
    if connection.vendor == "postgresql":
        import pgtrigger

        with pgtrigger.ignore("audit.PersonalValue:personal_value_erase_only"), \
                connection.cursor() as cursor:
            cursor.execute(sql)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    result = audit_verify()
    assert not result.ok and f"of event #{event.pk} does not match" in result.problems[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are PostgreSQL-only")
@pytest.mark.parametrize("change", ["field = 'contact_name'", "value = '\"x\"'",
                                    "erased_at = now()"])
def test_postgresql_allows_a_personal_value_only_to_be_erased(deal, change):
    from django.db.utils import InternalError, ProgrammingError

    pv = _log_deal(deal, contact_email=EMAIL).personal_values.get()
    with pytest.raises((ProgrammingError, InternalError)), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_personalvalue SET {change} WHERE id = {pv.pk}")
    with pytest.raises((ProgrammingError, InternalError)), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM audit_personalvalue WHERE id = {pv.pk}")


def _closed(deal, status: str, days_ago: int) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    Deal.objects.filter(pk=deal.pk).update(status=status, decided_at=at, withdrawn_at=at)
    DealStatusChange.objects.create(deal=deal, partner=deal.partner, from_status="in_review",
                                    to_status=status, at=at)


def test_retention_erases_contacts_of_deals_closed_longer_ago_than_the_program_says(
    partner_a, admin_a
):
    rules = program_rules_get()
    months = getattr(rules, "contact_retention_months", 24)
    old = {status: DealFactory(partner=partner_a, created_by=admin_a)
           for status in (DealStatus.REJECTED, DealStatus.WITHDRAWN, DealStatus.EXPIRED)}
    for status, deal in old.items():
        _log_deal(deal, contact_email=deal.contact_email)
        _closed(deal, status, days_ago=31 * months + 5)
    recent = DealFactory(partner=partner_a, created_by=admin_a)
    _closed(recent, DealStatus.REJECTED, days_ago=28 * months - 40)
    accepted = DealFactory(partner=partner_a, created_by=admin_a)
    _closed(accepted, DealStatus.ACCEPTED, days_ago=31 * months + 5)

    assert personal_data_retention_sweep() == 3
    for deal in old.values():
        deal.refresh_from_db()
        assert deal.contact_email == "" and deal.contact_name == ""
    assert Deal.objects.get(pk=recent.pk).contact_email != ""
    assert Deal.objects.get(pk=accepted.pk).contact_email != ""
    assert not PersonalValue.objects.filter(erased_at__isnull=True).exists()
    erase = AuditEvent.objects.filter(action="deal.personal_data_erase").first()
    assert erase.actor is None and f"{months} months" in erase.reason
    assert personal_data_retention_sweep() == 0
    assert audit_verify().ok


def _v1_event(prev: str, partner, **after) -> AuditEvent:
    """An event as written before hash format 2: personal values inside the payload."""
    event = AuditEvent(created_at=timezone.now(), actor_label="system", action="deal.v1",
                       target_type="leads.deal", target_id="7", target_repr="DR-000007",
                       partner=partner, before={}, after=after, prev_hash=prev,
                       hash_version=1)
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event


def _migrate_rechain(capture) -> None:
    """Run the data migration's function (its only use of schema_editor is .connection)."""
    with capture(execute=True):
        rechain_personal_values(apps, SimpleNamespace(connection=connection))


def test_the_migration_moves_old_personal_values_out_and_rechains(
    partner_a, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        first = _v1_event(GENESIS_HASH, partner_a, contact_email=EMAIL, status="draft")
        second = _v1_event(first.hash, partner_a, answer="Budget is approved",
                           raw_input={"contact_phone": "+49 30 1"})
    old_head = second.hash
    assert audit_chain_first_break()[0] is None
    _migrate_rechain(django_capture_on_commit_callbacks)

    events = list(AuditEvent.objects.order_by("id"))
    assert [e.hash_version for e in events] == [2, 2, 2]
    assert EMAIL not in json.dumps([e.after for e in events[:2]])
    assert {pv.field: pv.value for pv in PersonalValue.objects.all()} == {
        "contact_email": EMAIL, "answer": "Budget is approved", "contact_phone": "+49 30 1"}
    record = events[-1]
    assert record.action == "audit.rechain"
    assert record.before["head_hash"] == old_head and record.before["first_break"] is None
    assert record.after["head_hash"] == events[1].hash and record.after["personal_values"] == 3
    line = json.loads(checkpoint_path().read_text().splitlines()[-1])
    assert line["kind"] == "rechain" and line["old_head"]["head_hash"] == old_head
    assert (line["head_id"], line["head_hash"]) == (record.pk, record.hash)
    result = audit_verify()
    assert result.ok, result.problems


def test_the_migration_records_an_old_chain_that_was_already_broken(
    partner_a, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        first = _v1_event(GENESIS_HASH, partner_a, status="draft")
        _v1_event("f" * 64, partner_a, status="submitted")
    _migrate_rechain(django_capture_on_commit_callbacks)
    record = AuditEvent.objects.get(action="audit.rechain")
    assert record.before["first_break"] == first.pk + 1
