"""Admin for deals (read-mostly) and products; every edit is audited."""

from django.contrib import admin

from audit.admin import AuditedModelAdmin
from leads.models import Deal, DealQuestion, DealStatusChange, Product


@admin.register(Product)
class ProductAdmin(AuditedModelAdmin):
    list_display = ["name", "sku", "active"]
    search_fields = ["name", "sku"]


@admin.register(Deal)
class DealAdmin(AuditedModelAdmin):
    """Deals change state only through services; the admin shows them read-only."""

    list_display = ["reference", "company_name", "partner", "status", "submitted_at"]
    list_filter = ["status", "source", "urgency"]
    search_fields = ["company_name", "contact_email", "norm_domain"]
    list_select_related = ["partner"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DealQuestion)
class DealQuestionAdmin(DealAdmin):
    list_display = ["deal", "asked_by", "asked_at", "answered_at"]
    list_filter = []
    search_fields = ["question", "answer"]
    list_select_related = ["deal", "asked_by"]


@admin.register(DealStatusChange)
class DealStatusChangeAdmin(DealAdmin):
    """The status history services write with every transition (read-only)."""

    list_display = ["at", "deal", "partner", "from_status", "to_status", "actor"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["deal__company_name"]
    list_select_related = ["deal", "partner", "actor"]
    date_hierarchy = "at"
