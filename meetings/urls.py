from django.urls import path

from . import views

app_name = "meetings"

MEETING = "alliances/<id:alliance_id>/meetings/<id:meeting_id>/"

urlpatterns = [
    path("alliances/<id:alliance_id>/meetings/", views.meeting_list, name="list"),
    path("alliances/<id:alliance_id>/meetings/new/", views.meeting_create, name="create"),
    path(MEETING, views.meeting_detail, name="detail"),
    path(MEETING + "edit/", views.meeting_edit, name="edit"),
    path(MEETING + "status/<slug:action>/", views.meeting_transition, name="transition"),
    path(MEETING + "agenda/new/", views.agenda_item_add, name="agenda_item_add"),
    path(MEETING + "agenda/<id:item_id>/edit/", views.agenda_item_edit, name="agenda_item_edit"),
    path(
        MEETING + "agenda/<id:item_id>/remove/", views.agenda_item_remove, name="agenda_item_remove"
    ),
    path(MEETING + "agenda/<id:item_id>/move/", views.agenda_item_move, name="agenda_item_move"),
    path(MEETING + "participants/", views.participants, name="participants"),
    path(MEETING + "participants/guests/", views.guest_invite, name="guest_invite"),
    path(MEETING + "answer/", views.answer, name="answer"),
    path(MEETING + "meeting.ics", views.meeting_ics, name="ics"),
    path(MEETING + "agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
    path(MEETING + "minutes/", views.minutes_page, name="minutes"),
    path(MEETING + "minutes/start/", views.minutes_start, name="minutes_start"),
    path(MEETING + "minutes/save/", views.minutes_save, name="minutes_save"),
    path(MEETING + "minutes/presence/", views.minutes_presence, name="minutes_presence"),
    path(
        MEETING + "minutes/presence/leave/",
        views.minutes_presence_leave,
        name="minutes_presence_leave",
    ),
    path(MEETING + "minutes/correct/", views.minutes_correct, name="minutes_correct"),
    path(
        MEETING + "minutes/status/<slug:action>/",
        views.minutes_transition,
        name="minutes_transition",
    ),
    path(
        MEETING + "minutes/items/<id:item_id>/approve-previous/",
        views.minutes_record_approval,
        name="minutes_record_approval",
    ),
    path(
        MEETING + "minutes/items/<id:item_id>/actions/new/",
        views.decided_action_add,
        name="decided_action_add",
    ),
    path(
        MEETING + "minutes/actions/<id:action_id>/remove/",
        views.decided_action_remove,
        name="decided_action_remove",
    ),
    path(
        MEETING + "minutes/items/<id:item_id>/comments/",
        views.member_comment_add,
        name="member_comment_add",
    ),
    path(MEETING + "minutes/history/", views.minutes_history, name="minutes_history"),
    path(
        MEETING + "minutes/history/<id:revision_id>/",
        views.minutes_revision,
        name="minutes_revision",
    ),
    path(MEETING + "minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("meetings/answer/<token:key>/", views.answer_by_link, name="answer_by_link"),
    path("calendar/", views.calendar_feeds, name="calendar_feeds"),
    path("calendar/renew/", views.calendar_feed_renew, name="calendar_feed_renew"),
    path("calendar/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<token:token>.ics", views.calendar_feed, name="calendar_feed"),
]
