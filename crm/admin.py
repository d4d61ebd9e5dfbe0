"""Admin for CRM records; every edit is audited."""

from django.contrib import admin

from audit.admin import AuditedModelAdmin
from crm.models import Account, Contact, Opportunity
from crm.services import account_apply_normalization


@admin.register(Account)
class AccountAdmin(AuditedModelAdmin):
    list_display = ["name", "external_id", "norm_domain", "city", "country", "phone", "sales_owner",
                    "is_strategic", "is_customer"]
    list_filter = ["is_strategic", "is_customer", "country"]
    search_fields = ["name", "external_id", "norm_domain", "norm_phone", "city"]
    list_select_related = ["sales_owner"]
    raw_id_fields = ["sales_owner"]
    readonly_fields = ["norm_company", "name_words", "norm_domain", "norm_phone", "norm_street",
                       "norm_city", "norm_postal_code", "norm_address"]

    def save_model(self, request, obj, form, change) -> None:
        account_apply_normalization(obj)  # the keys follow an edited name or website
        super().save_model(request, obj, form, change)


@admin.register(Opportunity)
class OpportunityAdmin(AuditedModelAdmin):
    list_display = ["name", "account", "stage", "owner", "amount", "close_date"]
    list_filter = ["stage"]
    search_fields = ["name", "external_id", "account__name"]
    list_select_related = ["account", "owner"]
    raw_id_fields = ["account", "owner"]


@admin.register(Contact)
class ContactAdmin(AuditedModelAdmin):
    """CRM contacts (personal data: erase with audit.erasure.crm_contact_erase)."""

    list_display = ["name", "external_id", "account", "email", "phone", "title", "erased_at"]
    search_fields = ["name", "external_id", "norm_email", "norm_phone", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    readonly_fields = ["norm_name", "norm_email", "norm_phone", "erased_at"]
