"""Admin for program admins: organizations, memberships, tiers, program rules. Audited."""

from django.contrib import admin

from audit.admin import AuditedModelAdmin
from partners.models import Invitation, Membership, PartnerOrganization, ProgramRules, Tier


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(AuditedModelAdmin):
    list_display = ["name", "tier", "program_status", "partner_owner"]
    list_filter = ["tier", "program_status"]
    search_fields = ["name"]
    list_select_related = ["tier", "partner_owner"]
    inlines = [MembershipInline]


@admin.register(Tier)
class TierAdmin(AuditedModelAdmin):
    list_display = ["name", "rank"]


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "partner", "role"]
    list_filter = ["role", "partner"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "partner"]


@admin.register(Invitation)
class InvitationAdmin(AuditedModelAdmin):
    list_display = ["email", "partner", "role", "created_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token"]
    list_select_related = ["partner"]


@admin.register(ProgramRules)
class ProgramRulesAdmin(AuditedModelAdmin):
    """The single rules record: it can be edited, never added twice or deleted."""

    list_display = ["program_name", "protection_window_days", "review_sla_hours",
                    "handoff_sla_hours", "expiry_warning_days", "extension_days", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return not ProgramRules.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
