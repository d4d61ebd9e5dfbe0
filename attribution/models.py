"""Conflict cases, attribution, disputes, commission rules, commissions and payouts.

Who gets credit and what they earn are decided by people (partner owners, program admins);
the pipeline only proposes. Money is `Decimal` with a currency, never a float.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from attribution.choices import (
    AttributionRole,
    AttributionStatus,
    CaseStatus,
    CommissionKind,
    CommissionStatus,
    DisputeStatus,
    PayoutStatus,
    Resolution,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class ConflictCase(models.Model):
    """All registrations of one end customer that conflict (cross-partner, or partner vs
    direct sales), whichever was screened first. Members point here (`Deal.conflict_case`);
    one attribution task per case hangs on its earliest registration.

    Vendor-side: no partner owns a case, and partners never see one.
    """

    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    # Registrations conflict with the vendor's own pipeline (a direct deal, an open
    # opportunity or an owned account), not only with each other.
    involves_direct_sales = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="conflict_cases_resolved",
    )
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    reason = models.TextField(blank=True, max_length=5000)
    surviving_deal = models.ForeignKey(
        "leads.Deal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="conflict_case_status")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("reviews:conflict-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"CC-{self.pk:06d}" if self.pk else "CC-new"


class AttributionQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "AttributionQuerySet":
        """A partner's own credit lines only (never another party's share)."""
        return self.filter(partner=partner)

    def current(self) -> "AttributionQuerySet":
        return self.exclude(status=AttributionStatus.SUPERSEDED)


class Attribution(models.Model):
    """One credit line on a deal: a partner (or direct sales), a role and an exact share.

    The current lines of a deal sum to 100.00. A change after approval never rewrites a
    line: the old one becomes `superseded` and new lines are written.
    """

    deal = models.ForeignKey("leads.Deal", on_delete=models.CASCADE, related_name="attributions")
    # The credited partner; null when the line credits the vendor's direct sales.
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, null=True, blank=True,
        related_name="attributions",
    )
    # The credited partner's own registration (the survivor, or a merged member).
    source_deal = models.ForeignKey(
        "leads.Deal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    direct = models.BooleanField(default=False)
    role = models.CharField(max_length=12, choices=AttributionRole.choices)
    share = models.DecimalField(
        max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100.00"))],
    )
    status = models.CharField(
        max_length=12, choices=AttributionStatus.choices, default=AttributionStatus.PROPOSED
    )
    case = models.ForeignKey(
        ConflictCase, on_delete=models.PROTECT, null=True, blank=True, related_name="attributions"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="attributions_approved",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    dispute_until = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttributionQuerySet.as_manager()

    class Meta:
        ordering = ["deal_id", "-share", "id"]
        indexes = [
            models.Index(fields=["partner", "status"], name="attribution_partner_status"),
            models.Index(fields=["status", "dispute_until"], name="attribution_dispute_window"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(direct=True) & Q(partner__isnull=True))
                | (Q(direct=False) & Q(partner__isnull=False)),
                name="attribution_partner_or_direct",
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=100), name="attribution_share_range"
            ),
        ]

    def __str__(self) -> str:
        who = self.partner.name if self.partner_id else _("Direct sales")
        return f"{who}: {self.share}% {self.get_role_display()} on deal {self.deal_id}"


class DisputeQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "DisputeQuerySet":
        return self.filter(partner=partner)


class Dispute(models.Model):
    """A partner's objection to its attribution, opened within the dispute window."""

    attribution = models.ForeignKey(Attribution, on_delete=models.PROTECT, related_name="disputes")
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="disputes"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_opened"
    )
    text = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution_note = models.TextField(blank=True, max_length=5000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="disputes_resolved",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attribution"], condition=Q(status="open"), name="dispute_one_open_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"Dispute of {self.attribution_id} ({self.get_status_display()})"


class DisputeAttachmentQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "DisputeAttachmentQuerySet":
        return self.filter(dispute__partner=partner)


class DisputeAttachment(models.Model):
    """A file a partner attached to a dispute: stored outside the web root, served only
    to the partner's members and vendor staff."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="dispute_attachments/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DisputeAttachmentQuerySet.as_manager()

    def __str__(self) -> str:
        return self.original_name


class CommissionRule(models.Model):
    """How much a partner earns on a won deal, set by program admins.

    Matches by tier, product and deal source (blank matches any); the most specific active
    rule in force on the day the deal was won applies. A rule is never edited in a way
    that rewrites the past: a commission keeps a snapshot of the rule it used.
    """

    name = models.CharField(max_length=120)
    tier = models.ForeignKey(
        "partners.Tier", on_delete=models.PROTECT, null=True, blank=True, related_name="commission_rules"
    )
    product = models.ForeignKey(
        "leads.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="commission_rules"
    )
    source = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=10, choices=CommissionKind.choices)
    rate = models.DecimalField(
        max_digits=7, decimal_places=4, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Percent of the amount won (for percentage rules)."),
    )
    amount = models.DecimalField(**MONEY, null=True, blank=True,
                                 validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, blank=True,
                                help_text=_("For flat amounts and caps; blank: the deal's currency."))
    cap = models.DecimalField(**MONEY, null=True, blank=True,
                              validators=[MinValueValidator(Decimal("0"))])
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="percent") & Q(rate__isnull=False))
                | (Q(kind="flat") & Q(amount__isnull=False)),
                name="commission_rule_has_value",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="commission_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommissionQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "CommissionQuerySet":
        return self.filter(partner=partner)


class Commission(models.Model):
    """What one credit line earns on a won deal: proposed by the system, approved (or
    adjusted with a reason) by a partner owner, paid through a payout statement.

    A correction is a new line (`correction_of`), never a rewrite.
    """

    deal = models.ForeignKey("leads.Deal", on_delete=models.PROTECT, related_name="commissions")
    attribution = models.ForeignKey(Attribution, on_delete=models.PROTECT, related_name="commissions")
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="commissions"
    )
    rule = models.ForeignKey(
        CommissionRule, on_delete=models.PROTECT, null=True, blank=True, related_name="commissions"
    )
    rule_snapshot = models.JSONField(default=dict, blank=True)
    base_amount = models.DecimalField(**MONEY)
    share = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=CommissionStatus.choices, default=CommissionStatus.PROPOSED
    )
    correction_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    explanation = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    adjustment_reason = models.TextField(blank=True, max_length=2000)
    statement = models.ForeignKey(
        "attribution.PayoutStatement", on_delete=models.PROTECT, null=True, blank=True,
        related_name="commissions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "status", "currency"], name="commission_partner_status")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} to {self.partner} on deal {self.deal_id}"


class PayoutStatementQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "PayoutStatementQuerySet":
        return self.filter(partner=partner)


class PayoutStatement(models.Model):
    """Approved commissions of one partner, period and currency. Immutable once issued: a
    correction is a new line on the next statement. A program admin marks it paid."""

    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="payout_statements"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.ISSUED)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PayoutStatementQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "period_start", "period_end", "currency"],
                                    name="payout_one_per_partner_period_currency"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"PS-{self.pk:06d}" if self.pk else "PS-new"
