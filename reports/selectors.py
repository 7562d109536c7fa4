"""Reads of the reports pages."""

from __future__ import annotations

from django.db.models import QuerySet

from alliances.models import Alliance

from .models import ArchiveExport

# The archive page, and the page of documents prepared in the background, list this many of the
# latest exports.
RECENT_EXPORTS = 10


def recent_exports(*, alliance: Alliance) -> QuerySet[ArchiveExport]:
    """The alliance's latest archives, newest first."""
    return ArchiveExport.objects.filter(
        alliance=alliance, kind=ArchiveExport.Kind.ARCHIVE
    ).select_related("requested_by")[:RECENT_EXPORTS]


def recent_drafts(*, alliance: Alliance, kinds: list[str]) -> QuerySet[ArchiveExport]:
    """The alliance's latest drafts prepared in the background, of the kinds given (those the
    reader may download), newest first."""
    drafts = [kind for kind in kinds if kind != ArchiveExport.Kind.ARCHIVE]
    return ArchiveExport.objects.filter(alliance=alliance, kind__in=drafts).select_related(
        "requested_by", "plan"
    )[:RECENT_EXPORTS]
