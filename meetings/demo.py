"""Demo meetings: a held initial workshop with approved minutes and an upcoming plenary.

Dates are relative to the day the demo is seeded, so the plenary is always still to come.
"""

from __future__ import annotations

import zoneinfo
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


def _local(alliance: Alliance, days_from_today: int, at: time) -> datetime:
    zone = zoneinfo.ZoneInfo(alliance.timezone)
    day = timezone.localdate() + timedelta(days=days_from_today)
    return datetime.combine(day, at, tzinfo=zone)


def _meeting(alliance, secretary, *, kind, title, days, host, place) -> Meeting:
    starts_at = _local(alliance, days, time(13, 0))
    return services.meeting_create(
        alliance=alliance,
        actor=secretary,
        fields={
            "kind": kind,
            "title": title,
            "host_organisation": host,
            "place": place,
            "address": "Kungsgatan 8, Växjö",
            "online_link": "",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=3),
        },
    )


def _write_minutes(meeting: Meeting, *, secretary: User, chair: User) -> None:
    minutes = services.minutes_start(meeting=meeting, actor=secretary)
    items = {item.kind: item for item in minutes.items.all()}
    comments = {items[kind].pk: html for kind, html in WORKSHOP_COMMENTS.items()}
    services.minutes_save(minutes=minutes, actor=secretary, base_version=1, comments=comments)
    member = meeting.alliance.memberships.active().filter(role="member").first()
    services.decided_action_add(
        item=items["updates"],
        actor=secretary,
        title="Interview five stakeholders about their programmes",
        responsible_member=member,
        due_date=timezone.localdate() + timedelta(days=30),
    )
    services.minutes_circulate(minutes=minutes, actor=secretary)
    services.minutes_approve(minutes=minutes, actor=chair)


def seed_meetings(*, alliance: Alliance, secretary: User, chair: User) -> None:
    workshop = _meeting(
        alliance,
        secretary,
        kind=Meeting.Kind.INITIAL_WORKSHOP,
        title="Initial workshop",
        days=-35,
        host="Växjö Municipality, Integration Unit",
        place="Växjö City Hall, room Linné",
    )
    people = list(workshop.participants.order_by("pk"))
    attendance = {person.pk: Participant.Attendance.PRESENT for person in people[:-2]}
    attendance.update({person.pk: Participant.Attendance.EXCUSED for person in people[-2:]})
    services.attendance_record(meeting=workshop, actor=secretary, attendance=attendance)
    services.meeting_mark_held(meeting=workshop, actor=secretary)
    _write_minutes(workshop, secretary=secretary, chair=chair)
    _meeting(
        alliance,
        secretary,
        kind=Meeting.Kind.PLENARY,
        title="Second plenary: the mapping and the gaps",
        days=10,
        host="Kronoberg Adult Education Centre",
        place="Adult Education Centre, hall B",
    )
