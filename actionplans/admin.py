"""Action plans in the admin, for staff support: read-only, changes go through the portal."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import (
    Action,
    ActionPlan,
    Evaluation,
    Goal,
    PlanVersion,
    ProgressUpdate,
    SustainabilityPlan,
    Swot,
)


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("title", "alliance", "plan", "number", "due_date", "status")
    list_filter = ("status",)
    search_fields = ("title",)


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "alliance", "version", "status")
    list_filter = ("status",)
    search_fields = ("title",)


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ("plan", "number", "submitted_at", "approved_at", "sha256")


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ("title", "plan", "number", "due_date")


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ("action", "date", "percent", "status")


@admin.register(Swot)
class SwotAdmin(ReadOnlyAdmin):
    list_display = ("title", "alliance", "held_on")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("kind", "alliance", "date", "evaluator")
    list_filter = ("kind",)


@admin.register(SustainabilityPlan)
class SustainabilityPlanAdmin(ReadOnlyAdmin):
    list_display = ("plan", "decision_date", "updated_at")
