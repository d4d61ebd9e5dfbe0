"""Partner organizations (tenants), memberships, invitations, tiers and program rules."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.choices import READ_ONLY_STATUSES, MemberRole, ProgramStatus, VocabularyKind


class Tier(models.Model):
    """A partner program tier (e.g. Registered, Silver, Gold), ordered by rank."""

    name = models.CharField(max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(
        default=0, help_text=_("Higher ranks are more senior tiers.")
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class PartnerOrganization(models.Model):
    """A partner company: the tenant every partner-owned record belongs to."""

    name = models.CharField(max_length=200, unique=True)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="partners")
    program_status = models.CharField(
        max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE
    )
    partner_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_partners",
        help_text=_("The vendor's channel manager responsible for this partner."),
    )
    website = models.URLField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(program_status__in=ProgramStatus.values),
                name="partner_program_status_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def can_register(self) -> bool:
        """Suspended and terminated partners may read but not register deals."""
        return self.program_status not in READ_ONLY_STATUSES


class Membership(models.Model):
    """A user's place in one partner organization. A user belongs to at most one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.REP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "user__email"]
        indexes = [models.Index(fields=["partner", "role"], name="membership_partner_role")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == MemberRole.ADMIN


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class InvitationQuerySet(models.QuerySet):
    def for_partner(self, partner: PartnerOrganization) -> "InvitationQuerySet":
        return self.filter(partner=partner)

    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An e-mailed invitation for a colleague to join a partner organization."""

    partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.REP)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.partner}"

    def get_absolute_url(self) -> str:
        return reverse("partners:invitation-accept", args=[self.token])

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


# Deal fields a program admin may require before a deal can be accepted.
ACCEPTANCE_FIELD_CHOICES = [
    ("company_name", _("End-customer company")),
    ("website", _("Website or domain")),
    ("country", _("Country")),
    ("industry", _("Industry")),
    ("company_size", _("Company size")),
    ("street", _("Street address")),
    ("city", _("City")),
    ("postal_code", _("Postal code")),
    ("region", _("Region or state")),
    ("contact_name", _("Contact name")),
    ("contact_title", _("Contact title")),
    ("contact_email", _("Contact e-mail")),
    ("contact_phone", _("Contact phone")),
    ("contact_authority", _("Contact authority")),
    ("need", _("Need and use case")),
    ("urgency", _("Urgency")),
    ("timeline", _("Timeline")),
    ("estimated_value", _("Estimated value")),
    ("products", _("Products")),
    ("introduction_path", _("Introduction path")),
    ("relationship_notes", _("Relationship notes")),
    ("customer_consent", _("Customer consent")),
]
DEFAULT_ACCEPTANCE_FIELDS = [
    "company_name",
    "country",
    "contact_name",
    "contact_email",
    "contact_authority",
    "need",
    "urgency",
    "introduction_path",
    "customer_consent",
]


def _default_acceptance_fields() -> list[str]:
    return list(DEFAULT_ACCEPTANCE_FIELDS)


class ProgramRules(models.Model):
    """The program's rules of engagement. Exactly one row exists (pk=1).

    Published to partners on the rules-of-engagement page; edited by program admins in the
    Django admin, where every change is audited.
    """

    program_name = models.CharField(max_length=120, default="Partner Program")
    protection_window_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    review_sla_hours = models.PositiveIntegerField(
        default=48, validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    expiry_warning_days = models.PositiveIntegerField(
        default=14, validators=[MaxValueValidator(365)],
        help_text=_("Days before a protection window ends that the partner is warned."),
    )
    extension_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days an approved extension adds to a protection window."),
    )
    handoff_sla_hours = models.PositiveIntegerField(
        default=72, validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Hours a sales owner has to take up an accepted deal."),
    )
    dispute_window_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days after an attribution is approved during which its partner may dispute it."),
    )
    contact_retention_months = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Months after which contacts of rejected, withdrawn and expired deals are erased."),
    )
    required_fields_for_acceptance = models.JSONField(default=_default_acceptance_fields)
    # Stop rules: when one holds, automatic routing stops and a person reviews.
    stop_missing_context = models.BooleanField(
        _("stop: missing end-customer context, introduction path or source"), default=True)
    stop_no_fit_evidence = models.BooleanField(_("stop: no fit evidence"), default=True)
    stop_unclear_authority = models.BooleanField(_("stop: unclear authority"), default=True)
    stop_incomplete_consent = models.BooleanField(_("stop: incomplete consent"), default=True)
    stop_duplicate_conflict = models.BooleanField(_("stop: duplicate ownership conflict"), default=True)
    stop_strategic_account = models.BooleanField(_("stop: strategic or sensitive account"), default=True)
    stop_commitments = models.BooleanField(
        _("stop: request implies pricing, scope, procurement or other commitments"), default=True)
    engagement_text = models.TextField(
        blank=True,
        help_text=_("Plain text shown to partners on the rules-of-engagement page."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program rules")
        verbose_name_plural = _("program rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="program_rules_singleton")
        ]

    def __str__(self) -> str:
        return str(self.program_name)

    def clean(self) -> None:
        allowed = {name for name, _label in ACCEPTANCE_FIELD_CHOICES}
        fields = self.required_fields_for_acceptance
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise ValidationError({"required_fields_for_acceptance": _("Give a list of field names.")})
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise ValidationError(
                {"required_fields_for_acceptance": _("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}}
            )

    def required_field_labels(self) -> list[str]:
        labels = dict(ACCEPTANCE_FIELD_CHOICES)
        return [str(labels[f]) for f in self.required_fields_for_acceptance if f in labels]

    def stop_rule_enabled(self, rule: str) -> bool:
        """Whether the stop rule named `rule` (a leads.choices.StopRule value) is switched on."""
        return bool(getattr(self, f"stop_{rule}"))


class Vocabulary(models.Model):
    """One term of a controlled list (vertical, segment, region, ...), kept by program admins.

    Profiles, proof points and vendor leads point at these rows instead of holding free text,
    so matching compares like with like. A term in use is never deleted (PROTECT); retire it
    with `active=False`, which hides it from new choices but keeps old claims readable.
    """

    kind = models.CharField(max_length=20, choices=VocabularyKind.choices)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "name"]
        verbose_name = _("vocabulary term")
        verbose_name_plural = _("vocabulary terms")
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug"], name="vocabulary_kind_slug_unique"),
            models.UniqueConstraint(fields=["kind", "name"], name="vocabulary_kind_name_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=VocabularyKind.values), name="vocabulary_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)


class CapabilityProfileQuerySet(models.QuerySet):
    def for_partner(self, partner: PartnerOrganization) -> "CapabilityProfileQuerySet":
        return self.filter(partner=partner)


class CapabilityProfile(models.Model):
    """What a partner organization can do, kept by its admins (one per organization).

    The claims (`terms`, through `CapabilityClaim`) carry their own verification: a claim a
    partner owner has checked counts fully in matching, an unverified one counts less.
    `capacity` is how many vendor leads the partner can work at once (accepted and not yet
    closed, plus offers awaiting its answer); a partner at capacity is not offered more.

    `terms_verified` and `terms_unverified` repeat the claims' term ids for matching's
    first pass over every organization (`distribution.matching`), as "|3|17|42|" (sorted,
    "" for none): derived data, written only by `partners.services.profile_terms_refresh`,
    which the services that change claims call in their transaction. On PostgreSQL the
    first pass reads the same sets as bitmaps (`terms_verified_bits`,
    `terms_unverified_bits`: bit t of byte t // 8 set for term id t, tested with
    `get_bit`), kept by the same function.
    """

    partner = models.OneToOneField(
        PartnerOrganization, on_delete=models.CASCADE, related_name="capability_profile"
    )
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=3, validators=[MaxValueValidator(1000)],
        help_text=_("Vendor leads the organization can work on at the same time."),
    )
    terms = models.ManyToManyField(
        Vocabulary, through="CapabilityClaim", related_name="profiles", blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="profiles_verified",
        help_text=_("The partner owner who last checked the profile."),
    )
    terms_verified = models.TextField(
        editable=False, blank=True, default="",
        help_text=_("Derived from the claims: ids of the verified claims' terms, for matching."),
    )
    terms_unverified = models.TextField(
        editable=False, blank=True, default="",
        help_text=_("Derived from the claims: ids of the unverified claims' terms."),
    )
    terms_verified_bits = models.BinaryField(
        editable=False, blank=True, default=b"",
        help_text=_("Derived from the claims: the verified claims' term ids as a bitmap."),
    )
    terms_unverified_bits = models.BinaryField(
        editable=False, blank=True, default=b"",
        help_text=_("Derived from the claims: the unverified claims' term ids as a bitmap."),
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="profiles_updated",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = CapabilityProfileQuerySet.as_manager()

    class Meta:
        ordering = ["partner__name"]

    def __str__(self) -> str:
        return f"Capability profile of {self.partner}"

    def get_absolute_url(self) -> str:
        return reverse("partners:profile")


class CapabilityClaimQuerySet(models.QuerySet):
    def for_partner(self, partner: PartnerOrganization) -> "CapabilityClaimQuerySet":
        return self.filter(partner=partner)

    def verified(self) -> "CapabilityClaimQuerySet":
        return self.filter(verified_at__isnull=False)


class CapabilityClaim(models.Model):
    """One term a partner claims in its profile ("serves DACH", "speaks German").

    `partner` repeats `profile.partner` so that the tenant filter and the matching
    aggregates need no join. A claim is unverified until a partner owner verifies it;
    changing the profile keeps the verification of the claims that stay.
    """

    partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.CASCADE, related_name="capability_claims"
    )
    profile = models.ForeignKey(CapabilityProfile, on_delete=models.CASCADE, related_name="claims")
    term = models.ForeignKey(Vocabulary, on_delete=models.PROTECT, related_name="claims")
    created_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="claims_verified",
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = CapabilityClaimQuerySet.as_manager()

    class Meta:
        ordering = ["profile", "term__kind", "term__position", "term__name"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "term"], name="claim_once_per_profile_term"),
        ]
        indexes = [models.Index(fields=["term", "partner"], name="claim_term_partner")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.term}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class ProofPointQuerySet(models.QuerySet):
    def for_partner(self, partner: PartnerOrganization) -> "ProofPointQuerySet":
        return self.filter(partner=partner)


class ProofPoint(models.Model):
    """A case study: what the partner delivered, for whom (by vertical, use case, segment,
    region), with what outcome and when. Recent, referenceable and verified ones weigh more
    in matching. Edited by partner admins; any edit clears the verification.
    """

    partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.CASCADE, related_name="proof_points"
    )
    title = models.CharField(_("title"), max_length=200)
    customer_name = models.CharField(
        _("customer"), max_length=200, blank=True,
        help_text=_("Leave blank when the customer may not be named."),
    )
    vertical = models.ForeignKey(
        Vocabulary, on_delete=models.PROTECT, related_name="proof_points_vertical",
        limit_choices_to={"kind": VocabularyKind.VERTICAL}, verbose_name=_("vertical"),
    )
    use_case = models.ForeignKey(
        Vocabulary, on_delete=models.PROTECT, null=True, blank=True,
        related_name="proof_points_use_case",
        limit_choices_to={"kind": VocabularyKind.USE_CASE}, verbose_name=_("use case"),
    )
    segment = models.ForeignKey(
        Vocabulary, on_delete=models.PROTECT, null=True, blank=True,
        related_name="proof_points_segment",
        limit_choices_to={"kind": VocabularyKind.SEGMENT}, verbose_name=_("segment"),
    )
    region = models.ForeignKey(
        Vocabulary, on_delete=models.PROTECT, null=True, blank=True,
        related_name="proof_points_region",
        limit_choices_to={"kind": VocabularyKind.REGION}, verbose_name=_("region"),
    )
    outcome = models.TextField(_("outcome"), max_length=3000)
    completed_on = models.DateField(_("date"))
    referenceable = models.BooleanField(
        _("referenceable"), default=False,
        help_text=_("The customer agrees to speak to prospects about this work."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="proof_points_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="proof_points_verified",
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = ProofPointQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["vertical", "partner"], name="proof_point_vertical"),
            models.Index(fields=["use_case", "partner"], name="proof_point_use_case"),
            models.Index(fields=["partner", "-completed_on"], name="proof_point_partner"),
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def clean(self) -> None:
        checks = {"vertical": VocabularyKind.VERTICAL, "use_case": VocabularyKind.USE_CASE,
                  "segment": VocabularyKind.SEGMENT, "region": VocabularyKind.REGION}
        errors = {}
        for field, kind in checks.items():
            term = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if term is not None and term.kind != kind:
                errors[field] = _("Choose a term from the %(kind)s list.") % {
                    "kind": VocabularyKind(kind).label}
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = _("A case study's date cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class AgreementVersion(models.Model):
    """One version of the program agreement. Exactly one version is current at a time;
    publishing a new one makes every partner accept again before it is offered leads.
    """

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    published_at = models.DateTimeField(null=True, blank=True)
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True),
                name="agreement_one_current_version",
            ),
            models.CheckConstraint(
                condition=models.Q(is_current=False) | models.Q(published_at__isnull=False),
                name="agreement_current_is_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class AgreementAcceptanceQuerySet(models.QuerySet):
    def for_partner(self, partner: PartnerOrganization) -> "AgreementAcceptanceQuerySet":
        return self.filter(partner=partner)


class AgreementAcceptance(models.Model):
    """A partner admin's acceptance of one agreement version for their organization:
    who, when, which version. Append-only; one per organization and version.
    """

    partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.CASCADE, related_name="agreement_acceptances"
    )
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agreements_accepted"
    )
    accepted_at = models.DateTimeField(default=timezone.now)

    objects = AgreementAcceptanceQuerySet.as_manager()

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "version"], name="agreement_accepted_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} accepted v{self.version.version}"
