"""Reads of the reports pages."""

from __future__ import annotations

from django.db.models import QuerySet

from alliances.models import Alliance

from .models import ArchiveExport

# The archive page lists this many of the latest exports.
RECENT_EXPORTS = 10


def recent_exports(*, alliance: Alliance) -> QuerySet[ArchiveExport]:
    return ArchiveExport.objects.filter(alliance=alliance).select_related("requested_by")[
        :RECENT_EXPORTS
    ]
