"""Admin for the audit log (read-only) and `AuditedModelAdmin`, which audits admin edits."""

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from audit.models import AuditEvent
from audit.services import audit_record, changed, snapshot


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes write an audit event in the same transaction."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = snapshot(obj)
            before_diff, after_diff = changed(before, after)
            audit_record(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                target=obj,
                before=before_diff,
                after=after_diff,
                reason="Django admin",
            )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            if any(formset.has_changed() for formset in formsets):
                audit_record(
                    actor=request.user,
                    action="admin.change_related",
                    target=form.instance,
                    after={"inlines": [fs.prefix for fs in formsets if fs.has_changed()]},
                    reason="Django admin",
                )

    def delete_model(self, request: HttpRequest, obj) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action="admin.delete",
                target=obj,
                before=snapshot(obj),
                reason="Django admin",
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only view of the log: nobody edits history, not even superusers."""

    list_display = ["created_at", "actor_label", "action", "target_type", "target_id", "partner"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "actor_label", "action", "request_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
