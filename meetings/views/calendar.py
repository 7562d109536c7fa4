"""Calendar downloads and private feeds: one meeting as .ics, and subscription addresses."""

from __future__ import annotations

import re
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

from alliance_portal.converters import IdConverter
from alliance_portal.permissions import Capability
from alliances.emails import site_url
from alliances.models import Alliance, Membership
from alliances.permissions import get_alliance_for_user

from .. import selectors, services
from ..calendar import feed_ics_bytes, meeting_ics_bytes
from ..models import CalendarFeed
from ..permissions import get_meeting_for_user

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendar clients poll; five minutes spares the database without hiding changes for long.
FEED_CACHE_CONTROL = "private, max-age=300"
# The same rule as ids in URLs, so a huge number is refused before it reaches the database.
ALLIANCE_ID = re.compile(IdConverter.regex)


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
    live = {
        feed.alliance_id: feed
        for feed in CalendarFeed.objects.filter(user=user, revoked_at__isnull=True)
    }
    memberships = (
        Membership.objects.active()
        .filter(user=user)
        .select_related("alliance")
        .order_by("alliance__name", "alliance_id")
    )
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
    if not ALLIANCE_ID.fullmatch(value):
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


# Tokens are secrets.token_urlsafe(): nothing else can match one.
def _live_feed(token: str) -> CalendarFeed:
    """The feed the token opens; the token is the only credential, so 404 for anything else."""
    feed = (
        CalendarFeed.objects.select_related("user", "alliance")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise Http404
    return feed


def _feed_meetings(feed: CalendarFeed):
    # A per-alliance address ends with the membership: an empty calendar would look like
    # "no meetings" instead of "no access".
    if feed.alliance_id is not None:
        is_member = (
            Membership.objects.active().filter(user=feed.user, alliance_id=feed.alliance_id)
        ).exists()
        if not is_member:
            raise Http404
    return selectors.member_meetings(user=feed.user, alliance=feed.alliance)


def _feed_name(feed: CalendarFeed) -> str:
    if feed.alliance is not None:
        return feed.alliance.name
    return _("Alliance Portal: your meetings")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: calendar clients fetch this on their own, with the token as the only key."""
    feed = _live_feed(token)
    meetings = _feed_meetings(feed)
    # Nobody is logged in here, so the feed speaks its owner's language.
    with translation.override(feed.user.preferred_language):
        body = feed_ics_bytes(meetings, name=_feed_name(feed))
    response = _ics_response(body)
    response["Cache-Control"] = FEED_CACHE_CONTROL
    return response
