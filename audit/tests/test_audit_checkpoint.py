"""verify_audit compares the live log with the last checkpoint of its head.

Each attack below leaves a hash chain that walks cleanly from genesis (the attacker
re-chains what is left), so only the checkpoint outside the database can tell.
"""

import json
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit.checkpoints import checkpoint_last, checkpoint_path
from audit.models import AuditEvent
from audit.selectors import audit_chain_first_break
from audit.services import GENESIS_HASH, audit_record, event_hash
from audit.tasks import audit_checkpoint_write_task
from audit.verification import audit_checkpoint_write, audit_verify
from partnerportal.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"


def _record(n: int, partner) -> list[AuditEvent]:
    with transaction.atomic():
        return [audit_record(actor=None, action="test.event", target=partner, after={"i": i})
                for i in range(n)]


def _owner_sql(sql: str) -> None:
    """What an attacker with the owner's access does (the application role cannot)."""
    if connection.vendor == "postgresql":
        import pgtrigger

        with pgtrigger.ignore("audit.AuditEvent:audit_append_only"), \
                connection.cursor() as cursor:
            cursor.execute(sql)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def _rechain_what_is_left() -> None:
    """Recompute every remaining event's links and hashes, so the chain walk passes."""
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id"):
        event.prev_hash = prev
        event.hash = prev = event_hash(event)
        _owner_sql(f"UPDATE audit_auditevent SET prev_hash = '{event.prev_hash}', "
                   f"hash = '{event.hash}' WHERE id = {event.pk}")
    assert audit_chain_first_break()[0] is None


def test_a_checkpoint_appends_the_head_to_the_file_and_logs_it(partner_a, caplog):
    events = _record(3, partner_a)
    with caplog.at_level(logging.INFO, logger="audit.checkpoints"):
        audit_checkpoint_write_task.delay()
    lines = checkpoint_path().read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert (record["head_id"], record["head_hash"], record["count"]) == (
        events[-1].pk, events[-1].hash, 3)
    assert f"head #{events[-1].pk} {events[-1].hash}" in caplog.text
    _record(1, partner_a)
    audit_checkpoint_write()
    assert len(checkpoint_path().read_text().splitlines()) == 2
    assert audit_verify().ok


def test_an_unchanged_head_is_logged_but_not_written_again(partner_a):
    _record(1, partner_a)
    audit_checkpoint_write()
    assert audit_checkpoint_write() is None
    assert len(checkpoint_path().read_text().splitlines()) == 1


def test_a_truncated_log_is_reported(partner_a):
    _record(3, partner_a)
    audit_checkpoint_write()
    _owner_sql("DELETE FROM audit_auditevent")
    with pytest.raises(CommandError, match="empty.*truncated"):
        call_command("verify_audit")


def test_a_log_shortened_at_its_end_is_reported(partner_a):
    events = _record(4, partner_a)
    audit_checkpoint_write()
    _owner_sql(f"DELETE FROM audit_auditevent WHERE id >= {events[2].pk}")
    assert audit_chain_first_break()[0] is None  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"ends at #{events[1].pk}.*shortened"):
        call_command("verify_audit")


def test_a_log_emptied_and_refilled_is_reported(partner_a):
    events = _record(2, partner_a)
    audit_checkpoint_write()
    _owner_sql("DELETE FROM audit_auditevent")
    _record(3, partner_a)  # new ids, a clean new chain from genesis
    assert audit_chain_first_break()[0] is None
    with pytest.raises(CommandError, match=f"#{events[-1].pk}.* is missing"):
        call_command("verify_audit")


def test_a_rewritten_and_rechained_log_is_reported(partner_a):
    events = _record(3, partner_a)
    audit_checkpoint_write()
    _owner_sql(f"UPDATE audit_auditevent SET reason = 'nothing happened' "
               f"WHERE id = {events[0].pk}")
    _rechain_what_is_left()
    with pytest.raises(CommandError, match=f"#{events[-1].pk} no longer has the hash.*rewritten"):
        call_command("verify_audit")


def test_an_event_deleted_before_the_head_and_rechained_is_reported(partner_a):
    events = _record(3, partner_a)
    audit_checkpoint_write()
    _owner_sql(f"DELETE FROM audit_auditevent WHERE id = {events[1].pk}")
    _rechain_what_is_left()
    result = audit_verify()
    assert not result.ok and "rewritten" in result.problems[0]


def test_a_damaged_log_is_never_checkpointed(partner_a, caplog):
    events = _record(3, partner_a)
    audit_checkpoint_write()
    _owner_sql(f"DELETE FROM audit_auditevent WHERE id = {events[2].pk}")
    _record(1, partner_a)
    with caplog.at_level(logging.ERROR, logger="audit.checkpoints"):
        assert audit_checkpoint_write() is None
    assert "not written" in caplog.text
    assert checkpoint_last()["head_id"] == events[2].pk


def test_a_broken_link_after_the_checkpoint_is_never_checkpointed(partner_a, caplog):
    _record(2, partner_a)
    audit_checkpoint_write()
    later = _record(2, partner_a)
    _owner_sql(f"UPDATE audit_auditevent SET reason = 'x' WHERE id = {later[0].pk}")
    with caplog.at_level(logging.ERROR, logger="audit.checkpoints"):
        assert audit_checkpoint_write() is None
    assert f"chain broken at event #{later[0].pk}" in caplog.text


def test_an_intact_log_verifies_against_its_checkpoint(partner_a, capsys):
    events = _record(2, partner_a)
    audit_checkpoint_write()
    _record(1, partner_a)  # events after the checkpoint are fine
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "3 events verified" in out and f"(head #{events[-1].pk})" in out


def test_a_torn_last_line_is_ignored(partner_a):
    _record(1, partner_a)
    record = audit_checkpoint_write()
    with checkpoint_path().open("a") as handle:
        handle.write('{"head_id": 99, "head_ha')
    assert checkpoint_last() == record


def test_beat_schedules_the_checkpoint_and_the_retention_sweep():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {"audit.tasks.audit_checkpoint_write_task",
            "audit.tasks.personal_data_retention_sweep_task"} <= tasks
