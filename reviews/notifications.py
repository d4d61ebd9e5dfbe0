"""Notifications: an in-app list for every recipient, e-mail as each user prefers.

`notify` is called by services inside their transaction: the rows commit with the change,
and the e-mail is sent by a worker after commit, so a failed send never undoes a decision.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from partners.choices import MemberRole
from reviews.choices import Delivery
from reviews.models import Notification, NotificationPreference


def deal_watchers(deal) -> list:
    """Who hears about a deal's status changes and questions: its owner and the
    organization's active admins."""
    User = get_user_model()
    admins = User.objects.filter(
        is_active=True, membership__partner_id=deal.partner_id, membership__role=MemberRole.ADMIN
    )
    owner_id = deal.owner_id or deal.created_by_id
    return [*User.objects.filter(pk=owner_id, is_active=True), *admins]


def program_admins() -> list:
    """Active staff in the program-admin role (and superusers)."""
    from django.db.models import Q

    from partners.choices import StaffRole

    User = get_user_model()
    return list(User.objects.filter(is_active=True, is_staff=True).filter(
        Q(groups__name=StaffRole.PROGRAM_ADMIN) | Q(is_superuser=True)).distinct())


def notify(*, users: Iterable, kind: str, title: str, deal=None, body: str = "",
           url: str = "") -> list[Notification]:
    """Record a notification for each distinct active user; queue e-mails after commit.

    Each user's preference for `kind` decides the delivery: immediately (e-mail now), a
    daily digest, or in-app only.
    """
    from reviews.tasks import notification_send_task

    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    if not recipients:
        return []
    preferences = dict(NotificationPreference.objects.filter(
        user_id__in=recipients, kind=kind).values_list("user_id", "delivery"))
    rows = Notification.objects.bulk_create([
        Notification(user_id=user_id, kind=kind, deal=deal, title=title[:200], body=body,
                     url=url, delivery=preferences.get(user_id, Delivery.IMMEDIATE))
        for user_id in recipients
    ])
    immediate = [row.pk for row in rows if row.delivery == Delivery.IMMEDIATE]
    if immediate:
        transaction.on_commit(lambda: notification_send_task.delay(immediate))
    return rows


def notification_send(*, notification_ids: list[int]) -> int:
    """E-mail the given notifications that have not been e-mailed yet; returns how many.

    Each row is claimed with a conditional update first, so a redelivered task sends
    nothing twice.
    """
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.utils import timezone

    sent = 0
    rows = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True,
                                       user__is_active=True).select_related("user", "deal")
    for row in rows:
        if not Notification.objects.filter(pk=row.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()):
            continue
        context = {"notification": row, "user": row.user, "site_url": settings.SITE_URL}
        subject = render_to_string("emails/notification_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()), to=[row.user.email],
            body=render_to_string("emails/notification_body.txt", context),
        )
        message.attach_alternative(render_to_string("emails/notification_body.html", context),
                                   "text/html")
        message.send()
        sent += 1
    return sent
