"""State changes for review tasks."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from partners.models import ProgramRules
from reviews.choices import TaskStatus
from reviews.models import ReviewTask


def review_task_open(*, deal, kind: str, rules: ProgramRules, note: str = "") -> ReviewTask:
    """Open a task of `kind` on `deal` for the partner's owner, due within the review SLA.

    Idempotent: when an open task of that kind exists it is returned unchanged (a partial
    unique constraint guarantees one, even when two workers race).
    """
    existing = ReviewTask.objects.filter(deal=deal, kind=kind, status=TaskStatus.OPEN).first()
    if existing is not None:
        return existing
    task = ReviewTask(
        kind=kind, deal=deal, partner_id=deal.partner_id,
        assignee_id=deal.partner.partner_owner_id,
        due_at=timezone.now() + timedelta(hours=rules.review_sla_hours), note=note,
    )
    try:
        with transaction.atomic():
            task.save()
            audit_record(actor=None, action="review_task.open", target=task, partner=deal.partner,
                         after={"kind": kind, "deal": deal.pk, "assignee": task.assignee_id,
                                "due_at": task.due_at})
    except IntegrityError:
        return ReviewTask.objects.get(deal=deal, kind=kind, status=TaskStatus.OPEN)
    return task
