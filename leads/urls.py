from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.deal_list, name="deal-list"),
    path("new/", views.deal_create, name="deal-create"),
    path("export.csv", views.deal_export, name="deal-export"),
    path("<int:pk>/", views.deal_detail, name="deal-detail"),
    path("<int:pk>/edit/", views.deal_edit, name="deal-edit"),
    path("<int:pk>/submit/", views.deal_submit, name="deal-submit"),
    path("<int:pk>/withdraw/", views.deal_withdraw, name="deal-withdraw"),
    path("<int:pk>/delete/", views.deal_delete, name="deal-delete"),
    path("<int:pk>/extension/", views.deal_extension_request, name="deal-extension-request"),
    path("questions/<int:pk>/answer/", views.question_answer, name="question-answer"),
]
