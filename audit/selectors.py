"""Reading the audit log, and checking it against its hash chain and last checkpoint."""

from django.db import models
from django.utils.translation import gettext as _

from audit.checkpoints import Head, checkpoint_last
from audit.labels import target_types
from audit.models import AuditEvent, PersonalValue
from audit.personal import join_personal, placeholders, value_digest
from audit.services import GENESIS_HASH, event_hash


def audit_trail_for(*, target: models.Model) -> list[AuditEvent]:
    """Every event about one object, oldest first, personal values filled back in.

    Events written before the object's model moved apps carry its old label
    (`audit.labels`) and are included. Erased values read "[erased]". The events are for
    display: do not save them.
    """
    events = list(
        AuditEvent.objects.filter(
            target_type__in=target_types(target), target_id=str(target.pk)
        ).select_related("actor").prefetch_related("personal_values")
    )
    erased = _("[erased]")
    for event in events:
        values = {pv.key: pv.value for pv in event.personal_values.all()
                  if pv.erased_at is None}
        if event.hash_version >= 2:
            event.before = join_personal(event.before, values, erased)
            event.after = join_personal(event.after, values, erased)
    return events


def audit_chain_first_break(*, batch_size: int = 2000) -> tuple[AuditEvent | None, int]:
    """Walk the whole chain in order; return the first broken event and how many were checked.

    An event is broken when its stored hash does not match its content, or when it does not
    point at the hash of the event before it.
    """
    return audit_chain_break_after(head=None, batch_size=batch_size)


def audit_chain_break_after(
    *, head: Head | None, until_id: int | None = None, batch_size: int = 2000
) -> tuple[AuditEvent | None, int]:
    """Like audit_chain_first_break, but only the events after a trusted `head` (and up to
    `until_id`, when given)."""
    expected_prev = head.hash if head else GENESIS_HASH
    events = AuditEvent.objects.order_by("id")
    if head is not None:
        events = events.filter(id__gt=head.id)
    if until_id is not None:
        events = events.filter(id__lte=until_id)
    checked = 0
    for event in events.iterator(chunk_size=batch_size):
        checked += 1
        if event.prev_hash != expected_prev or event_hash(event) != event.hash:
            return event, checked
        expected_prev = event.hash
    return None, checked


def audit_chain_head() -> Head | None:
    """The newest event and the number of events up to it; None for an empty log."""
    newest = AuditEvent.objects.order_by("-id").values("id", "hash").first()
    if newest is None:
        return None
    count = AuditEvent.objects.filter(id__lte=newest["id"]).count()
    return Head(id=newest["id"], hash=newest["hash"], count=count)


def audit_checkpoint_problem(checkpoint: dict | None = None) -> str | None:
    """What is wrong with the live log compared with the last checkpoint, or None.

    The checkpointed head must still be there with the same hash, with as many events up to
    it as then: a missing head means the log was emptied or shortened, a different hash that
    it was rewritten, fewer events that some were deleted.
    """
    checkpoint = checkpoint if checkpoint is not None else checkpoint_last()
    if checkpoint is None:
        return None
    head_id, at = checkpoint["head_id"], checkpoint.get("at", "?")
    row = AuditEvent.objects.filter(pk=head_id).values("hash").first()
    if row is None:
        newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        if newest is None:
            return (f"the audit log is empty, but the checkpoint of {at} recorded "
                    f"{checkpoint['count']} events up to #{head_id}: it was truncated")
        if newest < head_id:
            return (f"the audit log ends at #{newest}, before the checkpointed head #{head_id} "
                    f"of {at}: it was shortened")
        return f"event #{head_id}, the checkpointed head of {at}, is missing: it was deleted"
    if row["hash"] != checkpoint["head_hash"]:
        return (f"event #{head_id} no longer has the hash checkpointed at {at}: "
                "the log was rewritten")
    count = AuditEvent.objects.filter(id__lte=head_id).count()
    if count != checkpoint["count"]:
        return (f"{count} events up to #{head_id}, but {checkpoint['count']} at the "
                f"checkpoint of {at}: events were deleted")
    return None


def audit_personal_value_mismatches(*, batch_size: int = 2000) -> list[PersonalValue]:
    """Unerased personal values whose salted digest no longer matches their event."""
    bad = []
    rows = PersonalValue.objects.filter(erased_at__isnull=True).select_related("event")
    for pv in rows.order_by("id").iterator(chunk_size=batch_size):
        expected = {**placeholders(pv.event.before), **placeholders(pv.event.after)}
        if expected.get(pv.key) != value_digest(pv.salt, pv.value):
            bad.append(pv)
    return bad
