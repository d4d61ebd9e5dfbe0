"""Staff pages of CRM imports, under /staff/imports/ (the paths outside checks call)."""

from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("", views.crm_import_list, name="crm-import-list"),
    path("<int:pk>/", views.crm_import_detail, name="crm-import-detail"),
    path("<int:pk>/errors.csv", views.crm_import_errors, name="crm-import-errors"),
]
