"""Action plans in the admin, for staff support: read-only, changes go through the portal."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import Action, ActionPlan, Goal, PlanVersion, ProgressUpdate


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
