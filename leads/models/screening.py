"""What screening found for a deal: per-step status and timing, duplicate and conflict
matches, stop-rule hits, and the qualification summary.

Each table has a unique constraint that makes its step idempotent: running a step twice
cannot add a second match, hit, step record or summary.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from leads.choices import (
    FitTier,
    MatchKind,
    MatchTarget,
    Recommendation,
    ScreeningStepName,
    StepStatus,
    StopRule,
    SummaryEngine,
)


class ScreeningStep(models.Model):
    """One pipeline step of one deal: when it ran, how long it took, how it ended."""

    deal = models.ForeignKey("leads.Deal", on_delete=models.CASCADE, related_name="screening_steps")
    name = models.CharField(max_length=20, choices=ScreeningStepName.choices)
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.RUNNING)
    attempts = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["deal", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "name"], name="screening_step_once_per_deal")
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.name} {self.status}"


class DuplicateMatch(models.Model):
    """A record that looks like the same end customer, classified by what it means."""

    deal = models.ForeignKey("leads.Deal", on_delete=models.CASCADE, related_name="matches")
    kind = models.CharField(max_length=20, choices=MatchKind.choices)
    target_type = models.CharField(max_length=20, choices=MatchTarget.choices)
    target_deal = models.ForeignKey(
        "leads.Deal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_account = models.ForeignKey(
        "crm.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_opportunity = models.ForeignKey(
        "crm.Opportunity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_vendor_lead = models.ForeignKey(
        "distribution.VendorLead", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )
    target_key = models.CharField(max_length=40, help_text=_("'deal:12', 'account:7', ..."))
    score = models.DecimalField(max_digits=4, decimal_places=3)
    matched_fields = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    holds_registration = models.BooleanField(
        default=False,
        help_text=_("For a cross-partner conflict: the other registration came first inside "
                    "the protection window and holds until a partner owner decides."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deal", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "kind", "target_key"], name="match_once_per_target_kind"),
        ]
        verbose_name_plural = _("duplicate matches")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target_key} ({self.score})"


class StopRuleHit(models.Model):
    """A stop rule that holds for a deal, with the reason in words."""

    deal = models.ForeignKey("leads.Deal", on_delete=models.CASCADE, related_name="stop_rule_hits")
    rule = models.CharField(max_length=30, choices=StopRule.choices)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "rule"], name="stop_rule_once_per_deal")
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.rule}"


class QualificationSummary(models.Model):
    """What a reviewer should read first: advice beside the deterministic result.

    Written by the Anthropic model when configured, or by the deterministic summarizer
    (the default, and the fallback on any failure). It never overrides a stop rule.
    """

    deal = models.OneToOneField("leads.Deal", on_delete=models.CASCADE, related_name="summary")
    summary = models.TextField()
    fit_tier = models.CharField(max_length=10, choices=FitTier.choices)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    questions = models.JSONField(default=list)
    risks = models.JSONField(default=list)
    evidence = models.JSONField(default=list)
    engine = models.CharField(max_length=20, choices=SummaryEngine.choices)
    model = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=40)
    fallback_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("qualification summaries")

    def __str__(self) -> str:
        return f"{self.deal_id} {self.recommendation} ({self.engine})"
