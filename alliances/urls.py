from django.urls import path

from . import views

app_name = "alliances"

urlpatterns = [
    path("", views.alliance_list, name="list"),
    path("new/", views.alliance_create, name="create"),
    path("<id:alliance_id>/edit/", views.alliance_edit, name="edit"),
    path(
        "<id:alliance_id>/status/<slug:transition>/",
        views.alliance_transition,
        name="transition",
    ),
    path("<id:alliance_id>/members/", views.member_list, name="members"),
    path("<id:alliance_id>/members/invite/", views.member_invite, name="invite"),
    path(
        "<id:alliance_id>/invitations/<id:invitation_id>/withdraw/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "<id:alliance_id>/members/<id:membership_id>/edit/",
        views.member_edit,
        name="member_edit",
    ),
    path(
        "<id:alliance_id>/members/<id:membership_id>/end/",
        views.member_end,
        name="member_end",
    ),
    path("<id:alliance_id>/chair/hand-over/", views.chair_hand_over, name="hand_over"),
    path("<id:alliance_id>/audit/", views.audit_log, name="audit_log"),
]
