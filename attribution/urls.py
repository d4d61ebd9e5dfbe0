"""Partner pages for attribution and compensation (mounted at /partner/attribution/)."""

from django.urls import path

from attribution import views

app_name = "attribution"

urlpatterns = [
    path("", views.attribution_list, name="attribution-list"),
    path("<int:pk>/dispute/", views.dispute_create, name="dispute-create"),
    path("disputes/", views.dispute_list, name="dispute-list"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("commissions/", views.commission_list, name="commission-list"),
    path("statements/", views.statement_list, name="statement-list"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path("statements/<int:pk>/csv/", views.statement_csv, name="statement-csv"),
]
