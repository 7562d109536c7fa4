"""The guide's step 6 in the admin, for staff support: read-only."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import Evaluation, SustainabilityPlan, Swot


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
