"""API v1 routes: the partner's deals, and vendor staff's routes under staff/."""

from django.urls import path
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
from leads.api import DealViewSet
from reviews.api import (
    DealScreeningView,
    RejectionReasonListView,
    StaffDealViewSet,
    StaffTaskViewSet,
)


class Router(DefaultRouter):
    """JSON only: no `.json`/`.api` suffix variants of every route."""

    include_format_suffixes = False


router = Router()
router.register("deals", DealViewSet, basename="deal")
router.register("staff/deals", StaffDealViewSet, basename="staff-deal")
router.register("staff/tasks", StaffTaskViewSet, basename="staff-task")
router.register("staff/conflicts", StaffConflictViewSet, basename="staff-conflict")
router.register("staff/commissions", StaffCommissionViewSet, basename="staff-commission")
router.register("commissions", CommissionViewSet, basename="commission")
router.register("payouts", PayoutViewSet, basename="payout")

urlpatterns = [
    # The screening route's old path; it also lives at staff/deals/<pk>/screening/.
    path("deals/<int:pk>/screening/", DealScreeningView.as_view(), name="deal-screening"),
    path("staff/rejection-reasons/", RejectionReasonListView.as_view(),
         name="staff-rejection-reason-list"),
    # Attribution and compensation (attribution/api.py).
    path("deals/<int:pk>/attribution/", DealAttributionView.as_view(), name="deal-attribution"),
    path("deals/<int:pk>/disputes/", DealDisputeView.as_view(), name="deal-disputes"),
    path("staff/payouts/<int:pk>/csv/", StaffPayoutCsvView.as_view(), name="staff-payout-csv"),
    *router.urls,
]
