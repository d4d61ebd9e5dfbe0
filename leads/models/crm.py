"""The vendor's CRM records that registrations are checked against."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leads.choices import OpportunityStage


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
        ordering = ["account", "name", "id"]

    def __str__(self) -> str:
        return self.name or self.external_id


class KeyCount(models.Model):
    """How many existing records (registrations, accounts) carry a matching key's value:
    a name, a distinctive name word, a phone, a city. Scoring reads it so that agreement on
    a frequent value (a chain's name, a switchboard, a big city) weighs less than on a rare
    one. Kept by `leads.evidence` (counts added as records are screened or imported, and
    rebuilt by the beat task `key_counts_refresh_task`)."""

    field = models.CharField(max_length=10)
    value = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "value"], name="key_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.field}:{self.value}={self.count}"
