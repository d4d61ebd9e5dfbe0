"""Verifying the audit log, and the scheduled checkpoint that makes shortening detectable."""

import logging
from dataclasses import dataclass, field

from audit.checkpoints import Head, checkpoint_append, checkpoint_last
from audit.selectors import (
    audit_chain_break_after,
    audit_chain_head,
    audit_checkpoint_problem,
    audit_personal_value_mismatches,
)

logger = logging.getLogger("audit.checkpoints")


@dataclass
class Verification:
    """The outcome of `audit_verify`: events checked, and each problem found, in words."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    checkpoint: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify() -> Verification:
    """Walk the whole chain, compare it with the last checkpoint, check personal values."""
    result = Verification(checkpoint=checkpoint_last())
    broken, result.checked = audit_chain_break_after(head=None)
    if broken is not None:
        result.problems.append(
            f"chain broken at event #{broken.pk} ({broken.created_at:%Y-%m-%d %H:%M:%S} "
            f"{broken.action} {broken.target_type}:{broken.target_id}) after "
            f"{result.checked - 1} good events"
        )
    problem = audit_checkpoint_problem(result.checkpoint)
    if problem:
        result.problems.append(problem)
    for pv in audit_personal_value_mismatches():
        result.problems.append(
            f"personal value {pv.key} ({pv.field}) of event #{pv.event_id} does not match "
            "the digest in its event"
        )
    return result


def audit_checkpoint_write(*, kind: str = "scheduled") -> dict | None:
    """Checkpoint the chain head, after checking the events since the last checkpoint.

    Never blesses a damaged log: when the last checkpoint no longer matches, or an event
    since then is broken, nothing is written and the problem is logged as an error. An
    unchanged head is only logged. Returns the checkpoint written, if any.
    """
    last = checkpoint_last()
    problem = audit_checkpoint_problem(last)
    if problem:
        logger.error("audit checkpoint not written: %s", problem)
        return None
    head = audit_chain_head()
    if head is None:
        logger.info("audit checkpoint: the audit log is empty")
        return None
    trusted = Head(id=last["head_id"], hash=last["head_hash"], count=last["count"]) \
        if last else None
    broken, _checked = audit_chain_break_after(head=trusted, until_id=head.id)
    if broken is not None:
        logger.error("audit checkpoint not written: chain broken at event #%s", broken.pk)
        return None
    if last and last["head_id"] == head.id:
        logger.info("audit checkpoint: head #%s %s unchanged", head.id, head.hash)
        return None
    return checkpoint_append(head=head, kind=kind)
