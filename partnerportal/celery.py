"""The Celery app. Configuration comes from Django settings (the CELERY_ namespace)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings.local")

app = Celery("partnerportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job is declared here, in one place.
app.conf.beat_schedule = {
    "leads-sweep-unscreened": {
        "task": "leads.tasks.deal_screening_sweep_task",
        "schedule": crontab(minute="*"),
    },
    "reviews-escalate-overdue": {
        "task": "reviews.tasks.review_tasks_escalate_task",
        "schedule": crontab(minute="*/5"),
    },
    "reviews-protection-warn": {
        "task": "reviews.tasks.deals_protection_warn_task",
        "schedule": crontab(minute=7),
    },
    "reviews-protection-expire": {
        "task": "reviews.tasks.deals_protection_expire_task",
        "schedule": crontab(minute="*/15"),
    },
}
