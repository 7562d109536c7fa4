"""The public profile pages: no login, only alliances that chose to publish one."""

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("profiles/<slug:slug>/", views.public_profile, name="profile"),
]
