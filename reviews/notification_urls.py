"""Notification routes, mounted at /notifications/ for partners and staff alike."""

from django.urls import path

from reviews.views import notifications

app_name = "notifications"

urlpatterns = [
    path("", notifications.notification_list, name="list"),
    path("<int:pk>/open/", notifications.notification_open, name="open"),
    path("read-all/", notifications.notification_read_all, name="read-all"),
    path("preferences/", notifications.notification_preferences, name="preferences"),
    path("unsubscribe/<str:token>/", notifications.notification_unsubscribe, name="unsubscribe"),
]
