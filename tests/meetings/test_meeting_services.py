"""Meeting services: numbering, the standing agenda, invitations, attendance and calendar feeds."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone

from alliance_portal.exceptions import InvalidTransition
from alliances.models import AuditEntry
from meetings import selectors, services
from meetings.models import (
    ERR_AGENDA_ALREADY_PUBLISHED,
    ERR_AGENDA_EMPTY,
    ERR_END_BEFORE_START,
    ERR_MEETING_NOT_PLANNED,
    ERR_MEETING_NOT_STARTED,
    ERR_MEETING_TOO_LONG,
    MAX_ITEM_MINUTES,
    STANDING_AGENDA,
    AgendaItem,
    CalendarFeed,
    Meeting,
    Participant,
    StandingItem,
)
from meetings.selectors import AttendanceSummary
from meetings.services import (
    ERR_GUEST_ALREADY_INVITED,
    ERR_MOVE,
    ERR_NOT_CANCELLED_MEETING,
    ERR_WRONG_MEETING,
)

from ..factories import MEETING_START, MembershipFactory, make_meeting

pytestmark = pytest.mark.django_db


def _messages(exc_info) -> list[str]:
    return [str(message) for message in exc_info.value.messages]


def _meeting(cast, **fields) -> Meeting:
    return make_meeting(cast.alliance, cast.secretary, **fields)


def _past_meeting(cast, **fields) -> Meeting:
    """A meeting that started yesterday, so it can be marked as held."""
    starts_at = timezone.now().replace(microsecond=0) - timedelta(days=1)
    return _meeting(cast, starts_at=starts_at, **fields)


def _actions(**filters) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("pk").values_list("action", flat=True)
    )


def _meeting_state(meeting: Meeting) -> tuple:
    meeting.refresh_from_db()
    return (
        meeting.status,
        meeting.ical_sequence,
        meeting.agenda_published_at,
        meeting.title,
        meeting.starts_at,
        meeting.ends_at,
        meeting.updated_at,
    )


def _agenda(meeting: Meeting) -> list[tuple[int, str]]:
    return list(meeting.agenda_items.order_by("position").values_list("position", "title"))


def _positions(meeting: Meeting) -> list[int]:
    return list(meeting.agenda_items.order_by("position").values_list("position", flat=True))


# Creating a meeting -----------------------------------------------------------------------------


def test_meetings_are_numbered_one_after_another_in_each_alliance(cast):
    ours = [_meeting(cast, title=f"Meeting {n}") for n in range(3)]
    theirs = [make_meeting(cast.other_alliance, cast.other_chair) for _ in range(2)]
    assert [meeting.number for meeting in ours] == [1, 2, 3]
    assert [meeting.number for meeting in theirs] == [1, 2]


def test_a_new_meeting_has_the_six_standing_items_in_the_guides_order(cast):
    meeting = _meeting(cast)
    items = list(meeting.agenda_items.order_by("position"))
    assert [item.kind for item in items] == [
        StandingItem.WELCOME,
        StandingItem.PREVIOUS_MINUTES,
        StandingItem.UPDATES,
        StandingItem.OTHER_BUSINESS,
        StandingItem.NEXT_MEETING,
        StandingItem.CLOSING,
    ]
    assert [item.position for item in items] == [1, 2, 3, 4, 5, 6]
    assert [item.title for item in items] == [str(kind.label) for kind, _d, _m in STANDING_AGENDA]
    assert [item.duration_minutes for item in items] == [10, 10, 40, 15, 10, 5]


def test_every_active_member_and_no_one_else_is_invited(cast):
    ended = MembershipFactory(alliance=cast.alliance)
    ended.ended_at = timezone.now()
    ended.save()
    meeting = _meeting(cast)
    participants = list(meeting.participants.all())
    assert {p.user for p in participants} == {
        cast.chair,
        cast.secretary,
        cast.coordinator,
        cast.member,
        cast.observer,
    }
    assert not any(p.is_guest for p in participants)
    member = meeting.participants.get(user=cast.member)
    assert member.email == cast.member.email
    assert member.organisation_name == cast.membership(cast.member).organisation_name
    keys = [p.response_key for p in participants]
    assert all(keys) and len(set(keys)) == len(keys)


def test_the_meeting_create_is_audited(cast):
    meeting = _meeting(cast)
    entry = AuditEntry.objects.get(action="meeting.created")
    assert (entry.alliance, entry.actor, entry.object_id) == (
        cast.alliance,
        cast.secretary,
        str(meeting.pk),
    )


@pytest.mark.parametrize(
    ("length", "error"),
    [
        (timedelta(hours=-1), ERR_END_BEFORE_START),
        (timedelta(0), ERR_END_BEFORE_START),
        (timedelta(days=7, minutes=1), ERR_MEETING_TOO_LONG),
    ],
)
def test_impossible_meeting_times_are_refused_and_nothing_is_saved(cast, length, error):
    with pytest.raises(ValidationError) as exc_info:
        _meeting(cast, ends_at=MEETING_START + length)
    assert exc_info.value.message_dict["ends_at"] == [str(error)]
    assert not Meeting.objects.exists()
    assert not AgendaItem.objects.exists()
    assert not Participant.objects.exists()
    assert not AuditEntry.objects.filter(action="meeting.created").exists()


def test_a_meeting_of_exactly_seven_days_is_allowed(cast):
    meeting = _meeting(cast, ends_at=MEETING_START + timedelta(days=7))
    assert meeting.pk is not None


# Changing a meeting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"starts_at": MEETING_START + timedelta(hours=1)},
        {"ends_at": MEETING_START + timedelta(hours=4)},
        {"place": "Town hall"},
        {"online_link": "https://meet.example.org/plenary"},
    ],
)
def test_a_change_of_time_or_place_bumps_the_calendar_sequence(cast, fields):
    meeting = _meeting(cast)
    services.meeting_update(meeting=meeting, actor=cast.secretary, fields=fields)
    meeting.refresh_from_db()
    assert meeting.ical_sequence == 1
    entry = AuditEntry.objects.get(action="meeting.updated")
    assert entry.changes == {"fields": ", ".join(fields)}


def test_a_change_of_host_organisation_reaches_calendars_too(cast):
    # The event's description names the host, so calendars must take the change as an update.
    meeting = _meeting(cast)
    services.meeting_update(
        meeting=meeting, actor=cast.secretary, fields={"host_organisation": "Region Kronoberg"}
    )
    meeting.refresh_from_db()
    assert meeting.host_organisation == "Region Kronoberg"
    assert meeting.ical_sequence == 1
    assert AuditEntry.objects.get(action="meeting.updated").changes == {
        "fields": "host_organisation"
    }


def test_an_update_that_changes_nothing_keeps_the_calendar_sequence(cast):
    meeting = _meeting(cast)
    services.meeting_update(meeting=meeting, actor=cast.secretary, fields={"title": meeting.title})
    meeting.refresh_from_db()
    assert meeting.ical_sequence == 0
    assert not AuditEntry.objects.filter(action="meeting.updated").exists()


def test_an_update_that_changes_nothing_is_not_audited(cast):
    meeting = _meeting(cast)
    services.meeting_update(meeting=meeting, actor=cast.secretary, fields={"place": meeting.place})
    meeting.refresh_from_db()
    assert meeting.ical_sequence == 0
    assert not AuditEntry.objects.filter(action="meeting.updated").exists()


def test_an_update_with_the_end_before_the_start_changes_nothing(cast):
    meeting = _meeting(cast)
    before = _meeting_state(meeting)
    with pytest.raises(ValidationError) as exc_info:
        services.meeting_update(
            meeting=meeting,
            actor=cast.secretary,
            fields={"ends_at": MEETING_START - timedelta(hours=1)},
        )
    assert exc_info.value.message_dict["ends_at"] == [str(ERR_END_BEFORE_START)]
    assert _meeting_state(meeting) == before


def test_a_cancelled_meeting_cannot_be_updated(cast):
    meeting = _meeting(cast)
    services.meeting_cancel(meeting=meeting, actor=cast.secretary)
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition) as exc_info:
        services.meeting_update(meeting=meeting, actor=cast.secretary, fields={"title": "Again"})
    assert _messages(exc_info) == [str(ERR_NOT_CANCELLED_MEETING)]
    assert _meeting_state(meeting) == before


def test_cancelling_a_planned_meeting_bumps_the_calendar_sequence(cast):
    meeting = _meeting(cast)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.ical_sequence == 1
    assert "meeting.cancelled" in _actions(alliance=cast.alliance)


def test_a_meeting_that_has_started_can_be_marked_as_held(cast):
    meeting = _past_meeting(cast)
    services.meeting_mark_held(meeting=meeting, actor=cast.secretary)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert "meeting.held" in _actions(alliance=cast.alliance)


def test_a_held_meeting_cannot_be_cancelled(cast):
    meeting = _past_meeting(cast)
    services.meeting_mark_held(meeting=meeting, actor=cast.secretary)
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition) as exc_info:
        services.meeting_cancel(meeting=meeting, actor=cast.chair)
    assert _messages(exc_info) == [str(ERR_MEETING_NOT_PLANNED)]
    assert _meeting_state(meeting) == before


def test_a_held_meeting_cannot_be_marked_as_held_again(cast):
    meeting = _past_meeting(cast)
    services.meeting_mark_held(meeting=meeting, actor=cast.secretary)
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition):
        services.meeting_mark_held(meeting=meeting, actor=cast.secretary)
    assert _meeting_state(meeting) == before


def test_a_cancelled_meeting_cannot_be_marked_as_held(cast):
    meeting = _past_meeting(cast)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition) as exc_info:
        services.meeting_mark_held(meeting=meeting, actor=cast.secretary)
    assert _messages(exc_info) == [str(ERR_MEETING_NOT_PLANNED)]
    assert _meeting_state(meeting) == before


def test_a_cancelled_meeting_cannot_be_cancelled_again(cast):
    meeting = _meeting(cast)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition):
        services.meeting_cancel(meeting=meeting, actor=cast.chair)
    assert _meeting_state(meeting) == before


def test_a_meeting_cannot_be_marked_as_held_before_it_starts(cast):
    meeting = _meeting(cast, starts_at=timezone.now() + timedelta(days=30))
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition) as exc_info:
        services.meeting_mark_held(meeting=meeting, actor=cast.secretary)
    assert _messages(exc_info) == [str(ERR_MEETING_NOT_STARTED)]
    assert _meeting_state(meeting) == before


# The agenda -------------------------------------------------------------------------------------


def test_an_added_item_goes_to_the_end_of_the_agenda(cast):
    meeting = _meeting(cast)
    item = services.agenda_item_add(
        meeting=meeting,
        actor=cast.secretary,
        fields={"title": "Language café", "presenter": "Kim", "duration_minutes": 20},
    )
    assert (item.position, item.kind, item.duration_minutes) == (7, "", 20)
    assert _positions(meeting) == [1, 2, 3, 4, 5, 6, 7]
    assert "agenda.item_added" in _actions(alliance=cast.alliance)


@pytest.mark.parametrize("minutes", [0, MAX_ITEM_MINUTES + 1])
def test_an_item_duration_outside_the_limits_is_refused(cast, minutes):
    meeting = _meeting(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.agenda_item_add(
            meeting=meeting,
            actor=cast.secretary,
            fields={"title": "Too long or too short", "duration_minutes": minutes},
        )
    assert "duration_minutes" in exc_info.value.message_dict
    assert meeting.agenda_items.count() == 6


def test_an_item_update_changes_the_fields_and_is_audited(cast):
    meeting = _meeting(cast)
    item = meeting.agenda_items.get(kind=StandingItem.UPDATES)
    services.agenda_item_update(
        item=item, actor=cast.secretary, fields={"presenter": "Kim", "duration_minutes": 30}
    )
    item.refresh_from_db()
    assert (item.presenter, item.duration_minutes, item.position) == ("Kim", 30, 3)
    entry = AuditEntry.objects.get(action="agenda.item_updated")
    assert entry.changes == {"fields": "presenter, duration_minutes"}


def test_removing_an_item_renumbers_the_rest_without_gaps(cast):
    meeting = _meeting(cast)
    titles = [title for _position, title in _agenda(meeting)]
    services.agenda_item_remove(item=meeting.agenda_items.get(position=2), actor=cast.secretary)
    services.agenda_item_remove(item=meeting.agenda_items.get(position=4), actor=cast.secretary)
    expected = [titles[0], titles[2], titles[3], titles[5]]
    assert _agenda(meeting) == list(enumerate(expected, start=1))
    assert _actions(action="agenda.item_removed") == ["agenda.item_removed"] * 2


def test_moving_an_item_up_and_down_keeps_positions_without_gaps(cast):
    meeting = _meeting(cast)
    titles = [title for _position, title in _agenda(meeting)]
    services.agenda_item_move(
        item=meeting.agenda_items.get(position=3), actor=cast.secretary, offset=-1
    )
    assert [title for _p, title in _agenda(meeting)] == [
        titles[0],
        titles[2],
        titles[1],
        *titles[3:],
    ]
    services.agenda_item_move(
        item=meeting.agenda_items.get(position=1), actor=cast.secretary, offset=2
    )
    assert _agenda(meeting) == list(
        enumerate([titles[2], titles[1], titles[0], *titles[3:]], start=1)
    )
    assert _actions(action="agenda.reordered") == ["agenda.reordered"] * 2


def test_an_item_added_after_a_removal_follows_the_last_position(cast):
    meeting = _meeting(cast)
    services.agenda_item_remove(item=meeting.agenda_items.get(position=1), actor=cast.secretary)
    item = services.agenda_item_add(
        meeting=meeting, actor=cast.secretary, fields={"title": "Extra"}
    )
    assert item.position == 6
    assert _positions(meeting) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(("position", "offset"), [(1, -1), (6, 1), (3, 4)])
def test_an_item_cannot_move_past_either_end(cast, position, offset):
    meeting = _meeting(cast)
    before = _agenda(meeting)
    with pytest.raises(ValidationError) as exc_info:
        services.agenda_item_move(
            item=meeting.agenda_items.get(position=position), actor=cast.secretary, offset=offset
        )
    assert _messages(exc_info) == [str(ERR_MOVE)]
    assert _agenda(meeting) == before


def test_the_agenda_of_a_cancelled_meeting_cannot_change(cast):
    meeting = _meeting(cast)
    item = meeting.agenda_items.get(position=1)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    with pytest.raises(InvalidTransition):
        services.agenda_item_add(meeting=meeting, actor=cast.secretary, fields={"title": "X"})
    with pytest.raises(InvalidTransition):
        services.agenda_item_remove(item=item, actor=cast.secretary)
    with pytest.raises(InvalidTransition):
        services.agenda_item_move(item=item, actor=cast.secretary, offset=1)
    assert _positions(meeting) == [1, 2, 3, 4, 5, 6]


def test_item_start_times_follow_the_durations_in_the_alliances_time_zone(cast):
    meeting = _meeting(cast)  # 09:00 UTC on 3 December, 10:00 in Stockholm
    timed = selectors.agenda_with_times(meeting)
    assert [entry.number for entry in timed] == [1, 2, 3, 4, 5, 6]
    assert [entry.starts_at.time() for entry in timed] == [
        time(10, 0),
        time(10, 10),
        time(10, 20),
        time(11, 0),
        time(11, 15),
        time(11, 25),
    ]
    assert all(str(entry.starts_at.tzinfo) == "Europe/Stockholm" for entry in timed)
    assert selectors.agenda_end(meeting, timed).time() == time(11, 30)


def test_item_start_times_use_another_time_zone_when_the_alliance_has_one(cast):
    cast.alliance.timezone = "America/New_York"
    cast.alliance.save()
    meeting = Meeting.objects.get(pk=_meeting(cast).pk)
    timed = selectors.agenda_with_times(meeting)
    assert timed[0].starts_at.time() == time(4, 0)
    assert timed[0].starts_at == MEETING_START


def test_a_summer_meeting_starts_two_hours_ahead_of_utc_in_stockholm(cast):
    meeting = _meeting(cast, starts_at=datetime(2027, 6, 10, 9, 0, tzinfo=UTC))
    assert selectors.agenda_with_times(meeting)[0].starts_at.time() == time(11, 0)


# Publishing the agenda --------------------------------------------------------------------------


def test_publishing_the_agenda_notifies_every_invitee_with_an_email(
    cast, django_capture_on_commit_callbacks
):
    meeting = _meeting(cast)
    services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Walk-in", email="", present=True
    )
    guest = services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Guest", email="guest@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    meeting.refresh_from_db()
    assert meeting.agenda_published_at is not None
    with_email = meeting.participants.exclude(email="")
    assert with_email.count() == 6
    # Members get it as a reminder they can switch off; the guest as a plain invitation.
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        with_email.values_list("email", flat=True)
    )
    guest_mail = next(m for m in mail.outbox if m.to == [guest.email])
    assert "List-Unsubscribe" not in guest_mail.extra_headers
    member_mail = next(m for m in mail.outbox if m.to == [cast.member.email])
    assert member_mail.extra_headers["List-Unsubscribe"].startswith("<http://testserver/")
    assert all(p.invited_at is not None for p in with_email)
    assert meeting.participants.get(email="").invited_at is None
    assert "agenda.published" in _actions(alliance=cast.alliance)


def test_publishing_invites_members_who_joined_after_the_meeting_was_made(
    cast, django_capture_on_commit_callbacks
):
    meeting = _meeting(cast)
    newcomer = MembershipFactory(alliance=cast.alliance).user
    with django_capture_on_commit_callbacks():
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    participant = meeting.participants.get(user=newcomer)
    assert participant.response_key
    assert participant.invited_at is not None


# Runs the real mail: it depends on meetings.calendar.meeting_ics_bytes for the .ics attachment.
def test_publishing_the_agenda_mails_each_invitee_the_meeting_as_ics(
    cast, django_capture_on_commit_callbacks
):
    meeting = _meeting(cast)
    services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Walk-in", email="", present=True
    )
    services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Guest", email="guest@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    expected = set(meeting.participants.exclude(email="").values_list("email", flat=True))
    assert len(expected) == 6
    assert len(mail.outbox) == 6
    assert {address for message in mail.outbox for address in message.to} == expected
    for message in mail.outbox:
        assert len(message.to) == 1
        ics = [a for a in message.attachments if a[0].endswith(".ics")]
        assert len(ics) == 1
        filename, content, mimetype = ics[0]
        assert filename == "meeting-1.ics"
        assert mimetype.startswith("text/calendar")
        assert b"BEGIN:VCALENDAR" in (content if isinstance(content, bytes) else content.encode())


def test_the_agenda_cannot_be_published_twice(cast, django_capture_on_commit_callbacks):
    meeting = _meeting(cast)
    with django_capture_on_commit_callbacks():
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    before = _meeting_state(meeting)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(InvalidTransition) as exc_info,
    ):
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    assert _messages(exc_info) == [str(ERR_AGENDA_ALREADY_PUBLISHED)]
    assert callbacks == []
    assert _meeting_state(meeting) == before


def test_the_agenda_of_a_cancelled_meeting_cannot_be_published(cast):
    meeting = _meeting(cast)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition) as exc_info:
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    assert _messages(exc_info) == [str(ERR_MEETING_NOT_PLANNED)]
    assert _meeting_state(meeting) == before
    assert meeting.agenda_published_at is None


def test_an_empty_agenda_cannot_be_published(cast):
    meeting = _meeting(cast)
    for item in list(meeting.agenda_items.all()):
        services.agenda_item_remove(item=item, actor=cast.secretary)
    before = _meeting_state(meeting)
    with pytest.raises(InvalidTransition) as exc_info:
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    assert _messages(exc_info) == [str(ERR_AGENDA_EMPTY)]
    assert _meeting_state(meeting) == before
    assert meeting.agenda_published_at is None


# Guests, answers and attendance -----------------------------------------------------------------


def test_a_guest_is_invited_by_email(cast):
    meeting = _meeting(cast)
    guest = services.guest_invite(
        meeting=meeting,
        actor=cast.secretary,
        name="Alex Guest",
        email="  Alex@Example.ORG ",
        organisation_name="Red Cross",
    )
    guest.refresh_from_db()
    assert (guest.is_guest, guest.email, guest.user, guest.attendance) == (
        True,
        "alex@example.org",
        None,
        "",
    )
    assert guest.response_key
    assert guest.invited_at is None  # the agenda is not published yet
    assert AuditEntry.objects.get(action="meeting.guest_invited").changes == {"guest": "Alex Guest"}


def test_a_guest_invited_after_publishing_is_notified(cast, django_capture_on_commit_callbacks):
    meeting = _meeting(cast)
    with django_capture_on_commit_callbacks():
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    with django_capture_on_commit_callbacks() as callbacks:
        guest = services.guest_invite(
            meeting=meeting, actor=cast.secretary, name="Late", email="late@example.org"
        )
    guest.refresh_from_db()
    assert len(callbacks) == 1
    assert guest.invited_at is not None


@pytest.mark.parametrize("second", ["guest@example.org", "GUEST@example.org", " Guest@Example.Org"])
def test_the_same_email_cannot_be_invited_twice_in_any_case(cast, second):
    meeting = _meeting(cast)
    services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Guest", email="Guest@example.org"
    )
    with pytest.raises(ValidationError) as exc_info:
        services.guest_invite(meeting=meeting, actor=cast.secretary, name="Again", email=second)
    assert exc_info.value.message_dict["email"] == [
        str(ERR_GUEST_ALREADY_INVITED % {"email": "guest@example.org"})
    ]
    assert meeting.participants.filter(is_guest=True).count() == 1


def test_a_member_cannot_be_invited_again_as_a_guest(cast):
    meeting = _meeting(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.guest_invite(
            meeting=meeting, actor=cast.secretary, name="Twice", email=cast.member.email.upper()
        )
    assert "email" in exc_info.value.message_dict
    assert not meeting.participants.filter(is_guest=True).exists()


def test_a_guest_added_on_the_spot_is_present_and_needs_no_email(cast):
    meeting = _meeting(cast)
    first = services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Walk-in one", email="", present=True
    )
    second = services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Walk-in two", email="", present=True
    )
    for guest in (first, second):
        guest.refresh_from_db()
        assert (guest.is_guest, guest.email, guest.attendance) == (
            True,
            "",
            Participant.Attendance.PRESENT,
        )
    assert first.response_key != second.response_key


def test_a_guest_cannot_be_invited_to_a_cancelled_meeting(cast):
    meeting = _meeting(cast)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    with pytest.raises(InvalidTransition):
        services.guest_invite(
            meeting=meeting, actor=cast.secretary, name="Guest", email="g@example.org"
        )
    assert not meeting.participants.filter(is_guest=True).exists()


def test_an_answer_records_the_response_and_when(cast):
    meeting = _meeting(cast)
    participant = meeting.participants.get(user=cast.member)
    before = timezone.now()
    services.participant_answer(participant=participant, response="maybe", actor=cast.member)
    participant.refresh_from_db()
    assert participant.response == Participant.Response.MAYBE
    assert before <= participant.responded_at <= timezone.now()
    entry = AuditEntry.objects.get(action="meeting.answered")
    assert entry.changes["answer"] == "maybe"


def test_a_guest_answers_without_an_account(cast):
    meeting = _meeting(cast)
    guest = services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Guest", email="g@example.org"
    )
    services.participant_answer(participant=guest, response="no", actor=None)
    guest.refresh_from_db()
    assert guest.response == Participant.Response.NO
    assert AuditEntry.objects.get(action="meeting.answered").actor_label == "system"


def test_no_answer_is_taken_for_a_cancelled_meeting(cast):
    meeting = _meeting(cast)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    participant = meeting.participants.get(user=cast.member)
    with pytest.raises(InvalidTransition):
        services.participant_answer(participant=participant, response="yes", actor=cast.member)
    participant.refresh_from_db()
    assert (participant.response, participant.responded_at) == ("", None)


def test_attendance_is_recorded_for_the_participants_given(cast):
    meeting = _meeting(cast)
    member = meeting.participants.get(user=cast.member)
    chair = meeting.participants.get(user=cast.chair)
    changed = services.attendance_record(
        meeting=meeting,
        actor=cast.secretary,
        attendance={member.pk: "present", chair.pk: "excused"},
    )
    assert {p.pk for p in changed} == {member.pk, chair.pk}
    member.refresh_from_db()
    chair.refresh_from_db()
    assert (member.attendance, chair.attendance) == ("present", "excused")
    assert AuditEntry.objects.get(action="meeting.attendance_recorded").changes == {
        "participants": 2
    }
    again = services.attendance_record(
        meeting=meeting, actor=cast.secretary, attendance={member.pk: "present"}
    )
    assert again == []
    assert AuditEntry.objects.filter(action="meeting.attendance_recorded").count() == 1


def test_attendance_with_a_participant_of_another_meeting_changes_nothing(cast):
    meeting = _meeting(cast)
    other = _meeting(cast, title="Another meeting")
    ours = meeting.participants.get(user=cast.member)
    theirs = other.participants.get(user=cast.chair)
    with pytest.raises(ValidationError) as exc_info:
        services.attendance_record(
            meeting=meeting,
            actor=cast.secretary,
            attendance={ours.pk: "present", theirs.pk: "present"},
        )
    assert _messages(exc_info) == [str(ERR_WRONG_MEETING)]
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.attendance, theirs.attendance) == ("", "")
    assert not AuditEntry.objects.filter(action="meeting.attendance_recorded").exists()


def _nine_members_meeting(cast) -> Meeting:
    """Nine members with a seat, and the cast's observer, who is invited but holds none."""
    for _ in range(5):
        MembershipFactory(alliance=cast.alliance)
    meeting = _meeting(cast)
    assert meeting.participants.count() == 10
    assert meeting.participants.filter(holds_seat=True).count() == 9
    return meeting


