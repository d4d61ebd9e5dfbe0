"""Choices for vendor leads, offers and outcome reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VendorLeadStatus(models.TextChoices):
    NEW = "new", _("New")
    READY = "ready", _("Ready to offer")
    OFFERED = "offered", _("Offered")
    HELD = "held", _("Held: matches an existing record")
    ASSIGNED = "assigned", _("Assigned")
    CLOSED = "closed", _("Closed")


# A lead in these states may be (re)matched and offered.
OFFERABLE_LEAD_STATUSES = {VendorLeadStatus.READY, VendorLeadStatus.OFFERED}


class VendorLeadSource(models.TextChoices):
    FORM = "form", _("Staff form")
    IMPORT = "import", _("CSV import")
    API = "api", _("API")


class OfferStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TIMED_OUT = "timed_out", _("Timed out")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# An offer in these states is live: a lead has at most one (a database constraint).
LIVE_OFFER_STATUSES = {OfferStatus.PENDING_APPROVAL, OfferStatus.OFFERED}
# A partner whose offer for a lead ended so is not offered the same lead again.
REFUSED_OFFER_STATUSES = {OfferStatus.DECLINED, OfferStatus.TIMED_OUT}


class OutcomeStage(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    MEETING_HELD = "meeting_held", _("Meeting held")
    PROPOSAL = "proposal", _("Proposal")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Factor(models.TextChoices):
    """The matching factors, in the order they are shown. Keys of MatchingWeights.weights."""

    VERTICAL = "vertical", _("Vertical")
    SEGMENT = "segment", _("Segment")
    USE_CASE = "use_case", _("Function or use case")
    REGION = "region", _("Region")
    LANGUAGE = "language", _("Language")
    CAPABILITIES = "capabilities", _("Required capabilities and certifications")
    PROOF_POINTS = "proof_points", _("Relevant proof points")
    CAPACITY = "capacity", _("Free capacity")
    ACCEPTANCE_SPEED = "acceptance_speed", _("Speed of answering offers")
    WIN_RATE = "win_rate", _("Win rate")
    REPORTING = "reporting", _("Outcome reporting")
    TIER = "tier", _("Program tier")


DEFAULT_WEIGHTS = {
    Factor.VERTICAL: 15,
    Factor.SEGMENT: 8,
    Factor.USE_CASE: 12,
    Factor.REGION: 10,
    Factor.LANGUAGE: 6,
    Factor.CAPABILITIES: 12,
    Factor.PROOF_POINTS: 15,
    Factor.CAPACITY: 5,
    Factor.ACCEPTANCE_SPEED: 5,
    Factor.WIN_RATE: 6,
    Factor.REPORTING: 4,
    Factor.TIER: 2,
}


class Exclusion(models.TextChoices):
    """Why a partner organization is not a candidate for a lead."""

    NO_PROFILE = "no_profile", _("No capability profile")
    STATUS = "status", _("Suspended or terminated")
    NO_AGREEMENT = "no_agreement", _("Has not accepted the current program agreement")
    AT_CAPACITY = "at_capacity", _("At capacity")
    OVERDUE_REPORTS = "overdue_reports", _("Overdue on outcome reports")
    DECLINED = "declined", _("Already declined or let this lead's offer time out")
    OFFERED = "offered", _("Already holds an offer for this lead")
