"""iCalendar for meetings: one event, an alliance's feed or a person's feed.

Every event keeps the same UID for the life of the meeting and carries the meeting's SEQUENCE,
so a calendar that already holds it replaces its copy instead of adding a second one. Times are
written in UTC: the alliance's own time zone is for pages and documents, and calendar clients
show UTC in whatever zone their user lives in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration, vText

from alliance_portal.mail import site_url

from .models import Meeting

PRODID = "-//Alliance Portal//Meetings//EN"
UID_DOMAIN = "alliance-portal"
# A hint for subscribed calendars; most clients poll on their own schedule anyway.
FEED_REFRESH = timedelta(hours=1)


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.ical_uid}@{UID_DOMAIN}"


def meeting_url(meeting: Meeting) -> str:
    return site_url(reverse("meetings:detail", args=[meeting.alliance_id, meeting.pk]))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _location(meeting: Meeting) -> str:
    return ", ".join(part for part in (meeting.place, meeting.address) if part)


def _description(meeting: Meeting, link: str) -> str:
    lines = [_("Type: %(kind)s") % {"kind": meeting.get_kind_display()}]
    if meeting.host_organisation:
        lines.append(_("Host: %(host)s") % {"host": meeting.host_organisation})
    if meeting.online_link:
        lines.append(_("Join online: %(link)s") % {"link": meeting.online_link})
    lines.append(_("Meeting page: %(link)s") % {"link": link})
    return "\n".join(lines)


def meeting_event(meeting: Meeting) -> Event:
    """One VEVENT; meeting.alliance must already be loaded (select_related) by the caller."""
    link = meeting_url(meeting)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.ical_sequence)
    # The meeting's last change, not the time of the download: clients compare these.
    event.add("dtstamp", _utc(meeting.updated_at))
    event.add("last-modified", _utc(meeting.updated_at))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", f"{meeting.alliance.name}: {meeting.title}")
    location = _location(meeting)
    if location:
        event.add("location", location)
    event.add("description", _description(meeting, link))
    event.add("url", link)
    # A cancelled meeting stays in feeds as CANCELLED, which is how clients learn to drop it.
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    return event


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def meeting_ics_bytes(meeting: Meeting) -> bytes:
    """The meeting as a one-event .ics file, for the download and the invitation mail."""
    calendar = _calendar()
    calendar.add_component(meeting_event(meeting))
    return calendar.to_ical()


def feed_ics_bytes(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """A subscribable calendar of the meetings, shown in clients under `name`."""
    calendar = _calendar()
    # Unknown X- properties are not escaped unless typed as text; a newline in an alliance's
    # name would otherwise break the file.
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting))
    return calendar.to_ical()