def _mark_present(cast, meeting: Meeting, count: int) -> None:
    members = meeting.participants.filter(holds_seat=True).order_by("pk")[:count]
    services.attendance_record(
        meeting=meeting, actor=cast.secretary, attendance={p.pk: "present" for p in members}
    )


def test_five_of_nine_members_meet_a_fifty_percent_quorum(cast):
    meeting = _nine_members_meeting(cast)
    _mark_present(cast, meeting, 5)
    summary = selectors.attendance_summary(meeting, selectors.participants(meeting))
    assert (summary.members, summary.members_present, summary.quorum_percent) == (9, 5, 50)
    assert summary.quorum_needed == 5
    assert summary.rate == 56
    assert summary.quorum_met
    assert summary.recorded


def test_four_of_nine_members_do_not_meet_a_fifty_percent_quorum(cast):
    meeting = _nine_members_meeting(cast)
    _mark_present(cast, meeting, 4)
    summary = selectors.attendance_summary(meeting, selectors.participants(meeting))
    assert (summary.members_present, summary.quorum_needed, summary.rate) == (4, 5, 44)
    assert not summary.quorum_met


def test_guests_present_do_not_count_towards_the_quorum(cast):
    meeting = _nine_members_meeting(cast)
    _mark_present(cast, meeting, 4)
    for name in ("Guest one", "Guest two", "Guest three"):
        services.guest_invite(
            meeting=meeting, actor=cast.secretary, name=name, email="", present=True
        )
    summary = selectors.attendance_summary(meeting, selectors.participants(meeting))
    assert (summary.members, summary.members_present, summary.guests_present) == (9, 4, 3)
    assert not summary.quorum_met


