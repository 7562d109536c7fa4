"""Meetings as iCalendar: the .ics download and the private feeds calendar clients subscribe to.

The output is read back with vobject, a different parser from the one that writes it, so a
mistake in escaping or structure shows up as a failed parse or a wrong value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.test import Client
from django.urls import reverse

from alliance_portal.permissions import Role
from alliances import services as alliance_services
from meetings import services
from meetings.models import CalendarFeed, Meeting

from ..conftest import client_for
from ..factories import AllianceFactory, MembershipFactory, make_meeting

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


# Helpers ----------------------------------------------------------------------------------------


def _parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return vobject.readOne(response.content.decode("utf-8"))


def _events(calendar) -> list:
    return list(calendar.contents.get("vevent", []))


def _uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.ical_uid}@alliance-portal"


def _uids(calendar) -> set[str]:
    return {event.uid.value for event in _events(calendar)}


def _event_of(calendar, meeting: Meeting):
    matching = [event for event in _events(calendar) if event.uid.value == _uid(meeting)]
    assert len(matching) == 1
    return matching[0]


def _download(user, meeting: Meeting):
    url = reverse("meetings:ics", args=[meeting.alliance_id, meeting.pk])
    return client_for(user).get(url)


def _feed_path(token: str) -> str:
    return reverse("meetings:calendar_feed", args=[token])


def _fetch_feed(token: str):
    # Calendar clients have no session: the token is all they send.
    return Client().get(_feed_path(token))


def _meeting_page(meeting: Meeting) -> str:
    return SITE + reverse("meetings:detail", args=[meeting.alliance_id, meeting.pk])


@pytest.fixture
def third_alliance_meeting(cast) -> Meeting:
    """A meeting of an alliance none of the cast belongs to."""
    alliance = AllianceFactory(name="Halland Alliance")
    chair = MembershipFactory(alliance=alliance, role=Role.CHAIR).user
    return make_meeting(alliance, chair, title="Not yours")


# The .ics download ------------------------------------------------------------------------------


def test_download_is_an_attachment_named_after_the_meeting_number(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    response = _download(cast.observer, meeting)
    assert response["Content-Disposition"] == f'attachment; filename="meeting-{meeting.number}.ics"'
    calendar = _parse(response)
    assert calendar.prodid.value == "-//Alliance Portal//Meetings//EN"
    assert calendar.version.value == "2.0"
    assert [event.uid.value for event in _events(calendar)] == [_uid(meeting)]


def test_download_describes_the_meeting_and_links_back_to_its_page(cast):
    meeting = make_meeting(
        cast.alliance,
        cast.secretary,
        title="Spring plenary",
        online_link="https://meet.example.org/spring",
    )
    event = _event_of(_parse(_download(cast.member, meeting)), meeting)
    page = _meeting_page(meeting)
    assert event.summary.value == "Kronoberg Alliance: Spring plenary"
    assert event.location.value == "City library, room 2, Västra Esplanaden 7, Växjö"
    assert event.url.value == page
    assert event.status.value == "CONFIRMED"
    assert event.sequence.value == "0"
    description = event.description.value
    assert "Plenary meeting" in description
    assert "Växjö municipality" in description
    assert "https://meet.example.org/spring" in description
    assert page in description


def test_meeting_without_place_or_address_has_no_location(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, place="", address="")
    event = _event_of(_parse(_download(cast.member, meeting)), meeting)
    assert "location" not in event.contents


def test_start_and_end_are_written_in_utc(cast):
    stockholm = ZoneInfo("Europe/Stockholm")
    starts_at = datetime(2026, 12, 3, 10, 0, tzinfo=stockholm)  # 09:00 UTC in winter
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=starts_at)
    response = _download(cast.member, meeting)
    event = _event_of(_parse(response), meeting)
    assert event.dtstart.value == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert event.dtstart.value.utcoffset() == timedelta(0)
    assert event.dtend.value == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert b"DTSTART:20261203T090000Z" in response.content


def test_dtstamp_and_last_modified_are_the_meetings_last_change(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    meeting.refresh_from_db()
    event = _event_of(_parse(_download(cast.member, meeting)), meeting)
    # iCalendar has whole seconds only.
    expected = meeting.updated_at.astimezone(UTC).replace(microsecond=0)
    assert event.dtstamp.value == expected
    assert event.last_modified.value == expected


def test_uid_stays_and_sequence_rises_when_the_time_changes(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    before = _event_of(_parse(_download(cast.member, meeting)), meeting)
    later = meeting.starts_at + timedelta(days=1)
    services.meeting_update(
        meeting=meeting,
        actor=cast.secretary,
        fields={"starts_at": later, "ends_at": later + timedelta(hours=2)},
    )
    after = _event_of(_parse(_download(cast.member, meeting)), meeting)
    assert after.uid.value == before.uid.value
    assert int(after.sequence.value) == int(before.sequence.value) + 1
    assert after.dtstart.value == later


def test_cancelled_meeting_is_marked_cancelled_with_a_higher_sequence(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    services.meeting_cancel(meeting=meeting, actor=cast.secretary)
    event = _event_of(_parse(_download(cast.member, meeting)), meeting)
    assert event.status.value == "CANCELLED"
    assert event.sequence.value == "1"
    assert event.uid.value == _uid(meeting)


def test_download_of_another_alliances_meeting_is_404(cast, third_alliance_meeting):
    assert _download(cast.chair, third_alliance_meeting).status_code == 404


# The page with the private addresses ------------------------------------------------------------


def test_calendar_page_offers_personal_and_one_row_per_active_alliance(cast):
    MembershipFactory(alliance=cast.other_alliance, user=cast.member)
    feed = services.calendar_feed_renew(user=cast.member, alliance=cast.other_alliance)
    page = client_for(cast.member).get(reverse("meetings:calendar_feeds"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "All your alliances" in text
    assert "Kronoberg Alliance" in text
    assert "Skåne Alliance" in text
    assert f'value="{SITE}{_feed_path(feed.token)}"' in text
    assert f'name="alliance" value="{cast.other_alliance.pk}"' in text
    assert f'name="alliance" value="{cast.alliance.pk}"' in text
    assert "<caption>" in text


def test_calendar_page_without_alliances_says_so(cast):
    page = client_for(cast.outsider).get(reverse("meetings:calendar_feeds"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "You are not a member of any alliance at the moment" in text
    assert "Kronoberg Alliance" not in text


def test_profile_links_to_the_calendar_page(cast):
    page = client_for(cast.member).get(reverse("profile"))
    assert reverse("meetings:calendar_feeds") in page.content.decode()


# Making and stopping addresses ------------------------------------------------------------------


def test_new_address_replaces_the_old_one(cast):
    old = services.calendar_feed_renew(user=cast.member)
    client = client_for(cast.member)
    response = client.post(reverse("meetings:calendar_feed_renew"), {"alliance": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:calendar_feeds")
    new = CalendarFeed.objects.get(user=cast.member, alliance=None, revoked_at__isnull=True)
    assert new.token != old.token
    assert _fetch_feed(old.token).status_code == 404
    assert _fetch_feed(new.token).status_code == 200
    page = client.get(reverse("meetings:calendar_feeds")).content.decode()
    assert new.token in page
    assert old.token not in page


def test_alliance_address_is_made_for_the_posted_alliance(cast):
    response = client_for(cast.observer).post(
        reverse("meetings:calendar_feed_renew"), {"alliance": str(cast.alliance.pk)}
    )
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(user=cast.observer, revoked_at__isnull=True)
    assert feed.alliance == cast.alliance


def test_stopped_address_answers_404(cast):
    feed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    assert _fetch_feed(feed.token).status_code == 200
    response = client_for(cast.member).post(
        reverse("meetings:calendar_feed_revoke"), {"alliance": str(cast.alliance.pk)}
    )
    assert response.status_code == 302
    assert _fetch_feed(feed.token).status_code == 404
    assert not CalendarFeed.objects.filter(user=cast.member, revoked_at__isnull=True).exists()


def test_stopping_one_address_leaves_the_others_working(cast):
    personal = services.calendar_feed_renew(user=cast.member)
    alliance_feed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    client_for(cast.member).post(reverse("meetings:calendar_feed_revoke"), {"alliance": ""})
    assert _fetch_feed(personal.token).status_code == 404
    assert _fetch_feed(alliance_feed.token).status_code == 200


@pytest.mark.parametrize("name", ["meetings:calendar_feed_renew", "meetings:calendar_feed_revoke"])
@pytest.mark.parametrize(
    "value", ["abc", "99999999999999999999999", "{other}", "{third}", "-1", "1.0", "\u0663"]
)
def test_hostile_alliance_values_answer_404_and_change_nothing(
    cast, third_alliance_meeting, name, value
):
    feed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    posted = value.format(other=cast.other_alliance.pk, third=third_alliance_meeting.alliance_id)
    response = client_for(cast.member).post(reverse(name), {"alliance": posted})
    assert response.status_code == 404
    assert list(CalendarFeed.objects.filter(user=cast.member)) == [feed]
    assert _fetch_feed(feed.token).status_code == 200


# The feeds --------------------------------------------------------------------------------------


def test_feed_needs_no_login_and_may_be_cached_privately_for_five_minutes(cast):
    feed = services.calendar_feed_renew(user=cast.member)
    response = _fetch_feed(feed.token)
    _parse(response)
    assert response["Cache-Control"] == "private, max-age=300"


def test_unknown_token_answers_404(cast):
    services.calendar_feed_renew(user=cast.member)
    assert _fetch_feed("not-a-real-token").status_code == 404
    # Longer than any token, or with characters no token has: not even a URL of the portal.
    assert Client().get("/calendar/" + "x" * 500 + ".ics").status_code == 404
    assert Client().get("/calendar/a%00b.ics").status_code == 404


def test_personal_feed_holds_every_own_alliance_and_no_other(cast, third_alliance_meeting):
    MembershipFactory(alliance=cast.other_alliance, user=cast.member)
    own = make_meeting(cast.alliance, cast.secretary, title="Kronoberg plenary")
    other = make_meeting(cast.other_alliance, cast.other_chair, title="Skåne plenary")
    feed = services.calendar_feed_renew(user=cast.member)
    calendar = _parse(_fetch_feed(feed.token))
    assert _uids(calendar) == {_uid(own), _uid(other)}
    assert _uid(third_alliance_meeting) not in _uids(calendar)
    assert _event_of(calendar, other).summary.value == "Skåne Alliance: Skåne plenary"
    assert _event_of(calendar, other).url.value == _meeting_page(other)


def test_alliance_feed_holds_only_that_alliances_meetings(cast):
    MembershipFactory(alliance=cast.other_alliance, user=cast.member)
    own = make_meeting(cast.alliance, cast.secretary)
    make_meeting(cast.other_alliance, cast.other_chair)
    feed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    calendar = _parse(_fetch_feed(feed.token))
    assert _uids(calendar) == {_uid(own)}
    assert calendar.contents["x-wr-calname"][0].value == "Kronoberg Alliance"


def test_feed_keeps_cancelled_meetings_so_calendars_drop_them(cast):
    kept = make_meeting(cast.alliance, cast.secretary)
    cancelled = make_meeting(cast.alliance, cast.secretary)
    services.meeting_cancel(meeting=cancelled, actor=cast.secretary)
    feed = services.calendar_feed_renew(user=cast.member)
    calendar = _parse(_fetch_feed(feed.token))
    assert _event_of(calendar, cancelled).status.value == "CANCELLED"
    assert _event_of(calendar, kept).status.value == "CONFIRMED"


def test_feed_uid_is_stable_and_sequence_rises_after_a_change(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    feed = services.calendar_feed_renew(user=cast.member)
    before = _event_of(_parse(_fetch_feed(feed.token)), meeting)
    services.meeting_update(
        meeting=meeting,
        actor=cast.secretary,
        fields={"starts_at": meeting.starts_at + timedelta(hours=1)},
    )
    after = _event_of(_parse(_fetch_feed(feed.token)), meeting)
    assert after.uid.value == before.uid.value == _uid(meeting)
    assert int(after.sequence.value) == int(before.sequence.value) + 1


def test_ended_membership_leaves_the_personal_feed_and_closes_the_alliance_feed(cast):
    MembershipFactory(alliance=cast.other_alliance, user=cast.member)
    leaving = make_meeting(cast.alliance, cast.secretary)
    staying = make_meeting(cast.other_alliance, cast.other_chair)
    personal = services.calendar_feed_renew(user=cast.member)
    alliance_feed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)

    alliance_services.membership_end(membership=cast.membership(cast.member), actor=cast.chair)

    assert _uids(_parse(_fetch_feed(personal.token))) == {_uid(staying)}
    assert _uid(leaving) not in _uids(_parse(_fetch_feed(personal.token)))
    assert _fetch_feed(alliance_feed.token).status_code == 404
    # Nor can a new address be made for the alliance that was left.
    response = client_for(cast.member).post(
        reverse("meetings:calendar_feed_renew"), {"alliance": str(cast.alliance.pk)}
    )
    assert response.status_code == 404


def test_feed_of_a_deactivated_account_answers_404(cast):
    feed = services.calendar_feed_renew(user=cast.member)
    cast.member.is_active = False
    cast.member.save(update_fields=["is_active"])
    assert _fetch_feed(feed.token).status_code == 404


def test_hostile_title_is_plain_text_and_keeps_the_file_intact(cast):
    title = '<script>alert("x")</script>\nSUMMARY:forged, with; commas\\ and END:VEVENT'
    meeting = make_meeting(cast.alliance, cast.secretary, title=title, place="Hall; A, 2")
    services.meeting_update(
        meeting=meeting, actor=cast.secretary, fields={"address": "Road 1\nBEGIN:VEVENT"}
    )
    feed = services.calendar_feed_renew(user=cast.member)
    response = _fetch_feed(feed.token)
    calendar = _parse(response)
    events = _events(calendar)
    assert len(events) == 1
    event = events[0]
    assert event.summary.value == f"Kronoberg Alliance: {title}"
    assert event.location.value == "Hall; A, 2, Road 1\nBEGIN:VEVENT"
    lines = response.content.decode().split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 1
    assert lines.count("END:VEVENT") == 1
    assert not any(line.startswith("SUMMARY:forged") for line in lines)


def test_alliance_name_with_line_breaks_keeps_the_feed_name_intact(cast):
    cast.alliance.name = "Kronoberg; North,\nX-EVIL:1"
    cast.alliance.save(update_fields=["name"])
    make_meeting(cast.alliance, cast.secretary)
    feed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    calendar = _parse(_fetch_feed(feed.token))
    assert calendar.contents["x-wr-calname"][0].value == "Kronoberg; North,\nX-EVIL:1"
    assert "x-evil" not in calendar.contents


@pytest.mark.parametrize("count", [2, 12])
def test_feed_query_count_does_not_grow_with_meetings(cast, django_assert_max_num_queries, count):
    for number in range(count):
        make_meeting(
            cast.alliance,
            cast.secretary,
            starts_at=datetime(2026, 12, 3, 9, 0, tzinfo=UTC) + timedelta(days=number),
        )
    personal = services.calendar_feed_renew(user=cast.member)
    alliance_feed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    with django_assert_max_num_queries(3):
        personal_response = _fetch_feed(personal.token)
    with django_assert_max_num_queries(3):
        alliance_response = _fetch_feed(alliance_feed.token)
    assert len(_events(_parse(personal_response))) == count
    assert len(_events(_parse(alliance_response))) == count
