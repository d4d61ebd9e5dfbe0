"""The vendor's CRM records that registrations are checked against, and their imports.

The tables keep the names they had when these models lived in `leads` (`db_table`): the
move to this app changed Django's state only, no data moved (crm/migrations/0001).
Audit events written before the move name their targets `leads.account` etc.;
`audit.labels` maps the old labels to these models.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.choices import ImportKind, ImportStatus, OpportunityStage


class Account(models.Model):
    """An end-customer company in the vendor's CRM (imported or synced)."""

    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    website = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=100, blank=True)
    sales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_accounts",
    )
    is_strategic = models.BooleanField(default=False)
    is_customer = models.BooleanField(_("existing customer"), default=False)
    norm_company = models.CharField(max_length=200, blank=True)
    # The distinctive words of norm_company, which name search indexes.
    name_words = models.CharField(max_length=200, blank=True)
    norm_domain = models.CharField(max_length=255, blank=True, db_index=True)
    norm_phone = models.CharField(max_length=20, blank=True, db_index=True)
    norm_city = models.CharField(max_length=100, blank=True)
    norm_postal_code = models.CharField(max_length=20, blank=True)
    norm_street = models.CharField(max_length=200, blank=True)
    norm_address = models.CharField(max_length=140, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "leads_account"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    """An opportunity in the vendor's CRM on an account."""

    external_id = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opportunities")
    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=20, choices=OpportunityStage.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_opportunities",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "leads_opportunity"
        ordering = ["-close_date", "name"]
        verbose_name_plural = _("opportunities")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at an account in the vendor's CRM (imported). Personal data: erased with
    `audit.erasure.crm_contact_erase`. Their e-mail or phone on a registration is strong
    evidence that the vendor knows the company."""

    external_id = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=150, blank=True)
    norm_name = models.CharField(max_length=150, blank=True)
    norm_email = models.CharField(max_length=254, blank=True, db_index=True)
    norm_phone = models.CharField(max_length=20, blank=True, db_index=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "leads_contact"
        ordering = ["account", "name", "id"]

    def __str__(self) -> str:
        return self.name or self.external_id


class CrmImport(models.Model):
    """One uploaded file and its progress; bad rows are kept with their line and reason."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file = models.FileField(upload_to="crm_imports/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_rows = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="crm_imports",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        db_table = "leads_crmimport"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
