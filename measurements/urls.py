"""Partner pages of the measurements app (mounted at /partner/scorecard/)."""

from django.urls import path

from measurements import views

app_name = "measurements"

urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("export.csv", views.scorecard_csv, name="scorecard-csv"),
]
