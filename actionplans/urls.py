from django.urls import path

from . import views

app_name = "actionplans"

PLAN = "plans/<id:plan_id>/"
ACTION = PLAN + "actions/<id:action_id>/"
GOAL = PLAN + "goals/<id:goal_id>/"
VERSION = PLAN + "versions/<id:number>/"

urlpatterns = [
    path("actions/", views.action_list, name="actions"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path(PLAN, views.plan_detail, name="plan"),
    path(PLAN + "edit/", views.plan_edit, name="plan_edit"),
    path(PLAN + "delete/", views.plan_delete, name="plan_delete"),
    path(PLAN + "goals/new/", views.goal_add, name="goal_add"),
    path(GOAL + "edit/", views.goal_edit, name="goal_edit"),
    path(GOAL + "remove/", views.goal_remove, name="goal_remove"),
    path(PLAN + "actions/new/", views.action_add, name="action_add"),
    path(ACTION, views.action_detail, name="action"),
    path(ACTION + "edit/", views.action_edit, name="action_edit"),
    path(ACTION + "remove/", views.action_remove, name="action_remove"),
    path(ACTION + "move/", views.action_move, name="action_move"),
    path(ACTION + "progress/", views.progress_add, name="progress_add"),
    path(PLAN + "renumber/", views.plan_renumber, name="plan_renumber"),
    path(PLAN + "adopt/<id:action_id>/", views.action_adopt, name="action_adopt"),
    path(PLAN + "board/", views.plan_board, name="board"),
    path(PLAN + "submit/", views.plan_submit, name="plan_submit"),
    path(PLAN + "withdraw/", views.plan_withdraw, name="plan_withdraw"),
    path(PLAN + "review/", views.plan_review, name="plan_review"),
    path(PLAN + "approve/", views.plan_approve, name="plan_approve"),
    path(PLAN + "return/", views.plan_return, name="plan_return"),
    path(PLAN + "versions/", views.plan_versions, name="versions"),
    path(VERSION, views.version_detail, name="version"),
    path(PLAN + "diff/", views.plan_diff, name="diff"),
    path(PLAN + "plan.pdf", views.plan_pdf, name="plan_pdf"),
    path(VERSION + "plan.pdf", views.version_pdf, name="version_pdf"),
    path(PLAN + "actions.csv", views.actions_export, {"file_format": "csv"}, name="export_csv"),
    path(PLAN + "actions.xlsx", views.actions_export, {"file_format": "xlsx"}, name="export_xlsx"),
    path(PLAN + "import/", views.import_upload, name="import"),
    path(PLAN + "import/confirm/", views.import_confirm, name="import_confirm"),
]
