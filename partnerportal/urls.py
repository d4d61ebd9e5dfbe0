"""Root URLs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from partnerportal import signin, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("accounts/login/", signin.login, name="account_login"),  # 429 when throttled
    path("accounts/", include("allauth.urls")),
    path("partner/attribution/", include("attribution.urls")),
    path("partner/offers/", include("distribution.urls")),
    path("partner/scorecard/", include("measurements.urls")),
    path("partner/", include("partners.urls")),
    path("deals/", include("leads.urls")),
    path("staff/imports/", include("crm.urls")),
    path("staff/", include("reviews.urls")),
    path("notifications/", include("reviews.notification_urls")),
    path("api/v1/", include("partnerportal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
