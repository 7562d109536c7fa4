"""Access helpers for meetings: fetch and authorise in one step.

Everything hangs off a meeting of the user's own alliance, so another alliance's ids in a URL
answer 404, exactly like ids that do not exist.
"""

from __future__ import annotations

from django.http import Http404

from actionplans.models import Action
from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, get_alliance_for_user

from .models import AgendaItem, Meeting, Minutes, MinutesItem, MinutesRevision, Participant


def get_meeting_for_user(
    user, alliance_id: int, meeting_id: int, *, need: Capability = Capability.VIEW_MEETINGS
) -> tuple[AllianceAccess, Meeting]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    meeting = Meeting.objects.filter(pk=meeting_id, alliance=access.alliance).first()
    if meeting is None:
        raise Http404
    meeting.alliance = access.alliance
    return access, meeting


def get_agenda_item_for_user(
    user, alliance_id: int, meeting_id: int, item_id: int, *, need: Capability
) -> tuple[AllianceAccess, AgendaItem]:
    access, meeting = get_meeting_for_user(user, alliance_id, meeting_id, need=need)
    item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).first()
    if item is None:
        raise Http404
    item.meeting = meeting
    return access, item


def get_participant_for_user(
    user, alliance_id: int, meeting_id: int, participant_id: int, *, need: Capability
) -> tuple[AllianceAccess, Participant]:
    access, meeting = get_meeting_for_user(user, alliance_id, meeting_id, need=need)
    participant = Participant.objects.filter(pk=participant_id, meeting=meeting).first()
    if participant is None:
        raise Http404
    participant.meeting = meeting
    return access, participant


def get_minutes_for_user(
    user, alliance_id: int, meeting_id: int, *, need: Capability = Capability.VIEW_MEETINGS
) -> tuple[AllianceAccess, Minutes]:
    """The meeting's minutes; 404 until they are started."""
    access, meeting = get_meeting_for_user(user, alliance_id, meeting_id, need=need)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise Http404
    minutes.meeting = meeting
    return access, minutes


def get_minutes_item_for_user(
    user, alliance_id: int, meeting_id: int, item_id: int, *, need: Capability
) -> tuple[AllianceAccess, MinutesItem]:
    access, minutes = get_minutes_for_user(user, alliance_id, meeting_id, need=need)
    item = MinutesItem.objects.filter(pk=item_id, minutes=minutes).first()
    if item is None:
        raise Http404
    item.minutes = minutes
    return access, item


def get_decided_action_for_user(
    user, alliance_id: int, meeting_id: int, action_id: int, *, need: Capability
) -> tuple[AllianceAccess, Action]:
    access, minutes = get_minutes_for_user(user, alliance_id, meeting_id, need=need)
    action = Action.objects.filter(pk=action_id, decided_in__minutes=minutes).first()
    if action is None:
        raise Http404
    action.decided_in.minutes = minutes
    return access, action


def get_revision_for_user(
    user, alliance_id: int, meeting_id: int, revision_id: int
) -> tuple[AllianceAccess, Minutes, MinutesRevision]:
    access, minutes = get_minutes_for_user(user, alliance_id, meeting_id)
    revision = minutes.revisions.select_related("author").filter(pk=revision_id).first()
    if revision is None:
        raise Http404
    return access, minutes, revision


def get_participant_by_key(key: str) -> Participant:
    """The invitee an answer link belongs to; the key is the only credential, so 404 otherwise."""
    participant = (
        Participant.objects.select_related("meeting__alliance").filter(response_key=key).first()
        if key
        else None
    )
    if participant is None:
        raise Http404
    return participant
