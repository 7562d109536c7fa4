"""The alliance's overview: where the guide's six steps stand, what to do next, and a card for
each thing members look up most (the next meeting, open actions, signatures, decisions,
members). The members themselves are listed on their own page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from alliance_portal.permissions import Capability
from alliances import selectors
from alliances.models import Alliance
from alliances.permissions import get_alliance_for_user
from journey.rules import journey_for
from reminders.selectors import failed_delivery_count

from .overview import members_by_role, overview_cards, roles_of


@login_required
@require_safe
def home(request):
    return redirect("mywork:index")


def _invite_is_primary(access, journey) -> bool:
    """The next step's action is the page's primary action, in the steps' box; when there is
    none this user can take, inviting a member is (for those who may)."""
    if not access.can(Capability.MANAGE_MEMBERS):
        return False
    upcoming = journey.next
    return upcoming is None or not access.can(upcoming[1].capability)


@login_required
@require_safe
def alliance_detail(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id)
    alliance = access.alliance
    now = timezone.now()
    role_counts = selectors.member_role_counts(alliance=alliance)
    roles = roles_of(role_counts)
    forming = alliance.status == Alliance.Status.FORMING
    journey = journey_for(alliance, now=now, roles=roles)
    context = {
        "access": access,
        "alliance": alliance,
        "member_count": len(roles),
        "members_by_role": members_by_role(role_counts),
        "leadership_problems": alliance.leadership_problems(roles),
        "activation_problems": (
            alliance.leadership_problems(roles, status=Alliance.Status.ACTIVE) if forming else []
        ),
        "failed_reminders": (
            failed_delivery_count(alliance=alliance)
            if access.can(Capability.MANAGE_REMINDERS)
            else 0
        ),
        "journey": journey,
        "invite_is_primary": _invite_is_primary(access, journey),
        **overview_cards(alliance, access.caps, now=now),
    }
    return render(request, "dashboard/alliance.html", context)
