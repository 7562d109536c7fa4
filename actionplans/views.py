"""Views of the tracked actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user

from . import selectors

PAGE_SIZE = 50


@login_required
def action_list(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_MEETINGS)
    actions = selectors.action_list(alliance=access.alliance)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "actionplans/action_list.html",
        {"access": access, "alliance": access.alliance, "page": page},
    )
