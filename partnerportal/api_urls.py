"""API v1 routes: the partner's deals, and vendor staff's routes under staff/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

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

urlpatterns = [
    # The screening route's old path; it also lives at staff/deals/<pk>/screening/.
    path("deals/<int:pk>/screening/", DealScreeningView.as_view(), name="deal-screening"),
    path("staff/rejection-reasons/", RejectionReasonListView.as_view(),
         name="staff-rejection-reason-list"),
    *router.urls,
]
