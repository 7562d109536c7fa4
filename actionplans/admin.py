"""Actions in the admin, for staff support: read-only."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import Action


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("title", "alliance", "due_date", "status")
    list_filter = ("status",)
    search_fields = ("title",)
