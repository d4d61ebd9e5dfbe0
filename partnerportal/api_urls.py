"""API v1 routes."""

from rest_framework.routers import DefaultRouter

from leads.api import DealViewSet

router = DefaultRouter()
router.register("deals", DealViewSet, basename="deal")

urlpatterns = router.urls
