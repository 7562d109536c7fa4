"""Archive exports in the admin, for staff support: read-only."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import ArchiveExport


@admin.register(ArchiveExport)
class ArchiveExportAdmin(ReadOnlyAdmin):
    list_display = (
        "alliance",
        "requested_by",
        "status",
        "done",
        "total",
        "created_at",
        "expires_at",
    )
    list_filter = ("status",)
    exclude = ("file_name",)
