from django.urls import path

from . import views

app_name = "actionplans"

urlpatterns = [
    path("", views.action_list, name="actions"),
]
