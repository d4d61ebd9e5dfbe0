"""Celery tasks for deals: thin wrappers that load ids and call one service."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from leads.choices import DealStatus
from leads.models import Deal
from leads.services import deal_screening_run

logger = logging.getLogger(__name__)

# A deal still `submitted` this long after submit missed its task (broker down at submit);
# one `screening` this long after its start lost its worker. The sweep queues both again.
SUBMITTED_GRACE = timedelta(seconds=30)
SCREENING_STALE = timedelta(minutes=5)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def deal_screening_run_task(self, deal_id: int) -> bool:
    """Screen one deal. Safe to run twice: the service claims the deal first."""
    return deal_screening_run(deal_id=deal_id)


@shared_task(acks_late=True, time_limit=120)
def deal_screening_sweep_task() -> int:
    """Queue screening again for deals whose task was lost. Returns how many were queued."""
    now = timezone.now()
    stuck = list(
        Deal.objects.filter(status=DealStatus.SUBMITTED, submitted_at__lt=now - SUBMITTED_GRACE)
        .values_list("pk", flat=True)[:500]
    ) + list(
        Deal.objects.filter(
            status=DealStatus.SCREENING, screening_started_at__lt=now - SCREENING_STALE
        ).values_list("pk", flat=True)[:500]
    )
    for deal_id in stuck:
        deal_screening_run_task.delay(deal_id)
    if stuck:
        logger.info("Re-queued screening for %d deals", len(stuck))
    return len(stuck)
