"""Access helpers for the reports pages. An export hangs off the user's own alliance, so another
alliance's ids answer 404; within the alliance, whoever may read the document it prints may
follow and download it (403 for the others)."""

from __future__ import annotations

from alliances.permissions import AllianceAccess, first_or_404, get_alliance_for_user

from .models import ArchiveExport


def get_export_for_user(
    user, alliance_id: int, export_id: int
) -> tuple[AllianceAccess, ArchiveExport]:
    access = get_alliance_for_user(user, alliance_id)
    export = first_or_404(
        ArchiveExport.objects.select_related("plan"), pk=export_id, alliance=access.alliance
    )
    access.require(export.capability)
    export.alliance = access.alliance
    return access, export


def kinds_for(access: AllianceAccess) -> list[str]:
    """The kinds of export `access` may follow and download."""
    return [
        kind
        for kind, capability in ArchiveExport.CAPABILITY_BY_KIND.items()
        if access.can(capability)
    ]


def can_request(access: AllianceAccess, kind: str) -> bool:
    capability = ArchiveExport.CAPABILITY_BY_KIND.get(kind)
    return capability is not None and access.can(capability)