def test_the_alliances_own_quorum_is_used(cast):
    cast.alliance.quorum_percent = 75
    cast.alliance.save()
    meeting = Meeting.objects.select_related("alliance").get(pk=_nine_members_meeting(cast).pk)
    _mark_present(cast, meeting, 6)
    summary = selectors.attendance_summary(meeting, selectors.participants(meeting))
    assert (summary.quorum_percent, summary.quorum_needed) == (75, 7)
    assert not summary.quorum_met
    _mark_present(cast, meeting, 7)
    summary = selectors.attendance_summary(meeting, selectors.participants(meeting))
    assert summary.quorum_met


def test_an_attendance_not_yet_recorded_is_reported_as_such(cast):
    meeting = _meeting(cast)
    summary = selectors.attendance_summary(meeting, selectors.participants(meeting))
    assert (summary.recorded, summary.members_present, summary.rate) == (False, 0, 0)
    assert not summary.quorum_met


def test_no_members_means_no_rate_and_no_quorum():
    summary = AttendanceSummary(
        members=0, members_present=0, guests_present=2, quorum_percent=50, recorded=True
    )
    assert (summary.rate, summary.quorum_needed, summary.quorum_met) == (0, 0, False)


# Calendar feeds ---------------------------------------------------------------------------------


def test_renewing_a_feed_revokes_the_previous_one_of_the_same_scope(cast):
    personal = services.calendar_feed_renew(user=cast.member)
    ours = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    renewed = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    personal.refresh_from_db()
    ours.refresh_from_db()
    assert ours.revoked_at is not None
    assert renewed.is_live and personal.is_live
    assert renewed.token != ours.token
    assert len(renewed.token) >= 40
    live = CalendarFeed.objects.filter(user=cast.member, revoked_at__isnull=True)
    assert set(live) == {personal, renewed}
    assert _actions(actor=cast.member) == [
        "calendar.feed_created",
        "calendar.feed_created",
        "calendar.feed_revoked",
        "calendar.feed_created",
    ]


