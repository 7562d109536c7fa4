from django.urls import path

from . import views

app_name = "reminders"

ALLIANCE = "alliances/<id:alliance_id>/reminders/"

urlpatterns = [
    path("accounts/reminders/", views.preferences, name="preferences"),
    # Signed tokens hold ":" and ".", so they are matched as any text without a slash.
    path("reminders/stop/<str:token>/", views.stop, name="stop"),
    path("reminders/stop/<str:token>/undo/", views.resume, name="resume"),
    path(ALLIANCE, views.alliance_reminders, name="alliance"),
    path(ALLIANCE + "schedule/", views.settings_update, name="settings"),
    path(ALLIANCE + "retry-failed/", views.retry_failed, name="retry_failed"),
    path(ALLIANCE + "<id:delivery_id>/retry/", views.delivery_retry, name="retry"),
]
