"""The Celery app. Configuration comes from Django settings (the CELERY_ namespace)."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings.local")

app = Celery("partnerportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _sweep_screening_when_a_worker_starts(sender=None, **kwargs) -> None:
    """Deals a dead worker left in screening are queued again as soon as a worker is up."""
    from leads.tasks import deal_screening_sweep_on_worker_start

    deal_screening_sweep_on_worker_start()


# Every periodic job is declared here, in one place.
app.conf.beat_schedule = {
    # With SCREENING_SWEEP_STALE_SECONDS (45) this bounds a killed worker's deals to
    # about 75 s; a worker starting sweeps too (above), within about 47 s of its start.
    "leads-sweep-unscreened": {
        "task": "leads.tasks.deal_screening_sweep_task",
        "schedule": 30.0,
    },
    "reviews-escalate-overdue": {
        "task": "reviews.tasks.review_tasks_escalate_task",
        "schedule": crontab(minute="*/5"),
    },
    "reviews-protection-warn": {
        "task": "reviews.tasks.deals_protection_warn_task",
        "schedule": crontab(minute=7),
    },
    "reviews-notification-digest": {
        "task": "reviews.tasks.notification_digest_send_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "attribution-finalize": {
        "task": "attribution.tasks.attributions_finalize_task",
        "schedule": crontab(minute=23),
    },
    # Vendor-lead offers past their SLA time out and cascade; overdue outcome reports are
    # reminded (once per reporting cadence per deal).
    "distribution-offers-time-out": {
        "task": "distribution.tasks.offers_time_out_task",
        "schedule": crontab(minute="*/5"),
    },
    "distribution-outcome-reminders": {
        "task": "distribution.tasks.outcome_reminders_send_task",
        "schedule": crontab(hour=8, minute=10),
    },
    "reviews-protection-expire": {
        "task": "reviews.tasks.deals_protection_expire_task",
        "schedule": crontab(minute="*/15"),
    },
    # The audit chain's head, to AUDIT_CHECKPOINT_DIR: verify_audit compares against it.
    "audit-checkpoint": {
        "task": "audit.tasks.audit_checkpoint_write_task",
        "schedule": crontab(minute="*/10"),
    },
    # Duplicate scoring's value frequencies (names, phones, cities), rebuilt from records.
    "leads-key-counts-refresh": {
        "task": "leads.tasks.key_counts_refresh_task",
        "schedule": crontab(hour=2, minute=41),
    },
    "audit-contact-retention": {
        "task": "audit.tasks.personal_data_retention_sweep_task",
        "schedule": crontab(hour=3, minute=17),
    },
}
