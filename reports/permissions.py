"""Access helpers for the reports pages: an archive export hangs off the user's own alliance, so
another alliance's ids answer 404."""

from __future__ import annotations

from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, first_or_404, get_alliance_for_user

from .models import ArchiveExport


def get_export_for_user(
    user, alliance_id: int, export_id: int
) -> tuple[AllianceAccess, ArchiveExport]:
    access = get_alliance_for_user(user, alliance_id, need=Capability.EXPORT_REPORTS)
    export = first_or_404(ArchiveExport.objects, pk=export_id, alliance=access.alliance)
    export.alliance = access.alliance
    return access, export
