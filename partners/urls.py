from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/api-token/", views.api_token, name="api-token"),
    path("members/", views.member_list, name="member-list"),
    path("members/<int:pk>/role/", views.member_role, name="member-role"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="member-deactivate"),
    path("members/<int:pk>/reactivate/", views.member_reactivate, name="member-reactivate"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("rules/", views.rules_of_engagement, name="rules"),
    path("capabilities/", views.capabilities, name="capabilities"),
    path("capabilities/case-studies/new/", views.proof_point_edit, name="proof-point-create"),
    path("capabilities/case-studies/<int:pk>/", views.proof_point_edit, name="proof-point-edit"),
    path("capabilities/case-studies/<int:pk>/delete/", views.proof_point_delete,
         name="proof-point-delete"),
    path("agreement/", views.agreement, name="agreement"),
]
