"""Reads for meeting pages, PDFs and feeds, shaped so query counts do not grow with rows."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from actionplans import selectors as action_selectors
from actionplans.models import Action
from alliance_portal.bidi import forward_arrow
from alliance_portal.richtext import html_to_text
from alliance_portal.textdiff import Segment, word_diff
from alliances.models import Alliance, Membership

from .models import (
    AgendaItem,
    CalendarFeed,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesItem,
    MinutesPresence,
    MinutesRevision,
    Participant,
)

# Editors' pages report every few seconds; a person not heard from for this long has left,
# even if their page could not say so (a closed laptop, a lost connection).
PRESENCE_WINDOW = timedelta(seconds=15)


def local_time(alliance: Alliance, moment: datetime) -> datetime:
    """The moment in the alliance's own time zone, which every page and document shows."""
    return moment.astimezone(zoneinfo.ZoneInfo(alliance.timezone))


def meeting_list(*, alliance: Alliance) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(alliance=alliance)
        .select_related("minutes")
        .order_by("-starts_at", "-number")
    )


@dataclass(frozen=True)
class TimedItem:
    item: AgendaItem | MinutesItem
    starts_at: datetime | None
    number: int


def agenda_with_times(meeting: Meeting) -> list[TimedItem]:
    """The agenda items, numbered, each with the start time its predecessors' durations give."""
    items = list(meeting.agenda_items.all())
    clock = local_time(meeting.alliance, meeting.starts_at)
    timed = []
    for number, item in enumerate(items, start=1):
        timed.append(TimedItem(item=item, starts_at=clock, number=number))
        clock += timedelta(minutes=item.duration_minutes)
    return timed


