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
