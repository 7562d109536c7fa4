"""Meetings and minutes in the admin, for staff support: read-only.

Minutes carry versions, revisions and approval hashes that only the services keep consistent.
"""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import Meeting, Minutes, MinutesRevision


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("title", "alliance", "number", "kind", "starts_at", "status")
    list_filter = ("kind", "status")
    search_fields = ("title", "alliance__name")


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "status", "version", "approved_at")
    list_filter = ("status",)


@admin.register(MinutesRevision)
class MinutesRevisionAdmin(ReadOnlyAdmin):
    list_display = ("minutes", "version", "kind", "author", "saved_at")
    list_filter = ("kind",)
