"""Deal registrations, their questions, and the products they name."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from leads.choices import (
    CURRENCIES,
    CompanySize,
    ContactAuthority,
    DealSource,
    DealStatus,
    IntroductionPath,
    Urgency,
)


class Product(models.Model):
    """A vendor product a deal may be registered for (reference data)."""

    name = models.CharField(max_length=120, unique=True)
    sku = models.CharField(max_length=40, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DealQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "DealQuerySet":
        """The one tenant filter for deals: only `partner`'s registrations."""
        return self.filter(partner=partner)


class Deal(models.Model):
    """A deal registration: an end customer a partner found, with the evidence for it.

    `raw_input` keeps what the partner typed at the last save; the `norm_*` fields hold the
    normalized keys the screening pipeline matches on. Status changes only through
    `leads.services`.
    """

    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="deals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals_created"
    )
    # The member responsible for the deal: its creator until a partner admin reassigns it.
    # Notifications and "my deals" follow the owner; `created_by` never changes.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="deals_owned",
    )
    status = models.CharField(
        max_length=20, choices=DealStatus.choices, default=DealStatus.DRAFT, db_index=True
    )
    source = models.CharField(
        max_length=20, choices=DealSource.choices, default=DealSource.PARTNER
    )

    # End customer
    company_name = models.CharField(_("company"), max_length=200)
    website = models.CharField(_("website or domain"), max_length=255, blank=True)
    country = CountryField(_("country"), blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    company_size = models.CharField(
        _("company size"), max_length=20, choices=CompanySize.choices, blank=True
    )
    # The customer's address (optional for partners; the program may require parts of it).
    street = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    region = models.CharField(_("region or state"), max_length=100, blank=True)

    # Contact
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_title = models.CharField(_("contact title"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), max_length=254, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_authority = models.CharField(
        _("contact authority"), max_length=20, choices=ContactAuthority.choices, blank=True
    )

    # Opportunity
    need = models.TextField(_("need and use case"), max_length=5000, blank=True)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, blank=True)
    timeline = models.CharField(_("timeline"), max_length=200, blank=True)
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    products = models.ManyToManyField(Product, blank=True, related_name="deals")
    introduction_path = models.CharField(
        _("introduction path"), max_length=30, choices=IntroductionPath.choices, blank=True
    )
    relationship_notes = models.TextField(_("relationship notes"), max_length=5000, blank=True)
    customer_consent = models.BooleanField(
        _("customer consents to be contacted by the vendor"), default=False
    )

    raw_input = models.JSONField(default=dict, blank=True)
    routing_paused = models.BooleanField(
        default=False,
        help_text=_("Sales routing waits while an attribution conflict is open."),
    )
    conflict_case = models.ForeignKey(
        "attribution.ConflictCase", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="deals",
    )
    # A conflict-case member that did not survive its resolution points at the survivor.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_deals"
    )
    # A deal made from a vendor lead (source `vendor`) when a partner accepted its offer.
    vendor_lead = models.ForeignKey(
        "distribution.VendorLead", on_delete=models.PROTECT, null=True, blank=True,
        related_name="deals",
    )

    # Normalized keys (derived; see leads.normalize)
    norm_company = models.CharField(max_length=200, blank=True)
    # The distinctive words of norm_company, which name search indexes.
    name_words = models.CharField(max_length=200, blank=True)
    norm_domain = models.CharField(max_length=255, blank=True, db_index=True)
    norm_email = models.CharField(max_length=254, blank=True, db_index=True)
    norm_email_domain = models.CharField(max_length=255, blank=True, db_index=True)
    norm_phone = models.CharField(max_length=20, blank=True, db_index=True)
    norm_country = models.CharField(max_length=2, blank=True)
    norm_city = models.CharField(max_length=100, blank=True)
    norm_postal_code = models.CharField(max_length=20, blank=True)
    norm_street = models.CharField(max_length=200, blank=True)
    # "<postal code or city>|<house number>": the same building, whatever the name says.
    norm_address = models.CharField(max_length=140, blank=True, db_index=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    screening_started_at = models.DateTimeField(null=True, blank=True)
    screening_finished_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # After acceptance: the protection window, the vendor's sales owner and the CRM link.
    protected_until = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    sales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="deals_handed_over",
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="deals",
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    won_amount = models.DecimalField(
        _("won amount"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    lost_reason = models.TextField(_("lost reason"), max_length=2000, blank=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # An organization's deals in the lists' order (newest first, ties by id), so a
            # page of 25 reads 25 index entries instead of sorting all of its deals.
            models.Index(fields=["partner", "status", "-created_at", "-id"],
                         name="deal_partner_status_newest"),
            models.Index(fields=["partner", "-created_at", "-id"], name="deal_partner_newest"),
            models.Index(fields=["status", "submitted_at"], name="deal_status_submitted"),
            models.Index(fields=["status", "protected_until"], name="deal_status_protected"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DealStatus.values), name="deal_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_value__isnull=True)
                | models.Q(estimated_value__gte=0),
                name="deal_value_not_negative",
            ),
            models.UniqueConstraint(
                fields=["vendor_lead"], condition=models.Q(vendor_lead__isnull=False),
                name="deal_once_per_vendor_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.company_name}"

    def get_absolute_url(self) -> str:
        return reverse("leads:deal-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"DR-{self.pk:06d}" if self.pk else "DR-new"

    def clean(self) -> None:
        # An ISO 4217 code, checked here too so no path (form, API, admin, import) stores
        # "ZZZ" or a name cut to three letters. (Not a field choice: that needs no migration.)
        if self.currency not in CURRENCIES:
            raise ValidationError({"currency": _(
                "Choose an ISO 4217 currency code, such as USD or EUR.")})

    @property
    def is_editable(self) -> bool:
        return self.status == DealStatus.DRAFT


class DealQuestionQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "DealQuestionQuerySet":
        return self.filter(partner=partner)


class DealQuestion(models.Model):
    """A question vendor staff asked the partner about a deal, and the partner's answer."""

    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="deal_questions"
    )
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="questions")
    question = models.TextField(max_length=2000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deal_questions_asked"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(max_length=5000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deal_questions_answered",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = DealQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return f"Question on {self.deal.reference}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class DealStatusChangeQuerySet(models.QuerySet):
    def for_partner(self, partner) -> "DealStatusChangeQuerySet":
        return self.filter(partner=partner)


class DealStatusChange(models.Model):
    """One status change of a deal: from, to, who, when.

    Written by every transition in the same transaction, so that the program's measures
    (time to decision, time spent in needs-info) are aggregate queries over this table.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="status_changes")
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="deal_status_changes"
    )
    from_status = models.CharField(max_length=20, choices=DealStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=DealStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="deal_status_changes",
    )
    at = models.DateTimeField(db_index=True)

    objects = DealStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["deal", "at"], name="deal_status_change_deal"),
            models.Index(fields=["to_status", "at"], name="deal_status_change_to"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_status or '-'} -> {self.to_status}"
