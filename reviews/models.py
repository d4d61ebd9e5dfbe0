"""Review tasks: the work the screening pipeline hands to people."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reviews.choices import (
    DecisionKind,
    Delivery,
    ExtensionStatus,
    NotificationKind,
    TaskKind,
    TaskStatus,
)


class ReviewTaskQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "ReviewTaskQuerySet":
        return self.filter(partner=partner)

    def open(self) -> "ReviewTaskQuerySet":
        return self.filter(status=TaskStatus.OPEN)


class ReviewTask(models.Model):
    """A piece of review work on a deal, with an assignee and a due time from the SLA.

    At most one open task of each kind exists per deal (a database constraint), which is
    what makes the pipeline's task step idempotent.
    """

    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    deal = models.ForeignKey("leads.Deal", on_delete=models.CASCADE, related_name="review_tasks")
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="review_tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="review_tasks",
    )
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    due_at = models.DateTimeField()
    # While the partner owes an answer the SLA clock stops; on the answer `due_at` moves
    # by the time waited. "Overdue" is derived from `due_at`, never a status of its own.
    conflict_case = models.ForeignKey(
        "attribution.ConflictCase", on_delete=models.PROTECT, null=True, blank=True,
        related_name="review_tasks",
    )
    commission = models.ForeignKey(
        "attribution.Commission", on_delete=models.PROTECT, null=True, blank=True,
        related_name="review_tasks",
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="review_tasks_closed",
    )

    objects = ReviewTaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # Compensation approvals are one per commission proposal (below), so a split
            # deal may have several open at once.
            models.UniqueConstraint(
                fields=["deal", "kind"],
                condition=models.Q(status="open") & ~models.Q(kind="compensation_approval"),
                name="review_task_one_open_per_kind",
            ),
            models.UniqueConstraint(
                fields=["conflict_case", "kind"],
                condition=models.Q(status="open", conflict_case__isnull=False),
                name="review_task_one_open_per_case",
            ),
            models.UniqueConstraint(
                fields=["commission"],
                condition=models.Q(status="open", commission__isnull=False),
                name="review_task_one_open_per_commission",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="review_task_queue"),
            models.Index(fields=["assignee", "status", "due_at"], name="review_task_assignee"),
        ]
        verbose_name = _("review task")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on deal {self.deal_id}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:deal-detail", args=[self.deal_id])


class RejectionReason(models.Model):
    """A reason a partner owner may give for rejecting a deal (admin-editable list)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class DecisionQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "DecisionQuerySet":
        return self.filter(partner=partner)


class Decision(models.Model):
    """A person's decision on a deal: accept, reject or ask for more information.

    One row per decision, so the program's measures (accepted, rejected after review,
    overrides) are aggregate queries over this table. `override_reason` is set when a
    reviewer accepted past an open conflict, a stop-rule hit or missing required fields.
    """

    deal = models.ForeignKey("leads.Deal", on_delete=models.CASCADE, related_name="decisions")
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    reason = models.TextField(blank=True, max_length=5000)
    reason_code = models.ForeignKey(
        RejectionReason, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    # What the partner is told (a rejection note, or the question asked).
    partner_note = models.TextField(blank=True, max_length=5000)
    override_reason = models.TextField(blank=True, max_length=5000)
    overridden = models.JSONField(default=list, blank=True)  # what the override went past
    created_at = models.DateTimeField(db_index=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="decision_kind_time"),
            models.Index(fields=["partner", "created_at"], name="decision_partner_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="reject") | models.Q(reason_code__isnull=False),
                name="decision_reject_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on deal {self.deal_id}"

    @property
    def is_override(self) -> bool:
        return bool(self.override_reason)


class ExtensionRequestQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "ExtensionRequestQuerySet":
        return self.filter(partner=partner)


class ExtensionRequest(models.Model):
    """A partner's request to extend an accepted deal's protection window."""

    deal = models.ForeignKey(
        "leads.Deal", on_delete=models.CASCADE, related_name="extension_requests"
    )
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="extension_requests"
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="extension_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExtensionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal"], condition=models.Q(status="pending"),
                name="extension_one_pending_per_deal",
            )
        ]

    def __str__(self) -> str:
        return f"Extension of deal {self.deal_id} ({self.get_status_display()})"


class Notification(models.Model):
    """A message to one user about a deal: listed in the portal, e-mailed per preference."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    deal = models.ForeignKey(
        "leads.Deal", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["delivery", "emailed_at"], name="notification_to_send"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How one user wants one kind of notification delivered (default: immediately)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {self.delivery}"
