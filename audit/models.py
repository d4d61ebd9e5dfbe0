"""The audit log: one row per state change or decision, chained by hash.

Rows are append-only: PostgreSQL refuses UPDATE and DELETE through a trigger
(django-pgtrigger), and each row's `hash` covers its content and the previous row's hash, so
any edit made behind the database's back breaks the chain (`manage.py verify_audit`).

Personal values (hash format 2) are not in the hashed payload: the payload holds a reference
and a salted digest, the value lives in `PersonalValue`, which erasure blanks without
touching the chain (see `audit.personal`).
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, before and after, and why."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=255, blank=True)
    partner = models.ForeignKey(
        "partners.PartnerOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text=_("The partner organization the target belongs to, if any."),
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    hash_version = models.PositiveSmallIntegerField(
        default=2,
        help_text=_("1: personal values inside the payload; 2: kept in PersonalValue."),
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target_idx"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label or 'system'} {self.action}"


class PersonalValue(models.Model):
    """A personal value an audit event refers to, kept out of the hashed payload.

    The event's before/after hold `{"$personal": key, "sha256": digest}` in its place, where
    digest is SHA-256 of salt and value. Erasure sets value to NULL, salt to "" and
    erased_at: the event's hash still verifies, and without the salt the digest reveals
    nothing. The database refuses deletes and any update other than that erasure.
    """

    event = models.ForeignKey(
        AuditEvent, on_delete=models.PROTECT, related_name="personal_values"
    )
    key = models.CharField(max_length=32, unique=True)
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=64)
    field = models.CharField(max_length=80)
    value = models.JSONField(null=True, blank=True)
    salt = models.CharField(max_length=32, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="audit_pv_subject_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="personal_value_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="personal_value_erase_only",
                operation=pgtrigger.Update,
                condition=(
                    pgtrigger.Q(old__event_id__df=pgtrigger.F("new__event_id"))
                    | pgtrigger.Q(old__key__df=pgtrigger.F("new__key"))
                    | pgtrigger.Q(old__subject_type__df=pgtrigger.F("new__subject_type"))
                    | pgtrigger.Q(old__subject_id__df=pgtrigger.F("new__subject_id"))
                    | pgtrigger.Q(old__field__df=pgtrigger.F("new__field"))
                    | pgtrigger.Q(old__erased_at__isnull=False)
                    | pgtrigger.Q(new__erased_at__isnull=True)
                    | pgtrigger.Q(new__value__isnull=False)
                    | ~pgtrigger.Q(new__salt="")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field} of {self.subject_type}:{self.subject_id}"
