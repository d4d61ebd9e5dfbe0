"""Choices for CRM records and their imports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OpportunityStage(models.TextChoices):
    PROSPECTING = "prospecting", _("Prospecting")
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    CLOSED_WON = "closed_won", _("Closed won")
    CLOSED_LOST = "closed_lost", _("Closed lost")


OPEN_OPPORTUNITY_STAGES = {
    OpportunityStage.PROSPECTING,
    OpportunityStage.QUALIFICATION,
    OpportunityStage.PROPOSAL,
    OpportunityStage.NEGOTIATION,
}


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    OPPORTUNITIES = "opportunities", _("Opportunities")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
