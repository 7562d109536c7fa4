"""Access helpers for the outreach pages: fetch and authorise in one step.

Rows hang off the communication plan of the user's own alliance, so another alliance's ids
answer 404, exactly like ids that do not exist.
"""

from __future__ import annotations

from django.http import Http404

from alliance_portal.permissions import Capability
from alliances.models import Alliance
from alliances.permissions import AllianceAccess, first_or_404, get_alliance_for_user

from .models import CommunicationEntry
from .selectors import published_alliance


def get_entry_for_user(
    user, alliance_id: int, entry_id: int, *, need: Capability
) -> tuple[AllianceAccess, CommunicationEntry]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    entry = first_or_404(
        CommunicationEntry.objects.select_related("plan"),
        pk=entry_id,
        plan__alliance=access.alliance,
    )
    entry.plan.alliance = access.alliance
    return access, entry


def get_public_alliance(slug: str) -> Alliance:
    """The alliance whose public page this is; 404 unless it is published."""
    alliance = published_alliance(slug)
    if alliance is None:
        raise Http404
    return alliance