def test_renewing_does_not_touch_other_peoples_feeds(cast):
    theirs = services.calendar_feed_renew(user=cast.chair, alliance=cast.alliance)
    services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    theirs.refresh_from_db()
    assert theirs.is_live


def test_revoking_a_feed_is_final(cast):
    feed = services.calendar_feed_renew(user=cast.member)
    assert services.calendar_feed_revoke(user=cast.member) == 1
    feed.refresh_from_db()
    assert not feed.is_live
    assert services.calendar_feed_revoke(user=cast.member) == 0
    assert _actions(action="calendar.feed_revoked") == ["calendar.feed_revoked"]


def test_revoking_the_alliance_feed_keeps_the_personal_feed(cast):
    personal = services.calendar_feed_renew(user=cast.member)
    ours = services.calendar_feed_renew(user=cast.member, alliance=cast.alliance)
    assert services.calendar_feed_revoke(user=cast.member, alliance=cast.alliance) == 1
    personal.refresh_from_db()
    ours.refresh_from_db()
    assert personal.is_live and not ours.is_live


def test_an_observer_is_invited_but_does_not_count_for_the_quorum(cast):
    meeting = _nine_members_meeting(cast)
    observer = meeting.participants.get(user=cast.observer)
    assert not observer.holds_seat
    services.attendance_record(
        meeting=meeting, actor=cast.secretary, attendance={observer.pk: "present"}
    )
    summary = selectors.attendance_summary(meeting, selectors.participants(meeting))
    assert (summary.members, summary.members_present, summary.quorum_met) == (9, 0, False)


def test_a_meeting_number_taken_at_the_same_moment_is_a_clear_error(cast, monkeypatch):
    _meeting(cast)
    # As if another request numbered and saved its meeting after our checks had passed.
    monkeypatch.setattr("meetings.services.meetings.Max", lambda field: Min(field) - 1)
    monkeypatch.setattr(Meeting, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as refused:
        _meeting(cast)
    assert refused.value.messages == [str(services.ERR_NUMBER_TAKEN)]
    assert cast.alliance.meetings.count() == 1
