"""Celery tasks for CRM imports: thin wrappers that load ids and call one service."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    # The name it had in leads/tasks.py, so messages queued before the move still run.
    name="leads.tasks.crm_import_run_task",
    bind=True,
    acks_late=True,
    max_retries=5,
    # 100k rows import in well under a minute; the hard limit stays below the service's
    # RUN_STALE_AFTER (35 minutes), after which a lost run may be claimed again.
    soft_time_limit=25 * 60,
    time_limit=30 * 60,
)
def crm_import_run_task(self, import_id: int) -> str:
    """Run one queued CRM import; returns its final status.

    Safe to run twice: the service claims the import first. Only a database outage
    (OperationalError) is retried, with bounded backoff; the last failure is recorded.
    """
    from django.utils.translation import gettext as _

    from crm.services import crm_import_fail, crm_import_run

    try:
        return crm_import_run(import_id=import_id).status
    except OperationalError as error:
        if self.request.retries >= self.max_retries:
            crm_import_fail(import_id=import_id, failure=_(
                "The database was unavailable for too long; start the import again."))
            raise
        raise self.retry(exc=error, countdown=min(60, 2 * 2**self.request.retries)) from error
