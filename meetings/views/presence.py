"""Who else has the minutes editor open: the editors' pages poll, and say when they leave."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alliance_portal.permissions import Capability

from .. import selectors, services
from ..permissions import get_minutes_for_user


def _editable_minutes(request, alliance_id: int, meeting_id: int):
    """The minutes, for someone who may edit them: 404 outside the alliance, 403 otherwise."""
    _access, minutes = get_minutes_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    return minutes


@login_required
@require_POST
def minutes_presence(request, alliance_id: int, meeting_id: int):
    """The editor's heartbeat: records the poller as present and names the others present."""
    minutes = _editable_minutes(request, alliance_id, meeting_id)
    services.minutes_presence_touch(minutes=minutes, actor=request.user)
    others = selectors.minutes_editors_present(minutes, now=timezone.now(), excluding=request.user)
    return render(
        request,
        "meetings/_minutes_presence.html",
        {"names": ", ".join(str(user) for user in others)},
    )


@login_required
@require_POST
def minutes_presence_leave(request, alliance_id: int, meeting_id: int):
    """Sent by the editor's page as it closes, so the others stop seeing the name at once."""
    minutes = _editable_minutes(request, alliance_id, meeting_id)
    services.minutes_presence_leave(minutes=minutes, actor=request.user)
    return HttpResponse(status=204)
