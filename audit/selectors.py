"""Reading the audit log."""

from django.db import models
from django.db.models import QuerySet

from audit.models import AuditEvent
from audit.services import GENESIS_HASH, event_hash


def audit_trail_for(*, target: models.Model) -> QuerySet[AuditEvent]:
    """Every event about one object, oldest first."""
    return AuditEvent.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")


def audit_chain_first_break(*, batch_size: int = 2000) -> tuple[AuditEvent | None, int]:
    """Walk the whole chain in order; return the first broken event and how many were checked.

    An event is broken when its stored hash does not match its content, or when it does not
    point at the hash of the event before it.
    """
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        checked += 1
        if event.prev_hash != expected_prev or event_hash(event) != event.hash:
            return event, checked
        expected_prev = event.hash
    return None, checked
