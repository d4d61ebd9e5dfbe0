"""API v1 routes: the partner's deals, and vendor staff's routes under staff/."""

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from attribution.api import (
    CommissionViewSet,
    DealAttributionView,
    DealDisputeView,
    PayoutViewSet,
    StaffCommissionViewSet,
    StaffConflictViewSet,
    StaffPayoutCsvView,
)
from distribution.api import (
    DealOutcomeView,
    OfferViewSet,
    ScorecardView,
    StaffVendorLeadViewSet,
)
from leads.api import DealViewSet
from measurements.api import StaffMeasurementsView
from reviews.api import (
    DealScreeningView,
    RejectionReasonListView,
    StaffDealViewSet,
    StaffTaskViewSet,
)


class Router(DefaultRouter):
    """JSON only: no `.json`/`.api` suffix variants of every route."""

    include_format_suffixes = False


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_not_found(request, *args, **kwargs):
    raise NotFound


router = Router()
router.register("deals", DealViewSet, basename="deal")
router.register("staff/deals", StaffDealViewSet, basename="staff-deal")
router.register("staff/tasks", StaffTaskViewSet, basename="staff-task")
router.register("staff/conflicts", StaffConflictViewSet, basename="staff-conflict")
router.register("staff/commissions", StaffCommissionViewSet, basename="staff-commission")
router.register("commissions", CommissionViewSet, basename="commission")
router.register("payouts", PayoutViewSet, basename="payout")
router.register("staff/vendor-leads", StaffVendorLeadViewSet, basename="staff-vendor-lead")
router.register("offers", OfferViewSet, basename="offer")

urlpatterns = [
    # The screening route's old path; it also lives at staff/deals/<pk>/screening/.
    path("deals/<int:pk>/screening/", DealScreeningView.as_view(), name="deal-screening"),
    path("staff/rejection-reasons/", RejectionReasonListView.as_view(),
         name="staff-rejection-reason-list"),
    # Attribution and compensation (attribution/api.py).
    path("deals/<int:pk>/attribution/", DealAttributionView.as_view(), name="deal-attribution"),
    path("deals/<int:pk>/disputes/", DealDisputeView.as_view(), name="deal-disputes"),
    # Vendor leads, offers and outcome reports (distribution/api.py).
    path("deals/<int:pk>/outcomes/", DealOutcomeView.as_view(), name="deal-outcomes"),
    path("scorecard/", ScorecardView.as_view(), name="scorecard"),
    path("staff/payouts/<int:pk>/csv/", StaffPayoutCsvView.as_view(), name="staff-payout-csv"),
    # The program's measures (measurements/api.py).
    path("staff/measurements/", StaffMeasurementsView.as_view(), name="staff-measurements"),
    *router.urls,
    # Any other path under api/v1/ answers a JSON 404, as the routes above do for an unknown
    # id (not Django's HTML page, which the published schema does not describe).
    re_path(r"^", api_not_found, name="api-not-found"),
]
