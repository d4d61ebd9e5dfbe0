"""API v1 routes."""

from rest_framework.routers import DefaultRouter

from leads.api import DealViewSet


class Router(DefaultRouter):
    """JSON only: no `.json`/`.api` suffix variants of every route."""

    include_format_suffixes = False


router = Router()
router.register("deals", DealViewSet, basename="deal")

urlpatterns = router.urls
