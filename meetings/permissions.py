"""Access helpers for meetings: fetch and authorise in one step.

Everything hangs off a meeting of the user's own alliance, so another alliance's ids in a URL
answer 404, exactly like ids that do not exist.
"""

from __future__ import annotations

from django.http import Http404

from actionplans.models import Action
from alliance_portal.permissions import Capability
from alliances.models import Membership
from alliances.permissions import AllianceAccess, first_or_404, get_alliance_for_user

from .models import (
    AgendaItem,
    CalendarFeed,
    Meeting,
    Minutes,
    MinutesItem,
    MinutesRevision,
    Participant,
)


def get_meeting_for_user(
    user, alliance_id: int, meeting_id: int, *, need: Capability = Capability.VIEW_MEETINGS
) -> tuple[AllianceAccess, Meeting]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    meeting = first_or_404(Meeting.objects, pk=meeting_id, alliance=access.alliance)
    meeting.alliance = access.alliance
    return access, meeting


def get_agenda_item_for_user(
    user, alliance_id: int, meeting_id: int, item_id: int, *, need: Capability
) -> tuple[AllianceAccess, AgendaItem]:
    access, meeting = get_meeting_for_user(user, alliance_id, meeting_id, need=need)
    item = first_or_404(AgendaItem.objects, pk=item_id, meeting=meeting)
    item.meeting = meeting
    return access, item


def get_minutes_for_user(
    user, alliance_id: int, meeting_id: int, *, need: Capability = Capability.VIEW_MEETINGS
) -> tuple[AllianceAccess, Minutes]:
    """The meeting's minutes; 404 until they are started."""
    access, meeting = get_meeting_for_user(user, alliance_id, meeting_id, need=need)
    minutes = first_or_404(Minutes.objects, meeting=meeting)
    minutes.meeting = meeting
    return access, minutes


def can_read_minutes(access: AllianceAccess, minutes: Minutes) -> bool:
    """Drafts are the secretary's work in progress; members read minutes once circulated."""
    return minutes.status != Minutes.Status.DRAFT or access.can(Capability.MANAGE_MEETINGS)


def require_readable_minutes(access: AllianceAccess, minutes: Minutes) -> None:
    """403 for a draft that the user may not read yet."""
    if not can_read_minutes(access, minutes):
        # 403, or the way to a second factor for a leader whose role asks for one.
        access.require(Capability.MANAGE_MEETINGS)


def get_minutes_item_for_user(
    user, alliance_id: int, meeting_id: int, item_id: int, *, need: Capability
) -> tuple[AllianceAccess, MinutesItem]:
    access, minutes = get_minutes_for_user(user, alliance_id, meeting_id, need=need)
    item = first_or_404(MinutesItem.objects, pk=item_id, minutes=minutes)
    item.minutes = minutes
    return access, item


def get_decided_action_for_user(
    user, alliance_id: int, meeting_id: int, action_id: int, *, need: Capability
) -> tuple[AllianceAccess, Action]:
    access, minutes = get_minutes_for_user(user, alliance_id, meeting_id, need=need)
    action = first_or_404(Action.objects, pk=action_id, decided_in__minutes=minutes)
    action.decided_in.minutes = minutes
    return access, action


def get_revision_for_user(
    user, alliance_id: int, meeting_id: int, revision_id: int
) -> tuple[AllianceAccess, Minutes, MinutesRevision]:
    access, minutes = get_minutes_for_user(user, alliance_id, meeting_id)
    revision = first_or_404(minutes.revisions.select_related("author"), pk=revision_id)
    return access, minutes, revision


def get_live_feed(token: str) -> CalendarFeed:
    """The calendar feed a token opens. The token is the only credential, so a revoked token,
    a deactivated owner, or an alliance feed whose owner has left the alliance answer 404."""
    feed = first_or_404(
        CalendarFeed.objects.select_related("user", "alliance"),
        token=token,
        revoked_at__isnull=True,
    )
    if not feed.user.is_active:
        raise Http404
    # An empty calendar would read as "no meetings" rather than "no access".
    if feed.alliance_id is not None and not (
        Membership.objects.active().filter(user=feed.user, alliance_id=feed.alliance_id).exists()
    ):
        raise Http404
    return feed


def get_participant_by_key(key: str) -> Participant:
    """The invitee an answer link belongs to; the key is the only credential, so 404 otherwise."""
    if not key:
        raise Http404
    return first_or_404(Participant.objects.select_related("meeting__alliance"), response_key=key)
