"""API v1 routes."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from leads.api import DealViewSet
from reviews.api import DealScreeningView


class Router(DefaultRouter):
    """JSON only: no `.json`/`.api` suffix variants of every route."""

    include_format_suffixes = False


router = Router()
router.register("deals", DealViewSet, basename="deal")

urlpatterns = [
    path("deals/<int:pk>/screening/", DealScreeningView.as_view(), name="deal-screening"),
    *router.urls,
]
