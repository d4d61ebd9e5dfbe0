"""Choices for review tasks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    ACCEPTANCE_REVIEW = "acceptance_review", _("Acceptance review")
    ATTRIBUTION_CONFLICT = "attribution_conflict", _("Attribution conflict")
    COMPENSATION_APPROVAL = "compensation_approval", _("Compensation approval")
    SALES_HANDOFF = "sales_handoff", _("Sales handoff")
    NEEDS_INFO_FOLLOWUP = "needs_info_followup", _("Needs-info follow-up")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# Tasks a person may close by hand on the deal page; the others end with a decision.
MANUALLY_CLOSABLE_KINDS = {TaskKind.SALES_HANDOFF, TaskKind.NEEDS_INFO_FOLLOWUP}
# Tasks that are never escalated: attribution conflicts wait for the attribution work.
NOT_ESCALATED_KINDS = {TaskKind.ATTRIBUTION_CONFLICT}


class DecisionKind(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    NEEDS_INFO = "needs_info", _("Needs more information")
    RESOLVE_CONFLICT = "resolve_conflict", _("Resolve an attribution conflict")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class NotificationKind(models.TextChoices):
    STATUS_CHANGE = "status_change", _("A deal's status changed")
    QUESTION = "question", _("The vendor asked a question")
    TASK_ASSIGNED = "task_assigned", _("A task was assigned to me")
    TASK_OVERDUE = "task_overdue", _("A task is overdue")
    HANDOFF = "handoff", _("A deal was handed to me")
    PROTECTION_EXPIRY = "protection_expiry", _("A protection window is about to end")
    EXTENSION = "extension", _("An extension was requested or decided")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail immediately")
    DIGEST = "digest", _("Daily digest e-mail")
    IN_APP = "in_app", _("In the portal only")
