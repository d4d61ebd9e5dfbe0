"""Admin for program admins: matching weights (each save publishes a new version), and
read-only views of recommendations, offers and outcome reports. Vendor leads are worked on
the staff pages."""

from django.contrib import admin, messages
from django.http import HttpRequest

from distribution.matching import weights_publish
from distribution.models import MatchingWeights, Offer, OutcomeReport, Recommendation


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(admin.ModelAdmin):
    """Versions are never edited: "Add" (prefilled with the current settings) publishes the
    next version through `weights_publish`, which validates and audits it."""

    list_display = ["version", "near_tie_margin", "offer_sla_hours", "auto_cascade",
                    "report_cadence_days", "created_by", "created_at", "note"]
    fields = ["weights", "near_tie_margin", "offer_sla_hours", "auto_cascade",
              "report_cadence_days", "note"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        current = MatchingWeights.objects.order_by("-version").first()
        if current is None:
            return {}
        return {f: getattr(current, f) for f in ["weights", "near_tie_margin", "offer_sla_hours",
                                                  "auto_cascade", "report_cadence_days"]}

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        published = weights_publish(
            actor=request.user, weights=obj.weights, near_tie_margin=obj.near_tie_margin,
            offer_sla_hours=obj.offer_sla_hours, auto_cascade=obj.auto_cascade,
            report_cadence_days=obj.report_cadence_days, note=obj.note)
        obj.pk, obj.version = published.pk, published.version
        messages.info(request, f"Published matching weights version {published.version}.")


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(_ReadOnlyAdmin):
    list_display = ["lead", "weights", "computed_at", "eligible_count", "engine", "duration_ms"]
    list_select_related = ["lead", "weights"]
    date_hierarchy = "computed_at"


@admin.register(Offer)
class OfferAdmin(_ReadOnlyAdmin):
    list_display = ["lead", "partner", "rank", "status", "is_override", "offered_at", "due_at",
                    "responded_at"]
    list_filter = ["status", "is_override"]
    list_select_related = ["lead", "partner"]
    search_fields = ["partner__name", "lead__company_name"]


@admin.register(OutcomeReport)
class OutcomeReportAdmin(_ReadOnlyAdmin):
    list_display = ["deal", "partner", "stage", "reported_by", "reported_at"]
    list_filter = ["stage"]
    list_select_related = ["deal", "partner", "reported_by"]
