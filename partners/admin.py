"""Admin for program admins: organizations, memberships, tiers, program rules. Audited."""

from django.contrib import admin, messages

from audit.admin import AuditedModelAdmin
from partners import services
from partners.models import (
    AgreementAcceptance,
    AgreementVersion,
    CapabilityClaim,
    CapabilityProfile,
    Invitation,
    Membership,
    PartnerOrganization,
    ProgramRules,
    ProofPoint,
    Tier,
    Vocabulary,
)


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


# --- issue 14: controlled vocabularies, capability profiles, agreements ----------------------

@admin.register(Vocabulary)
class VocabularyAdmin(AuditedModelAdmin):
    """The controlled lists profiles, case studies and vendor leads choose from. Retire a
    term with `active` off; a term in use cannot be deleted."""

    list_display = ["name", "kind", "slug", "active", "position"]
    list_filter = ["kind", "active"]
    list_editable = ["active", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class CapabilityClaimInline(admin.TabularInline):
    model = CapabilityClaim
    extra = 0
    fields = ["term", "verified_at", "verified_by"]
    readonly_fields = ["term", "verified_at", "verified_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # partner admins keep their claims in the portal


@admin.register(CapabilityProfile)
class CapabilityProfileAdmin(AuditedModelAdmin):
    list_display = ["partner", "capacity", "verified_at", "updated_at"]
    search_fields = ["partner__name"]
    list_select_related = ["partner"]
    readonly_fields = ["verified_at", "verified_by", "updated_by", "updated_at"]
    raw_id_fields = ["partner"]
    inlines = [CapabilityClaimInline]


@admin.register(ProofPoint)
class ProofPointAdmin(AuditedModelAdmin):
    list_display = ["title", "partner", "vertical", "completed_on", "referenceable", "verified_at"]
    list_filter = ["vertical", "referenceable"]
    search_fields = ["title", "partner__name"]
    list_select_related = ["partner", "vertical"]
    readonly_fields = ["verified_at", "verified_by", "created_by"]
    raw_id_fields = ["partner"]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(AuditedModelAdmin):
    """Write a version here, then publish it with the action: partners accept it again."""

    list_display = ["version", "title", "is_current", "published_at"]
    readonly_fields = ["is_current", "published_at"]
    actions = ["publish"]

    @admin.action(description="Publish as the current agreement (partners accept it again)")
    def publish(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one version.", messages.ERROR)
            return
        version = services.agreement_publish(actor=request.user, version=queryset.get())
        self.message_user(request, f"Version {version.version} is now current.")


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(admin.ModelAdmin):
    """Who accepted which version, when: a record, never edited."""

    list_display = ["partner", "version", "accepted_by", "accepted_at"]
    list_filter = ["version"]
    list_select_related = ["partner", "version", "accepted_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
