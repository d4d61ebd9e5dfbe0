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
