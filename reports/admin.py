"""Exports (archives and large drafts) in the admin, for staff support: read-only."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import ArchiveExport


@admin.register(ArchiveExport)
class ArchiveExportAdmin(ReadOnlyAdmin):
    list_display = (
        "alliance",
        "kind",
        "requested_by",
        "status",
        "done",
        "total",
        "created_at",
        "expires_at",
    )
    list_filter = ("kind", "status")
    exclude = ("file_name",)
