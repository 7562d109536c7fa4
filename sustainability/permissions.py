"""Access helpers for SWOT analyses and evaluations: fetch and authorise in one step.

Each hangs off the user's own alliance, so another alliance's ids answer 404.
"""

from __future__ import annotations

from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, first_or_404, get_alliance_for_user

from .models import Evaluation, Swot


def get_swot_for_user(
    user, alliance_id: int, swot_id: int, *, need: Capability = Capability.VIEW_ALLIANCE
) -> tuple[AllianceAccess, Swot]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    swot = first_or_404(
        Swot.objects.select_related("created_by"), pk=swot_id, alliance=access.alliance
    )
    swot.alliance = access.alliance
    return access, swot


def get_evaluation_for_user(
    user, alliance_id: int, evaluation_id: int, *, need: Capability
) -> tuple[AllianceAccess, Evaluation]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    evaluation = first_or_404(Evaluation.objects, pk=evaluation_id, alliance=access.alliance)
    evaluation.alliance = access.alliance
    return access, evaluation
