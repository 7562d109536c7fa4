from django.urls import path

from . import views

app_name = "sustainability"

SWOT = "swot/<id:swot_id>/"
EVALUATION = "evaluations/<id:evaluation_id>/"

urlpatterns = [
    path("swot/", views.swot_list, name="swots"),
    path("swot/new/", views.swot_create, name="swot_create"),
    path("swot/compare/", views.swot_compare, name="swot_compare"),
    path(SWOT, views.swot_detail, name="swot"),
    path(SWOT + "edit/", views.swot_edit, name="swot_edit"),
    path(SWOT + "delete/", views.swot_delete, name="swot_delete"),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/new/", views.evaluation_create, name="evaluation_create"),
    path(EVALUATION + "edit/", views.evaluation_edit, name="evaluation_edit"),
    path(EVALUATION + "delete/", views.evaluation_delete, name="evaluation_delete"),
    path("sustainability/", views.sustainability_list, name="plans"),
    path("sustainability/<id:plan_id>/", views.sustainability_edit, name="plan_edit"),
]
