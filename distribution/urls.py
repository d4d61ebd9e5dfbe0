from django.urls import path

from distribution import views

app_name = "distribution"

urlpatterns = [
    path("", views.offer_list, name="offer-list"),
    path("<int:pk>/", views.offer_detail, name="offer-detail"),
    path("<int:pk>/accept/", views.offer_accept, name="offer-accept"),
    path("<int:pk>/decline/", views.offer_decline, name="offer-decline"),
    path("deals/<int:pk>/outcomes/", views.deal_outcomes, name="deal-outcomes"),
]
