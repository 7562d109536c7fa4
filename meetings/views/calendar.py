"""Calendar downloads and private feeds: one meeting as .ics, and subscription addresses."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from alliance_portal.converters import is_id
from alliance_portal.mail import site_url
from alliance_portal.permissions import Capability
from alliances.models import Alliance
from alliances.permissions import get_alliance_for_user

from .. import selectors, services
from ..calendar import feed_ics_bytes, meeting_ics_bytes
from ..models import CalendarFeed
from ..permissions import get_live_feed, get_meeting_for_user

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendar clients poll; five minutes spares the database without hiding changes for long.
FEED_CACHE_CONTROL = "private, max-age=300"


def _ics_response(body: bytes, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# One meeting ------------------------------------------------------------------------------------


@login_required
@require_safe
def meeting_ics(request: HttpRequest, alliance_id: int, meeting_id: int) -> HttpResponse:
    _access, meeting = get_meeting_for_user(request.user, alliance_id, meeting_id)
    return _ics_response(meeting_ics_bytes(meeting), filename=f"meeting-{meeting.number}.ics")


# The page with the private addresses ------------------------------------------------------------


@dataclass(frozen=True)
class FeedRow:
    """One calendar the user can subscribe to: all their alliances (alliance None) or one."""

    name: str
    alliance: Alliance | None
    url: str  # empty while there is no live address


def _feed_url(feed: CalendarFeed | None) -> str:
    if feed is None:
        return ""
    return site_url(reverse("meetings:calendar_feed", args=[feed.token]))


def _feed_rows(user) -> tuple[FeedRow, list[FeedRow]]:
    """The personal calendar and one per alliance of an active membership, with live addresses."""
    live, memberships = selectors.calendar_subscriptions(user=user)
    personal = FeedRow(name=_("All your alliances"), alliance=None, url=_feed_url(live.get(None)))
    per_alliance = [
        FeedRow(
            name=membership.alliance.name,
            alliance=membership.alliance,
            url=_feed_url(live.get(membership.alliance_id)),
        )
        for membership in memberships
    ]
    return personal, per_alliance


@login_required
@never_cache  # the page shows secret addresses: no copy in any cache or in the back button
@require_safe
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    personal, per_alliance = _feed_rows(request.user)
    return render(
        request,
        "meetings/calendar_feeds.html",
        {"rows": [personal, *per_alliance], "has_alliances": bool(per_alliance)},
    )


def _posted_alliance(request: HttpRequest) -> Alliance | None:
    """The alliance the form names, or None for the personal calendar.

    Anything but the id of an alliance where the user is an active member answers 404, like a
    hostile id in a URL.
    """
    value = request.POST.get("alliance", "").strip()
    if not value:
        return None
    # The same rule as ids in URLs, so a huge number is refused before it reaches the database.
    if not is_id(value):
        raise Http404
    return get_alliance_for_user(request.user, int(value), need=Capability.VIEW_MEETINGS).alliance


@login_required
@require_POST
def calendar_feed_renew(request: HttpRequest) -> HttpResponse:
    alliance = _posted_alliance(request)
    services.calendar_feed_renew(user=request.user, alliance=alliance)
    messages.success(
        request,
        _(
            "Your new calendar address is ready. Any earlier address for the same calendar "
            "no longer works."
        ),
    )
    return redirect("meetings:calendar_feeds")


@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    alliance = _posted_alliance(request)
    if services.calendar_feed_revoke(user=request.user, alliance=alliance):
        messages.success(
            request,
            _("The calendar address no longer works. Calendars subscribed to it stop updating."),
        )
    else:
        messages.info(request, _("There was no address to stop."))
    return redirect("meetings:calendar_feeds")


# The feed itself --------------------------------------------------------------------------------


def _feed_name(feed: CalendarFeed) -> str:
    if feed.alliance is not None:
        return feed.alliance.name
    return _("Alliance Portal: your meetings")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: calendar clients fetch this on their own, with the token as the only key."""
    feed = get_live_feed(token)
    meetings = selectors.member_meetings(user=feed.user, alliance=feed.alliance)
    # Nobody is logged in here, so the feed speaks its owner's language.
    with translation.override(feed.user.preferred_language):
        body = feed_ics_bytes(meetings, name=_feed_name(feed))
    response = _ics_response(body)
    response["Cache-Control"] = FEED_CACHE_CONTROL
    return response
