from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.deal_list, name="deal-list"),
    path("deals/<int:pk>/", views.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/ask/", views.question_ask, name="question-ask"),
]
