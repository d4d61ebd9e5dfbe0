"""Review tasks: the work the screening pipeline hands to people."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reviews.choices import TaskKind, TaskStatus


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
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewTaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "kind"], condition=models.Q(status="open"),
                name="review_task_one_open_per_kind",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="review_task_queue")]
        verbose_name = _("review task")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on deal {self.deal_id}"
