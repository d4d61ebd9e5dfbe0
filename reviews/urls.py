from django.urls import path

from reviews import imports
from reviews.views import deal, queue

app_name = "reviews"

urlpatterns = [
    path("", queue.deal_list, name="deal-list"),
    path("deals/<int:pk>/", deal.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/ask/", deal.question_ask, name="question-ask"),
    path("imports/", imports.crm_import_list, name="crm-import-list"),
    path("imports/<int:pk>/", imports.crm_import_detail, name="crm-import-detail"),
    path("imports/<int:pk>/errors.csv", imports.crm_import_errors, name="crm-import-errors"),
]
