"""Celery tasks for reviews: thin wrappers that call one service each."""

from celery import shared_task

from reviews import notifications, services


# OSError covers SMTP and connection failures: the row was un-claimed, so a retry resends it.
@shared_task(acks_late=True, time_limit=120, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def notification_send_task(notification_ids: list[int]) -> int:
    """E-mail notifications whose recipients want them immediately (idempotent)."""
    return notifications.notification_send(notification_ids=notification_ids)


@shared_task(time_limit=300)
def review_tasks_escalate_task() -> int:
    """Escalate open review tasks past their due time, once each (beat)."""
    return services.review_tasks_escalate()


@shared_task(time_limit=300)
def deals_protection_warn_task() -> int:
    """Warn partners whose protection window ends soon (beat)."""
    return services.deals_protection_warn()


@shared_task(time_limit=300)
def deals_protection_expire_task() -> int:
    """Expire accepted deals whose protection window has ended (beat)."""
    return services.deals_protection_expire()


@shared_task(time_limit=600)
def notification_digest_send_task() -> int:
    """Send each user's daily digest of notifications they chose to receive that way."""
    return notifications.notification_digest_send()
