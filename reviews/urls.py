from django.urls import path

from reviews import imports
from reviews.views import deal, handoff, queue

app_name = "reviews"

urlpatterns = [
    path("", queue.review_queue, name="queue"),
    path("deals/", queue.deal_list, name="deal-list"),
    path("deals/<int:pk>/", deal.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/ask/", deal.question_ask, name="question-ask"),
    path("deals/<int:pk>/accept/", deal.deal_accept, name="deal-accept"),
    path("deals/<int:pk>/reject/", deal.deal_reject, name="deal-reject"),
    path("tasks/<int:pk>/claim/", deal.task_claim, name="task-claim"),
    path("tasks/<int:pk>/assign/", deal.task_assign, name="task-assign"),
    path("tasks/<int:pk>/close/", deal.task_close, name="task-close"),
    path("extensions/<int:pk>/decide/", deal.extension_decide, name="extension-decide"),
    path("handoffs/", handoff.handoff_list, name="handoff-list"),
    path("handoffs/<int:pk>/", handoff.handoff_detail, name="handoff-detail"),
    path("imports/", imports.crm_import_list, name="crm-import-list"),
    path("imports/<int:pk>/", imports.crm_import_detail, name="crm-import-detail"),
    path("imports/<int:pk>/errors.csv", imports.crm_import_errors, name="crm-import-errors"),
]
