"""Writing to the audit log. Call `audit_record` inside the caller's transaction."""

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import AuditEvent, PersonalValue
from audit.personal import split_personal
from partnerportal import request_context

GENESIS_HASH = "0" * 64
HASH_VERSION = 2
# Any fixed 64-bit number works; it only has to be the same for every writer.
_CHAIN_LOCK_KEY = 731_962_004


class AuditJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, plus str() for value objects such as countries and phone numbers."""

    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _canonical(value: Any) -> Any:
    """Round-trip through JSON so hashing sees exactly what the database stores."""
    return json.loads(json.dumps(value, cls=AuditJSONEncoder, sort_keys=True))


def event_hash(event: AuditEvent) -> str:
    """The hash of one event's content together with the previous event's hash.

    Version 2 payloads carry placeholders instead of personal values (`audit.personal`),
    and the version itself; version 1 is the format before personal values moved out.
    """
    payload = {
        "prev": event.prev_hash,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "partner_id": event.partner_id,
        "before": _canonical(event.before),
        "after": _canonical(event.after),
        "reason": event.reason,
        "request_id": event.request_id,
        "ip": event.ip,
    }
    version = getattr(event, "hash_version", 1) or 1
    if version >= 2:
        payload["v"] = version
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def _lock_chain() -> None:
    """Serialize appends so each event links to the one committed before it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    partner: Any = None,
) -> AuditEvent:
    """Append an audit event for `target`, linked to the newest event by hash.

    Must run inside the transaction that makes the change, so the change and its record
    commit or roll back together. Raises if called outside a transaction. Personal values
    in before/after (`audit.personal.PERSONAL_FIELDS`) are stored in PersonalValue rows,
    erasable, and only referenced from the hashed payload.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside transaction.atomic")
    _lock_chain()
    context = request_context.current()
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    user = actor if getattr(actor, "is_authenticated", False) else None
    if partner is None:
        partner = getattr(target, "partner", None)
    pending: list[dict] = []
    event = AuditEvent(
        created_at=timezone.now(),
        actor=user,
        actor_label=(user.email or user.get_username()) if user else "system",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        partner=partner,
        before=split_personal(_canonical(before or {}), pending),
        after=split_personal(_canonical(after or {}), pending),
        reason=reason,
        request_id=context.request_id,
        ip=context.ip,
        prev_hash=last or GENESIS_HASH,
        hash_version=HASH_VERSION,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    if pending:
        PersonalValue.objects.bulk_create(
            PersonalValue(event=event, subject_type=event.target_type,
                          subject_id=event.target_id, **item)
            for item in pending
        )
    return event


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """A JSON-ready dict of a model instance's concrete fields (for before/after)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = field.value_from_object(instance)
    return _canonical(data)


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, from each side."""
    keys = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
