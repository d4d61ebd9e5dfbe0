"""Celery tasks for deals: thin wrappers that load ids and call one service."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from leads.choices import DealStatus, StepStatus
from leads.models import Deal, ScreeningStep
from leads.screening import deal_screening_run, screening_claim_expired_before

logger = logging.getLogger(__name__)

# A step that failed this often is left for a person (it shows as failed on the staff page).
MAX_STEP_ATTEMPTS = 5


def deal_screening_queue(deal_id: int) -> bool:
    """Send the screening task; with the broker down, log and leave it to the sweep.

    Runs after the submit's transaction committed, so a failure here loses nothing: the
    deal stays `submitted` and `deal_screening_sweep_task` queues it when the broker is back.
    """
    try:
        deal_screening_run_task.delay(deal_id)
    except Exception:  # kombu/redis raise several unrelated types for "broker unreachable"
        logger.warning("Could not queue screening of deal %s; the sweep will retry", deal_id,
                       exc_info=True)
        return False
    return True


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
    """Queue screening again for deals whose task was lost. Returns how many were queued.

    Lost means: still `submitted` SCREENING_SWEEP_SUBMITTED_SECONDS after submit (broker
    down at submit), or in `screening` with every step claim expired, i.e. no step started
    within SCREENING_SWEEP_STALE_SECONDS (worker killed). A live worker's deal is left
    alone; a queued deal that another copy already finished is a no-op (the claim).
    Beat runs this every 30 s, and every worker queues it when it starts.
    """
    now = timezone.now()
    submitted_before = now - timedelta(seconds=settings.SCREENING_SWEEP_SUBMITTED_SECONDS)
    expired_before = screening_claim_expired_before()
    live_claim = ScreeningStep.objects.filter(deal=OuterRef("pk"), started_at__gte=expired_before)
    given_up = ScreeningStep.objects.filter(
        deal=OuterRef("pk"), status=StepStatus.FAILED, attempts__gte=MAX_STEP_ATTEMPTS)
    stuck = list(
        Deal.objects.filter(status=DealStatus.SUBMITTED, submitted_at__lt=submitted_before)
        .values_list("pk", flat=True)[:500]
    ) + list(
        Deal.objects.filter(status=DealStatus.SCREENING, screening_started_at__lt=expired_before)
        .exclude(Exists(live_claim)).exclude(Exists(given_up))
        .values_list("pk", flat=True)[:500]
    )
    for deal_id in stuck:
        deal_screening_run_task.delay(deal_id)
    if stuck:
        logger.info("Re-queued screening for %d deals", len(stuck))
    return len(stuck)


def deal_screening_sweep_on_worker_start() -> None:
    """A worker that starts (often: replacing one that died) sweeps at once, and again
    just after a dead worker's claims have surely expired, so its deals finish within
    about SCREENING_SWEEP_STALE_SECONDS of the start whatever beat is doing."""
    try:
        deal_screening_sweep_task.delay()
        deal_screening_sweep_task.apply_async(
            countdown=settings.SCREENING_SWEEP_STALE_SECONDS + 1)
    except Exception:  # the broker went away again: beat's sweep covers it
        logger.warning("Could not queue the screening sweep at worker start", exc_info=True)


@shared_task(acks_late=True, time_limit=1800)
def key_counts_refresh_task() -> int:
    """Rebuild the key counts duplicate scoring weighs by (leads.evidence): counts are
    added as deals are screened and accounts imported, and this makes them exact again
    after edits, withdrawals and deletions. Idempotent: a rebuild from the records."""
    from leads.evidence import key_counts_refresh

    return key_counts_refresh()
