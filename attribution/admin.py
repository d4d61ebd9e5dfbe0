"""Admin for commission rules (program admins; every change audited) and read-only views of
the attribution records, which change only through the services.

A rule that commissions already used is read-only except `effective_to`: ending a rule
is how it changes, and a new rule takes over from the next day. Commissions keep the
snapshot of the rule they used, so nothing here can rewrite what was earned.
"""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from attribution.choices import CommissionKind
from attribution.models import (
    Attribution,
    Commission,
    CommissionRule,
    ConflictCase,
    Dispute,
    PayoutStatement,
)
from audit.admin import AuditedModelAdmin
from partners.choices import StaffRole
from partners.selectors import user_staff_roles


def _is_program_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff
                and StaffRole.PROGRAM_ADMIN in user_staff_roles(user=user))


RULE_FIELDS = ["name", "tier", "product", "source", "kind", "rate", "amount", "currency", "cap",
               "effective_from", "effective_to"]


class CommissionRuleForm(forms.ModelForm):
    """Says in words what the table's constraints refuse (a value for the kind, dates in
    order), beside the field concerned."""

    class Meta:
        model = CommissionRule
        fields = RULE_FIELDS

    def clean(self):
        data = super().clean()
        kind = data.get("kind", getattr(self.instance, "kind", None))
        if kind == CommissionKind.PERCENT and data.get("rate", self.instance.rate) is None \
                and "rate" in self.fields:
            self.add_error("rate", _("A percentage rule needs its rate."))
        if kind == CommissionKind.FLAT and data.get("amount", self.instance.amount) is None \
                and "amount" in self.fields:
            self.add_error("amount", _("A flat rule needs its amount."))
        start = data.get("effective_from", self.instance.effective_from)
        end = data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", _("The rule cannot end before it starts."))
        return data


@admin.register(CommissionRule)
class CommissionRuleAdmin(AuditedModelAdmin):
    form = CommissionRuleForm
    list_display = ["name", "kind", "rate", "amount", "currency", "cap", "tier", "product", "source",
                    "effective_from", "effective_to", "used"]
    list_filter = ["kind", "tier", "currency"]
    search_fields = ["name"]
    list_select_related = ["tier", "product"]
    fields = RULE_FIELDS

    def get_queryset(self, request: HttpRequest):
        from django.db.models import Exists, OuterRef

        return super().get_queryset(request).annotate(
            has_commissions=Exists(Commission.objects.filter(rule=OuterRef("pk"))))

    @admin.display(boolean=True, description=_("used by commissions"))
    def used(self, obj: CommissionRule) -> bool:
        return bool(getattr(obj, "has_commissions", False))

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if obj is not None and Commission.objects.filter(rule=obj).exists():
            return [f for f in self.fields if f != "effective_to"]
        return []

    def save_model(self, request: HttpRequest, obj: CommissionRule, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_program_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_program_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_program_admin(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_program_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # A rule commissions point at stays (PROTECT); end it with `effective_to` instead.
        return _is_program_admin(request) and (
            obj is None or not Commission.objects.filter(rule=obj).exists())


class AttributionRecordAdmin(admin.ModelAdmin):
    """Written by the services only: listed and shown to program admins, never edited here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_program_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_program_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ConflictCase)
class ConflictCaseAdmin(AttributionRecordAdmin):
    list_display = ["__str__", "status", "resolution", "involves_direct_sales", "created_at",
                    "resolved_at"]
    list_filter = ["status", "resolution"]


@admin.register(Attribution)
class AttributionAdmin(AttributionRecordAdmin):
    list_display = ["deal", "partner", "direct", "role", "share", "status", "dispute_until"]
    list_filter = ["status", "role", "direct"]
    list_select_related = ["deal", "partner"]


@admin.register(Commission)
class CommissionAdmin(AttributionRecordAdmin):
    list_display = ["deal", "partner", "amount", "currency", "status", "rule", "approved_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["deal", "partner", "rule"]


@admin.register(PayoutStatement)
class PayoutStatementAdmin(AttributionRecordAdmin):
    list_display = ["__str__", "partner", "period_start", "period_end", "currency", "total", "status"]
    list_filter = ["status", "currency"]
    list_select_related = ["partner"]


@admin.register(Dispute)
class DisputeAdmin(AttributionRecordAdmin):
    list_display = ["__str__", "partner", "status", "created_at", "resolved_at"]
    list_filter = ["status"]
    list_select_related = ["partner"]
