"""Demo meetings: a held initial workshop with approved minutes and an upcoming plenary.

Dates are relative to the day the demo is seeded, so the plenary is always still to come.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from alliances.models import Alliance, User

from . import services
from .models import Meeting, Participant

WORKSHOP_COMMENTS = {
    "welcome": "<div>The chair welcomed everyone; each member introduced their organisation.</div>",
    "updates": (
        "<div>The mapping of support programmes has started: <strong>13 organisations</strong> "
        "are in the register.</div><ul><li>Three gaps were identified.</li>"
        "<li>Interviews with stakeholders are planned.</li></ul>"
    ),
    "other_business": "<div>Nothing further.</div>",
}


@dataclass(frozen=True)
class MeetingsContent:
    """One demo alliance's two meetings, in the alliance's own language."""

    address: str
    workshop_title: str
    workshop_host: str
    workshop_place: str
    workshop_comments: dict[str, str]  # the minutes' text by standing item kind
    decided_action: str
    plenary_title: str
    plenary_host: str
    plenary_place: str


KRONOBERG_MEETINGS = MeetingsContent(
    address="Kungsgatan 8, Växjö",
    workshop_title="Initial workshop",
    workshop_host="Växjö Municipality, Integration Unit",
    workshop_place="Växjö City Hall, room Linné",
    workshop_comments=WORKSHOP_COMMENTS,
    decided_action="Interview five stakeholders about their programmes",
    plenary_title="Second plenary: the mapping and the gaps",
    plenary_host="Kronoberg Adult Education Centre",
    plenary_place="Adult Education Centre, hall B",
)


def _local(alliance: Alliance, days_from_today: int, at: time) -> datetime:
    zone = zoneinfo.ZoneInfo(alliance.timezone)
    day = timezone.localdate() + timedelta(days=days_from_today)
    return datetime.combine(day, at, tzinfo=zone)


def _meeting(alliance, secretary, *, kind, title, days, host, place, address) -> Meeting:
    starts_at = _local(alliance, days, time(13, 0))
    return services.meeting_create(
        alliance=alliance,
        actor=secretary,
        fields={
            "kind": kind,
            "title": title,
            "host_organisation": host,
            "place": place,
            "address": address,
            "online_link": "",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=3),
        },
    )


def _write_minutes(
    meeting: Meeting, *, secretary: User, chair: User, content: MeetingsContent
) -> None:
    minutes = services.minutes_start(meeting=meeting, actor=secretary)
    items = {item.kind: item for item in minutes.items.all()}
    comments = {items[kind].pk: html for kind, html in content.workshop_comments.items()}
    services.minutes_save(minutes=minutes, actor=secretary, base_version=1, comments=comments)
    member = meeting.alliance.memberships.active().filter(role="member").first()
    services.decided_action_add(
        item=items["updates"],
        actor=secretary,
        title=content.decided_action,
        responsible_member=member,
        due_date=timezone.localdate() + timedelta(days=30),
    )
    services.minutes_circulate(minutes=minutes, actor=secretary)
    services.minutes_approve(minutes=minutes, actor=chair)


def seed_meetings(
    *,
    alliance: Alliance,
    secretary: User,
    chair: User,
    content: MeetingsContent = KRONOBERG_MEETINGS,
) -> None:
    workshop = _meeting(
        alliance,
        secretary,
        kind=Meeting.Kind.INITIAL_WORKSHOP,
        title=content.workshop_title,
        days=-35,
        host=content.workshop_host,
        place=content.workshop_place,
        address=content.address,
    )
    people = list(workshop.participants.order_by("pk"))
    attendance = {person.pk: Participant.Attendance.PRESENT for person in people[:-2]}
    attendance.update({person.pk: Participant.Attendance.EXCUSED for person in people[-2:]})
    services.attendance_record(meeting=workshop, actor=secretary, attendance=attendance)
    services.meeting_mark_held(meeting=workshop, actor=secretary)
    _write_minutes(workshop, secretary=secretary, chair=chair, content=content)
    _meeting(
        alliance,
        secretary,
        kind=Meeting.Kind.PLENARY,
        title=content.plenary_title,
        days=10,
        host=content.plenary_host,
        place=content.plenary_place,
        address=content.address,
    )
