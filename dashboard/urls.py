from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("<id:alliance_id>/", views.alliance_detail, name="alliance"),
]
