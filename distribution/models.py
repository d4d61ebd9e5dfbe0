"""Vendor leads, the matching weights and results, offers, and partners' outcome reports.

A vendor lead belongs to the vendor, not to a partner organization: it has no tenant until
a partner accepts an offer, which creates a `leads.Deal` for that partner (source `vendor`,
`Deal.vendor_lead` pointing back here). Offers and outcome reports are tenant-owned.
State changes happen only in `distribution.services`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from crm.choices import ImportStatus
from distribution.choices import (
    DEFAULT_WEIGHTS,
    LIVE_OFFER_STATUSES,
    Factor,
    OfferStatus,
    OutcomeStage,
    VendorLeadSource,
    VendorLeadStatus,
)
from leads.choices import CURRENCIES, CompanySize, SummaryEngine, Urgency


class VendorLeadImport(models.Model):
    """One uploaded CSV of vendor leads and its progress; each bad row is kept with its line
    number and reason while the good rows land (each row in its own transaction)."""

    file = models.FileField(upload_to="vendor_lead_imports/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    error_rows = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vendor_lead_imports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Vendor lead import #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


def _default_weights() -> dict[str, float]:
    return {str(k): v for k, v in DEFAULT_WEIGHTS.items()}


class MatchingWeights(models.Model):
    """One version of the matching settings, set by program admins. Rows are never edited:
    a change publishes a new version, and the current settings are the highest version.
    Every Recommendation records the version it was computed with.
    """

    version = models.PositiveIntegerField(unique=True)
    weights = models.JSONField(
        default=_default_weights,
        help_text=_("Weight of each factor (a number ≥ 0; 0 switches a factor off)."),
    )
    near_tie_margin = models.DecimalField(
        max_digits=5, decimal_places=2, default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Candidates within this many points (of 100) of the best are near-ties, "
                    "ordered by fewest recent offers received."),
    )
    offer_sla_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Hours a partner has to accept or decline an offer."),
    )
    auto_cascade = models.BooleanField(
        default=False,
        help_text=_("After a decline or timeout, offer the next candidate without waiting for "
                    "a partner owner's approval."),
    )
    report_cadence_days = models.PositiveIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days between outcome reports a partner owes on each open accepted deal."),
    )
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="matching_weights_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self) -> str:
        return f"Matching weights v{self.version}"

    def clean(self) -> None:
        weights = self.weights
        if not isinstance(weights, dict):
            raise ValidationError({"weights": _("Give an object of factor: weight.")})
        unknown = sorted(set(weights) - set(Factor.values))
        if unknown:
            raise ValidationError({"weights": _("Unknown factors: %(f)s") % {"f": ", ".join(unknown)}})
        for name, value in weights.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValidationError({"weights": _("The weight of %(f)s must be a number ≥ 0.")
                                       % {"f": name}})
        if not any(weights.values()):
            raise ValidationError({"weights": _("At least one factor needs a weight above 0.")})

    def weight(self, factor: str) -> float:
        """The weight of `factor` (0 when the version does not name it)."""
        return float(self.weights.get(str(factor), 0) or 0)


class VendorLeadQuerySet(models.QuerySet):
    def offerable(self) -> "VendorLeadQuerySet":
        return self.filter(status__in=[VendorLeadStatus.READY, VendorLeadStatus.OFFERED])


class VendorLead(models.Model):
    """A lead the vendor found itself and distributes to the best-fit partner.

    Owned by the vendor (no partner FK): staff-only until a partner accepts an offer, after
    which `deals` holds the one deal it became. Customer fields mirror `leads.Deal`, and the
    `norm_*` keys are filled by `leads.services.deal_apply_normalization` (same field names),
    so duplicate checks compare it with registrations and CRM records alike. `terms` names
    the customer's needs from the controlled vocabularies (vertical, segment, use case,
    region, language, required capabilities and certifications).
    """

    status = models.CharField(
        max_length=20, choices=VendorLeadStatus.choices, default=VendorLeadStatus.NEW,
        db_index=True,
    )
    source = models.CharField(
        max_length=10, choices=VendorLeadSource.choices, default=VendorLeadSource.FORM
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vendor_leads_created"
    )
    import_batch = models.ForeignKey(
        VendorLeadImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    import_row = models.PositiveIntegerField(null=True, blank=True)

    # End customer
    company_name = models.CharField(_("company"), max_length=200)
    website = models.CharField(_("website or domain"), max_length=255, blank=True)
    country = CountryField(_("country"), blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    company_size = models.CharField(
        _("company size"), max_length=20, choices=CompanySize.choices, blank=True
    )

    # Contact (hidden from a partner until it accepts the offer)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_title = models.CharField(_("contact title"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), max_length=254, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    # Need
    need = models.TextField(_("need"), max_length=5000, blank=True)
    use_case_text = models.CharField(_("use case (in the customer's words)"), max_length=300,
                                     blank=True)
    terms = models.ManyToManyField(
        "partners.Vocabulary", blank=True, related_name="vendor_leads",
        verbose_name=_("needs (vertical, segment, use case, region, language, capabilities)"),
    )
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, blank=True)
    estimated_value = models.DecimalField(
        _("estimated value"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    products = models.ManyToManyField("leads.Product", blank=True, related_name="vendor_leads")

    # Prepared for the partner: what the customer needs and what to do first.
    summary = models.TextField(_("summary"), max_length=3000, blank=True)
    next_steps = models.TextField(_("next steps"), max_length=3000, blank=True)

    # Held: the lead matches an open registration or an owned account and is not distributed.
    held_reason = models.TextField(blank=True)
    held_deal = models.ForeignKey(
        "leads.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held_account = models.ForeignKey(
        "crm.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held_detail = models.JSONField(default=dict, blank=True,
                                   help_text=_("The match: kind, score, matched fields, reasons."))

    raw_input = models.JSONField(default=dict, blank=True)

    # Normalized keys (derived; see leads.normalize and leads.services.deal_apply_normalization)
    norm_company = models.CharField(max_length=200, blank=True)
    name_words = models.CharField(max_length=200, blank=True)
    norm_domain = models.CharField(max_length=255, blank=True, db_index=True)
    norm_email = models.CharField(max_length=254, blank=True, db_index=True)
    norm_email_domain = models.CharField(max_length=255, blank=True, db_index=True)
    norm_phone = models.CharField(max_length=20, blank=True, db_index=True)
    norm_country = models.CharField(max_length=2, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    objects = VendorLeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="vendor_lead_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=VendorLeadStatus.values),
                name="vendor_lead_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_value__isnull=True) | models.Q(estimated_value__gte=0),
                name="vendor_lead_value_not_negative",
            ),
            models.UniqueConstraint(
                fields=["import_batch", "import_row"], condition=models.Q(import_batch__isnull=False),
                name="vendor_lead_once_per_import_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.company_name}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:vendor-lead-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"VL-{self.pk:06d}" if self.pk else "VL-new"

    def clean(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValidationError({"currency": _(
                "Choose an ISO 4217 currency code, such as USD or EUR.")})


class Recommendation(models.Model):
    """One matching run for a vendor lead: every eligible partner scored, the ranked top
    candidates with each factor's score, weight and evidence, the excluded partners with
    their reasons, and a short summary for the partner owner. Append-only; the latest row
    of a lead is the one offers follow.

    `candidates`: [{"partner": id, "name": str, "rank": 1, "score": 83.4, "near_tie": bool,
    "recent_offers": int, "factors": [{"factor", "label", "score" (0..1), "weight",
    "points", "evidence"}], "why": str}], best first.
    `exclusions`: {"counts": {reason: n}, "partners": [{"partner", "name", "score",
    "reasons": [code], "labels": [str]}]} — the best-scoring excluded partners.
    """

    lead = models.ForeignKey(VendorLead, on_delete=models.CASCADE, related_name="recommendations")
    weights = models.ForeignKey(
        MatchingWeights, on_delete=models.PROTECT, related_name="recommendations"
    )
    computed_at = models.DateTimeField(db_index=True)
    candidates = models.JSONField(default=list)
    exclusions = models.JSONField(default=dict)
    eligible_count = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    engine = models.CharField(
        max_length=20, choices=SummaryEngine.choices, default=SummaryEngine.DETERMINISTIC
    )
    model_name = models.CharField(max_length=100, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["lead", "-computed_at"], name="recommendation_lead")]

    def __str__(self) -> str:
        return f"Recommendation for {self.lead.reference} (weights v{self.weights.version})"

    @property
    def weights_version(self) -> int:
        return self.weights.version

    def candidate(self, partner_id: int) -> dict | None:
        """The candidate entry of `partner_id`, or None when it was not among them."""
        return next((c for c in self.candidates if c.get("partner") == partner_id), None)


class OfferQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "OfferQuerySet":
        """The one tenant filter for offers: those made to `partner`."""
        return self.filter(partner=partner)

    def live(self) -> "OfferQuerySet":
        return self.filter(status__in=LIVE_OFFER_STATUSES)


class Offer(models.Model):
    """A vendor lead offered to one partner organization, one at a time.

    Created `pending_approval` from a recommendation (or directly `offered` by a partner
    owner's one-click approval); choosing a partner other than the top recommendation
    needs `override_reason` and sets `is_override`, so favoritism shows in the reports.
    The partner answers before `due_at` (the offer SLA); a decline needs a reason; an accept
    creates `deal`. A lead has at most one live offer (a database constraint).
    """

    lead = models.ForeignKey(VendorLead, on_delete=models.CASCADE, related_name="offers")
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="offers"
    )
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    rank = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("The partner's rank in the recommendation, if any.")
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    explanation = models.JSONField(
        default=dict, blank=True,
        help_text=_("This partner's candidate entry (factors and evidence): why it was chosen."),
    )
    status = models.CharField(
        max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING_APPROVAL,
        db_index=True,
    )
    is_override = models.BooleanField(default=False)
    override_reason = models.TextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="offers_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="offers_approved",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="offers_answered",
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(max_length=2000, blank=True)
    withdrawn_reason = models.TextField(max_length=2000, blank=True)
    deal = models.OneToOneField(
        "leads.Deal", on_delete=models.PROTECT, null=True, blank=True, related_name="offer"
    )

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status", "-offered_at"], name="offer_partner_status"),
            models.Index(fields=["status", "due_at"], name="offer_status_due"),
            models.Index(fields=["partner", "-offered_at"], name="offer_partner_offered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OfferStatus.values), name="offer_status_valid"
            ),
            models.UniqueConstraint(
                fields=["lead"], condition=models.Q(status__in=[OfferStatus.PENDING_APPROVAL, OfferStatus.OFFERED]),
                name="offer_one_live_per_lead",
            ),
            models.UniqueConstraint(
                fields=["lead", "partner"], condition=~models.Q(status=OfferStatus.WITHDRAWN),
                name="offer_once_per_lead_partner",
            ),
            models.CheckConstraint(
                condition=models.Q(is_override=False) | ~models.Q(override_reason=""),
                name="offer_override_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=OfferStatus.DECLINED) | ~models.Q(decline_reason=""),
                name="offer_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.lead.reference} to {self.partner}"

    def get_absolute_url(self) -> str:
        return reverse("distribution:offer-detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_OFFER_STATUSES


class OutcomeReportQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "OutcomeReportQuerySet":
        return self.filter(partner=partner)


class OutcomeReport(models.Model):
    """A partner's report of where an accepted deal stands (its word, beside the sales
    owner's record). Never changes the deal's status or amount. Reports are due on every
    accepted deal at the program's cadence (MatchingWeights.report_cadence_days); a partner
    with an overdue report is not offered vendor leads.
    """

    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="outcome_reports"
    )
    deal = models.ForeignKey("leads.Deal", on_delete=models.CASCADE, related_name="outcome_reports")
    stage = models.CharField(max_length=20, choices=OutcomeStage.choices)
    note = models.TextField(max_length=3000, blank=True)
    lost_reason = models.TextField(max_length=2000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outcome_reports"
    )
    reported_at = models.DateTimeField(db_index=True)

    objects = OutcomeReportQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["deal", "-reported_at"], name="outcome_report_deal"),
            models.Index(fields=["partner", "-reported_at"], name="outcome_report_partner"),
            # Matching's overdue check reads the recent reports' deals from the index alone.
            models.Index(fields=["reported_at", "deal"], name="outcome_report_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stage__in=OutcomeStage.values), name="outcome_stage_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(stage=OutcomeStage.LOST) | ~models.Q(lost_reason=""),
                name="outcome_lost_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.get_stage_display()}"
