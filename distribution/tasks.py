"""Celery tasks for vendor leads and offers: thin wrappers that call one service each."""

from celery import shared_task
from django.db import OperationalError

from distribution import imports, services


@shared_task(acks_late=True, time_limit=120, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def vendor_lead_prepare_task(lead_id: int) -> str:
    """normalize → duplicate check → recommend → ready (or held); idempotent."""
    return services.vendor_lead_prepare(lead_id=lead_id).status


@shared_task(acks_late=True, time_limit=1800, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def vendor_lead_import_run_task(import_id: int) -> str:
    """Run a queued vendor-lead CSV import (idempotent: the run claims the import)."""
    return imports.vendor_lead_import_run(import_id=import_id).status


@shared_task(time_limit=300)
def offers_time_out_task() -> int:
    """Beat: offers past their SLA time out and their leads cascade."""
    return services.offers_time_out()


@shared_task(time_limit=600)
def outcome_reminders_send_task() -> int:
    """Beat: remind partners whose outcome reports are overdue."""
    return services.outcome_reminders_send()


@shared_task(acks_late=True, time_limit=90, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=3)
def recommendation_summarize_task(recommendation_id: int) -> str:
    """The model's summary for a stored recommendation (Anthropic configured); idempotent."""
    from distribution.summary import recommendation_summarize

    return str(recommendation_summarize(recommendation_id=recommendation_id).engine)
