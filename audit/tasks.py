"""Periodic audit jobs (scheduled in partnerportal/celery.py)."""

from celery import shared_task

from audit.erasure import personal_data_retention_sweep
from audit.verification import audit_checkpoint_write


@shared_task(time_limit=600, soft_time_limit=540)
def audit_checkpoint_write_task() -> int | None:
    """Checkpoint the audit chain's head to AUDIT_CHECKPOINT_DIR (and the log)."""
    record = audit_checkpoint_write(kind="scheduled")
    return record["head_id"] if record else None


@shared_task(time_limit=600, soft_time_limit=540)
def personal_data_retention_sweep_task() -> int:
    """Erase contacts of deals closed longer ago than the program's retention months."""
    return personal_data_retention_sweep()