def agenda_end(meeting: Meeting, timed: list[TimedItem]) -> datetime:
    if not timed:
        return local_time(meeting.alliance, meeting.starts_at)
    last = timed[-1]
    return last.starts_at + timedelta(minutes=last.item.duration_minutes)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The alliance's last meeting before this one that was not cancelled."""
    return (
        Meeting.objects.filter(alliance_id=meeting.alliance_id, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("minutes")
        .order_by("-starts_at")
        .first()
    )


def next_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(alliance_id=meeting.alliance_id, starts_at__gt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
        .first()
    )


def own_participation(meeting: Meeting, user) -> Participant | None:
    """The user's own invitation to the meeting, if they are on its list."""
    participant = meeting.participants.filter(user=user).first()
    if participant is not None:
        participant.meeting = meeting
    return participant


def participants(meeting: Meeting) -> list[Participant]:
    return list(meeting.participants.select_related("user"))


@dataclass(frozen=True)
class AttendanceSummary:
    members: int
    members_present: int
    guests_present: int
    quorum_percent: int
    recorded: bool

    @property
    def rate(self) -> int:
        """Present members as a whole percentage of the members invited."""
        return round(100 * self.members_present / self.members) if self.members else 0

    @property
    def quorum_needed(self) -> int:
        # Round up: a quorum of 50 % of 9 members is 5 people, not 4.5.
        return -(-self.members * self.quorum_percent // 100)

    @property
    def quorum_met(self) -> bool:
        return self.members > 0 and self.members_present >= self.quorum_needed


def attendance_summary(meeting: Meeting, people: list[Participant]) -> AttendanceSummary:
    members = [p for p in people if p.holds_seat]
    return AttendanceSummary(
        members=len(members),
        members_present=sum(p.attendance == Participant.Attendance.PRESENT for p in members),
        guests_present=sum(
            p.attendance == Participant.Attendance.PRESENT for p in people if p.is_guest
        ),
        quorum_percent=meeting.alliance.quorum_percent,
        recorded=any(p.attendance for p in people),
    )


def responsible_choices(alliance: Alliance):
    """Members and mapped organisations that can answer for a decided action."""
    return (
        action_selectors.responsible_members(alliance),
        action_selectors.responsible_organisations(alliance),
    )


def _actions_prefetch() -> Prefetch:
    return Prefetch(
        "actions",
        queryset=Action.objects.select_related(
            "responsible_member__user", "responsible_organisation"
        ).order_by("pk"),
    )


def minutes_items(minutes: Minutes, *, with_comments: bool = False) -> list[MinutesItem]:
    lookups = [_actions_prefetch()]
    if with_comments:
        lookups.append(
            Prefetch("comments", queryset=MinutesComment.objects.select_related("author"))
        )
    return list(minutes.items.prefetch_related(*lookups))


def minutes_item_with_actions(item: MinutesItem) -> MinutesItem:
    """One item with its decided actions, for the part of the page htmx swaps."""
    fresh = MinutesItem.objects.prefetch_related(_actions_prefetch()).get(pk=item.pk)
    fresh.minutes = item.minutes
    return fresh


def minutes_editors_present(minutes: Minutes, *, now: datetime, excluding) -> list:
    """The other people who have the editor of these minutes open, by name."""
    presences = (
        MinutesPresence.objects.filter(minutes=minutes, seen_at__gte=now - PRESENCE_WINDOW)
        .exclude(user=excluding)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__pk")
    )
    return [presence.user for presence in presences]


def minutes_content(minutes: Minutes) -> dict:
    """The minutes' canonical content: what approval hashes and revisions keep.

    Only what the minutes say counts: the meeting's facts, who attended, and each item's
    comment and decided actions. Ids and layout are left out, so the hash is the text's alone.
    """
    meeting = minutes.meeting
    people = meeting.participants.order_by("pk")
    return {
        "meeting": {
            "alliance": meeting.alliance.name,
            "number": meeting.number,
            "title": meeting.title,
            "host_organisation": meeting.host_organisation,
            "place": meeting.place,
            "address": meeting.address,
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
        },
        "attendance": [
            {
                "name": person.name,
                "organisation": person.organisation_name,
                "attendance": person.attendance,
                "guest": person.is_guest,
            }
            for person in people
        ],
        "items": [
            {
                "title": item.title,
                "comment": item.comment_html,
                "no_actions": item.no_actions,
                "actions": [
                    {
                        "action": action.title,
                        "responsible": action.responsible_label,
                        "due_date": action.due_date.isoformat() if action.due_date else None,
                    }
                    for action in item.actions.all()
                ],
            }
            for item in minutes_items(minutes)
        ],
    }


def revisions(minutes: Minutes) -> QuerySet[MinutesRevision]:
    return minutes.revisions.select_related("author")


@dataclass(frozen=True)
class ItemDiff:
    title: str
    segments: list[Segment]

    @property
    def changed(self) -> bool:
        return any(kind != "equal" for kind, _words in self.segments)


def _item_text(item: dict) -> str:
    lines = [html_to_text(item.get("comment", ""))]
    arrow = forward_arrow()
    lines += [
        f"{arrow} {action['action']} · {action['responsible']} · {action['due_date'] or '-'}"
        for action in item.get("actions", [])
    ]
    return "\n".join(line for line in lines if line).replace("\n", " ¶ ")


def content_diff(before: dict | None, after: dict) -> list[ItemDiff]:
    """A word-by-word diff of each item's text between two versions of the minutes' content."""
    # Minutes keep the agenda's items in their order, so items pair up by position.
    old_items = (before or {}).get("items", [])
    return [
        ItemDiff(
            title=item["title"],
            segments=word_diff(
                _item_text(old_items[index] if index < len(old_items) else {}), _item_text(item)
            ),
        )
        for index, item in enumerate(after.get("items", []))
    ]


def revision_with_previous(
    minutes: Minutes, revision: MinutesRevision
) -> tuple[MinutesRevision | None, list[ItemDiff]]:
    # An approval keeps the version of the edit it approved, so "before" also means an earlier
    # row of the same version.
    previous = (
        minutes.revisions.filter(
            Q(version__lt=revision.version) | Q(version=revision.version, pk__lt=revision.pk)
        )
        .order_by("-version", "-pk")
        .first()
    )
    return previous, content_diff(previous.content if previous else None, revision.content)


def calendar_subscriptions(*, user) -> tuple[dict[int | None, CalendarFeed], list[Membership]]:
    """The user's live feeds by alliance id (None: the personal one) and their memberships."""
    live = {
        feed.alliance_id: feed
        for feed in CalendarFeed.objects.filter(user=user, revoked_at__isnull=True)
    }
    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("alliance")
        .order_by("alliance__name", "alliance_id")
    )
    return live, memberships


def member_meetings(*, user, alliance: Alliance | None = None) -> QuerySet[Meeting]:
    """Meetings of the alliances where the user has an active membership, for calendar feeds."""
    alliances = Membership.objects.active().filter(user=user).values("alliance_id")
    meetings = Meeting.objects.filter(alliance_id__in=alliances).select_related("alliance")
    if alliance is not None:
        meetings = meetings.filter(alliance=alliance)
    return meetings.order_by("starts_at")


def agenda_context(meeting: Meeting) -> dict:
    """What the agenda page and the agenda PDF both show."""
    timed = agenda_with_times(meeting)
    return {
        "meeting": meeting,
        "alliance": meeting.alliance,
        "local_start": local_time(meeting.alliance, meeting.starts_at),
        "local_end": local_time(meeting.alliance, meeting.ends_at),
        "agenda": timed,
        "agenda_end": agenda_end(meeting, timed),
        "previous_meeting": previous_meeting(meeting),
        "next_meeting": next_meeting(meeting),
    }


def minutes_context(minutes: Minutes, *, with_comments: bool = False) -> dict:
    """What the minutes page and the minutes PDF both show."""
    meeting = minutes.meeting
    people = participants(meeting)
    following = next_meeting(meeting)
    return {
        "meeting": meeting,
        "alliance": meeting.alliance,
        "minutes": minutes,
        "local_start": local_time(meeting.alliance, meeting.starts_at),
        "local_end": local_time(meeting.alliance, meeting.ends_at),
        "items": minutes_items(minutes, with_comments=with_comments),
        "present": [p for p in people if p.attendance == Participant.Attendance.PRESENT],
        "absent": [
            p
            for p in people
            if p.attendance in (Participant.Attendance.ABSENT, Participant.Attendance.EXCUSED)
        ],
        "attendance": attendance_summary(meeting, people),
        "previous_meeting": previous_meeting(meeting),
        "next_meeting": following,
        "next_meeting_start": local_time(meeting.alliance, following.starts_at)
        if following
        else None,
        "corrections": list(
            revisions(minutes).filter(kind=MinutesRevision.Kind.CORRECTION).order_by("version")
        ),
    }


# The alliance overview --------------------------------------------------------------------------
# The overview's cards read a fixed number of rows, whatever the size of the alliance.


def upcoming_meeting(*, alliance: Alliance, now: datetime) -> Meeting | None:
    """The next planned meeting: one that has not ended yet, soonest first (so a meeting
    under way now is still the one to show)."""
    return (
        Meeting.objects.filter(alliance=alliance, status=Meeting.Status.PLANNED, ends_at__gt=now)
        .order_by("starts_at", "number")
        .first()
    )


def recently_approved_minutes(*, alliance: Alliance, limit: int) -> list[Minutes]:
    """The last `limit` approved minutes, newest approval first, with their meetings."""
    return list(
        Minutes.objects.filter(meeting__alliance=alliance, approved_at__isnull=False)
        .select_related("meeting")
        .order_by("-approved_at", "-pk")[:limit]
    )


# What waits for a person -----------------------------------------------------------------------


def meetings_to_answer(*, user, alliance_ids, now: datetime) -> QuerySet[Meeting]:
    """Planned meetings still ahead to which `user` is invited and has not answered."""
    unanswered = Participant.objects.filter(
        meeting=OuterRef("pk"), user=user, response=Participant.Response.NONE
    )
    return (
        Meeting.objects.filter(
            Exists(unanswered),
            alliance__in=alliance_ids,
            status=Meeting.Status.PLANNED,
            starts_at__gt=now,
        )
        .select_related("alliance")
        .order_by("starts_at", "pk")
    )


def minutes_open_for_comment(*, user, alliance_ids) -> QuerySet[Minutes]:
    """Minutes circulated for comments (comments are taken until they are approved) on which
    `user` has not commented yet."""
    commented = MinutesComment.objects.filter(item__minutes=OuterRef("pk"), author=user)
    return (
        Minutes.objects.filter(meeting__alliance__in=alliance_ids, status=Minutes.Status.CIRCULATED)
        .exclude(Exists(commented))
        .select_related("meeting__alliance")
        .order_by("circulated_at", "pk")
    )


def meetings_without_minutes(*, alliance_ids, now: datetime) -> QuerySet[Meeting]:
    """Meetings that count as held and whose minutes nobody has started."""
    return (
        Meeting.objects.held(now)
        .filter(alliance__in=alliance_ids, minutes__isnull=True)
        .select_related("alliance")
        .order_by("starts_at", "pk")
    )


def minutes_to_circulate(*, alliance_ids, now: datetime) -> QuerySet[Minutes]:
    """Draft minutes of meetings that have started, so they can be circulated for comments."""
    return (
        Minutes.objects.filter(
            meeting__alliance__in=alliance_ids,
            status=Minutes.Status.DRAFT,
            meeting__starts_at__lte=now,
        )
        .select_related("meeting__alliance")
        .order_by("meeting__starts_at", "pk")
    )
