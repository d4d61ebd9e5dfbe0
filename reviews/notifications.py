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
    nothing twice. A send that fails un-claims its row and raises, so the task's retry
    sends it later; the decision that caused it committed long before.
    """
    from django.conf import settings
    from django.utils import timezone

    sent = 0
    rows = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True,
                                       user__is_active=True).select_related("user", "deal")
    for row in rows:
        claimed_at = timezone.now()
        if not Notification.objects.filter(pk=row.pk, emailed_at__isnull=True).update(
                emailed_at=claimed_at):
            continue
        context = {"notification": row, "user": row.user, "site_url": settings.SITE_URL,
                   "site_name": settings.SITE_NAME,
                   "unsubscribe_url": f"{settings.SITE_URL}/notifications/unsubscribe/"
                                      f"{unsubscribe_token(user=row.user, kind=row.kind)}/"}
        try:
            _send(user=row.user, prefix="emails/notification", context=context)
        except Exception:
            Notification.objects.filter(pk=row.pk, emailed_at=claimed_at).update(emailed_at=None)
            raise
        sent += 1
    return sent


# --- Reading, preferences, unsubscribing, the daily digest -----------------------------------

UNSUBSCRIBE_SALT = "reviews.notifications.unsubscribe"
ALL_KINDS = "all"


def notification_list(*, user):
    """The user's own notifications, newest first (the only scope there is)."""
    return Notification.objects.filter(user=user).select_related("deal").order_by("-created_at", "-id")


def notification_get(*, user, pk: int) -> Notification:
    from django.http import Http404

    item = Notification.objects.filter(user=user, pk=pk).first()
    if item is None:
        raise Http404
    return item


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_mark_read(*, user, notification: Notification | None = None) -> int:
    """Mark one of the user's notifications read, or all of them. Reading is the user's
    own view state, not a change to portal data, so it is not audited."""
    from django.utils import timezone

    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        rows = rows.filter(pk=notification.pk)
    return rows.update(read_at=timezone.now())


def notification_preferences(*, user) -> dict[str, str]:
    """kind -> delivery for every kind (immediately where the user chose nothing)."""
    from reviews.choices import NotificationKind

    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in NotificationKind.values}


def notification_preferences_set(*, actor, user, preferences: dict[str, str]) -> None:
    """Store how `user` wants each kind delivered; audited (by the user, or by an
    unsubscribe link, whose actor is the user it was signed for)."""
    from django.core.exceptions import ValidationError

    from audit.services import audit_record
    from reviews.choices import NotificationKind

    errors = {kind: "Unknown delivery." for kind, delivery in preferences.items()
              if kind not in NotificationKind.values or delivery not in Delivery.values}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = notification_preferences(user=user)
        for kind, delivery in preferences.items():
            NotificationPreference.objects.update_or_create(user=user, kind=kind,
                                                            defaults={"delivery": delivery})
        after = notification_preferences(user=user)
        changed = {kind: after[kind] for kind in after if after[kind] != before[kind]}
        if changed:
            audit_record(actor=actor, action="notification.preferences", target=user,
                         before={k: before[k] for k in changed}, after=changed)


def unsubscribe_token(*, user, kind: str) -> str:
    """A signed token that turns e-mail off for `kind` (or every kind) of `user`."""
    from django.core import signing

    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str):
    """(user, kind) from a token, or None when it is forged, tampered or the user is gone."""
    from django.core import signing

    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = get_user_model().objects.get(pk=int(data["u"]), is_active=True)
        kind = str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, get_user_model().DoesNotExist):
        return None
    from reviews.choices import NotificationKind

    if kind != ALL_KINDS and kind not in NotificationKind.values:
        return None
    return user, kind


def notification_unsubscribe(*, token: str):
    """Follow an unsubscribe link: e-mail of that kind (or all) becomes in-app only."""
    from reviews.choices import NotificationKind

    found = unsubscribe_read(token)
    if found is None:
        return None
    user, kind = found
    kinds = NotificationKind.values if kind == ALL_KINDS else [kind]
    notification_preferences_set(actor=user, user=user,
                                 preferences={k: Delivery.IN_APP for k in kinds})
    return user, kind


def notification_digest_send(*, now=None) -> int:
    """E-mail each user one digest of their `digest` notifications not yet e-mailed.

    Rows are claimed with a conditional update before sending, so a repeated run sends
    nothing twice; returns the number of digests sent.
    """
    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    pending = Notification.objects.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True,
                                          user__is_active=True)
    sent = 0
    for user_id in list(pending.values_list("user_id", flat=True).distinct()):
        ids = list(pending.filter(user_id=user_id).values_list("pk", flat=True))
        with transaction.atomic():
            claimed = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
        if not claimed:
            continue
        items = list(Notification.objects.filter(pk__in=ids, emailed_at=now).select_related("user")
                     .order_by("created_at", "id"))
        user = items[0].user
        context = {"items": items, "user": user, "site_url": settings.SITE_URL,
                   "site_name": settings.SITE_NAME,
                   "unsubscribe_url": f"{settings.SITE_URL}/notifications/unsubscribe/"
                                      f"{unsubscribe_token(user=user, kind=ALL_KINDS)}/"}
        _send(user=user, prefix="emails/notification_digest", context=context)
        sent += 1
    return sent


def _send(*, user, prefix: str, context: dict) -> None:
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, to=[user.email], body=render_to_string(f"{prefix}_body.txt", context),
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string(f"{prefix}_body.html", context), "text/html")
    message.send()
