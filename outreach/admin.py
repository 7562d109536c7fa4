"""The information material and communication plan in the admin, for staff support: read-only."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import CommunicationEntry, CommunicationPlan, InformationMaterial


@admin.register(InformationMaterial)
class InformationMaterialAdmin(ReadOnlyAdmin):
    list_display = ("alliance", "updated_at", "updated_by")


@admin.register(CommunicationPlan)
class CommunicationPlanAdmin(ReadOnlyAdmin):
    list_display = ("alliance", "press_contact", "updated_at")


@admin.register(CommunicationEntry)
class CommunicationEntryAdmin(ReadOnlyAdmin):
    list_display = ("audience", "plan", "frequency")
