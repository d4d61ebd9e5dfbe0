"""Moving personal values out of existing events and re-chaining them (migration 0002).

Runs as the owner role (migrations do). Works on the historical models it is given. Records
the old and the new chain head in the checkpoint file and in an `audit.rechain` event; if
the old chain was already broken, the first broken event is recorded too, so re-chaining
never hides earlier tampering.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.checkpoints import Head, checkpoint_append
from audit.db_roles import render, role_sql
from audit.personal import split_personal
from audit.services import GENESIS_HASH, event_hash

_FIELDS = ["before", "after", "hash_version", "prev_hash", "hash"]


def _old_chain(AuditEvent, db: str) -> tuple[dict, int | None]:
    """The stored head, and the first event whose old hash does not verify (or None)."""
    expected, first_break, head = GENESIS_HASH, None, None
    for event in AuditEvent.objects.using(db).order_by("id").iterator(chunk_size=1000):
        if first_break is None and (event.prev_hash != expected
                                    or event_hash(event) != event.hash):
            first_break = event.pk
        expected = event.hash
        head = {"head_id": event.pk, "head_hash": event.hash}
    return head, first_break


def rechain_personal_values(apps, schema_editor) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    PersonalValue = apps.get_model("audit", "PersonalValue")
    connection, db = schema_editor.connection, schema_editor.connection.alias
    if not AuditEvent.objects.using(db).exists():
        return
    old_head, first_break = _old_chain(AuditEvent, db)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # ALTER TABLE refuses while deferred FK checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    prev, last_id, events, values = GENESIS_HASH, 0, 0, 0
    while True:
        batch = list(AuditEvent.objects.using(db).filter(id__gt=last_id).order_by("id")[:500])
        if not batch:
            break
        personal = []
        for event in batch:
            pending: list[dict] = []
            if event.hash_version < 2:
                event.before = split_personal(event.before, pending)
                event.after = split_personal(event.after, pending)
                event.hash_version = 2
            event.prev_hash = prev
            event.hash = prev = event_hash(event)
            personal += [PersonalValue(event_id=event.pk, subject_type=event.target_type,
                                       subject_id=event.target_id, **item) for item in pending]
        AuditEvent.objects.using(db).bulk_update(batch, _FIELDS)
        PersonalValue.objects.using(db).bulk_create(personal)
        events, values, last_id = events + len(batch), values + len(personal), batch[-1].pk
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    new_head = {"head_id": last_id, "head_hash": prev}
    record = AuditEvent(
        created_at=timezone.now(), actor_label="system", action="audit.rechain",
        target_type="audit.auditevent", target_id=str(last_id),
        target_repr=f"audit log up to #{last_id}",
        before={**old_head, "hash_version": 1, "first_break": first_break},
        after={**new_head, "hash_version": 2, "events": events, "personal_values": values},
        reason="migration audit 0002: personal values moved out of the hashed payload",
        prev_hash=prev, hash_version=2,
    )
    record.hash = event_hash(record)
    record.save(using=db)
    head = Head(id=record.pk, hash=record.hash, count=events + 1)
    extra = {"old_head": old_head, "new_head": new_head, "old_first_break": first_break}
    transaction.on_commit(lambda: checkpoint_append(head=head, kind="rechain", extra=extra),
                          using=db)


def lock_down_audit_tables(apps, schema_editor) -> None:
    """Take UPDATE/DELETE/TRUNCATE on the audit tables from the application role, if any.

    bin/db-roles does the same; doing it here too makes the order of the two irrelevant.
    """
    connection = schema_editor.connection
    role = getattr(settings, "DATABASE_APP_USER", "")
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, EXISTS (SELECT FROM pg_roles WHERE rolname = %s)",
                       [role])
        current, exists = cursor.fetchone()
        if not exists or current == role:
            return
        sql = render(role_sql(lockdown_only=True),
                     {"app_role": role, "app_password": ""}, connection.connection)
        cursor.execute(sql)
