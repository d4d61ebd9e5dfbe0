"""Choices for conflict cases, attribution, disputes, commissions and payouts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Resolution(models.TextChoices):
    PARTNER = "partner", _("One partner")
    SPLIT = "split", _("Split credit")
    DIRECT = "direct", _("Direct sales")
    REJECT = "reject", _("Reject")


class AttributionRole(models.TextChoices):
    SOURCED = "sourced", _("Sourced")
    INFLUENCED = "influenced", _("Influenced")
    FULFILMENT = "fulfilment", _("Fulfilment")


class AttributionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    DISPUTED = "disputed", _("Disputed")
    FINAL = "final", _("Final")
    SUPERSEDED = "superseded", _("Superseded")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: attribution changed")
    DISMISSED = "dismissed", _("Dismissed: attribution stands")


class CommissionKind(models.TextChoices):
    PERCENT = "percent", _("Percentage of the amount won")
    FLAT = "flat", _("Flat amount")


class CommissionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class PayoutStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Paid")
