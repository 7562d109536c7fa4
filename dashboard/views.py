"""The alliance's home page: its members, and what every feature has to say about it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from alliance_portal.permissions import Capability
from alliances import selectors
from alliances.models import Alliance
from alliances.permissions import get_alliance_for_user
from journey.rules import journey_for
from reminders.selectors import failed_delivery_count


@login_required
@require_safe
def home(request):
    return redirect("alliances:list")


@login_required
@require_safe
def alliance_detail(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id)
    alliance = access.alliance
    can_manage = access.can(Capability.MANAGE_MEMBERS)
    members = list(selectors.member_list(alliance=alliance))
    roles = [m.role for m in members]
    forming = alliance.status == Alliance.Status.FORMING
    context = {
        "access": access,
        "alliance": alliance,
        "members": members,
        "leadership_problems": alliance.leadership_problems(roles),
        "activation_problems": (
            alliance.leadership_problems(roles, status=Alliance.Status.ACTIVE) if forming else []
        ),
        "invitations": selectors.pending_invitation_list(alliance=alliance) if can_manage else [],
        "former_members": selectors.former_member_list(alliance=alliance) if can_manage else [],
        "failed_reminders": (
            failed_delivery_count(alliance=alliance)
            if access.can(Capability.MANAGE_REMINDERS)
            else 0
        ),
        "journey": journey_for(alliance, roles=roles),
    }
    return render(request, "dashboard/alliance.html", context)
