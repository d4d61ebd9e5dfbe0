"""Celery tasks for attribution: thin wrappers that call one service each."""

from celery import shared_task

from attribution import disputes


@shared_task(time_limit=300)
def attributions_finalize_task() -> int:
    """Attributions whose dispute window closed undisputed become final (beat)."""
    return disputes.attributions_finalize()
