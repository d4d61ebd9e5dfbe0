"""Admin for the review records: the rejection reasons program admins keep (editable,
audited) and read-only views of decisions, extension requests and notifications, which
change only through the services in `reviews.services`."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedModelAdmin
from partnerportal.exceptions import ApplicationError
from reviews.models import Decision, ExtensionRequest, Notification, RejectionReason, ReviewTask
from reviews.services import extension_decide


class RecordAdmin(AuditedModelAdmin):
    """A record written by a service: listed and shown, never added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(RejectionReason)
class RejectionReasonAdmin(AuditedModelAdmin):
    """The reasons a reviewer picks from when rejecting. Switch one off instead of deleting
    it: past decisions keep pointing at it (PROTECT)."""

    list_display = ["label", "code", "active", "position"]
    list_editable = ["active", "position"]
    list_display_links = ["label"]
    list_filter = ["active"]
    search_fields = ["label", "code"]
    ordering = ["position", "label"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # The code is what decisions, the API and reports refer to: fixed once created.
        return ["code"] if obj is not None else []


@admin.register(Decision)
class DecisionAdmin(RecordAdmin):
    list_display = ["created_at", "deal", "partner", "kind", "actor", "reason_code", "is_override"]
    list_filter = ["kind", "reason_code", ("override_reason", admin.EmptyFieldListFilter)]
    search_fields = ["deal__company_name", "reason", "partner_note", "override_reason"]
    list_select_related = ["deal", "partner", "actor", "reason_code"]
    date_hierarchy = "created_at"

    @admin.display(boolean=True, description="override")
    def is_override(self, obj: Decision) -> bool:
        return obj.is_override


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(RecordAdmin):
    """Read-only, with one action: approve through `extension_decide`, the same service the
    staff pages call (a refusal needs a note, so it is made on the deal's review page)."""

    list_display = ["created_at", "deal", "partner", "requested_by", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["deal__company_name", "reason", "decision_note"]
    list_select_related = ["deal", "partner", "requested_by", "decided_by"]
    actions = ["approve"]

    @admin.action(description=_("Approve the selected extension requests"), permissions=["view"])
    def approve(self, request: HttpRequest, queryset) -> None:
        approved = 0
        for item in queryset.select_related("deal"):
            try:
                extension_decide(actor=request.user, item=item, approve=True)
                approved += 1
            except (ApplicationError, ValidationError) as error:
                message = getattr(error, "message", None) or "; ".join(error.messages)
                self.message_user(request, f"{item.deal}: {message}", messages.ERROR)
        if approved:
            self.message_user(request, _("%(n)d extension request(s) approved.") % {"n": approved},
                              messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(RecordAdmin):
    list_display = ["created_at", "user", "kind", "title", "delivery", "read_at", "emailed_at"]
    list_filter = ["kind", "delivery"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


@admin.register(ReviewTask)
class ReviewTaskAdmin(RecordAdmin):
    list_display = ["deal", "kind", "status", "assignee", "due_at", "paused_at", "escalated_at"]
    list_filter = ["kind", "status"]
    search_fields = ["deal__company_name"]
    list_select_related = ["deal", "assignee"]
