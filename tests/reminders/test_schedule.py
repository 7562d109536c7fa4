"""The reminder scheduler: which reminders are written, for whom, when they go out and how
often, for every scheduled kind, with the clock frozen and tasks run inline."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from actionplans import services as plan_services
from actionplans.models import Action, PlanVersion
from agreements import services as agreement_services
from agreements.models import Signature
from alliance_portal.permissions import Role
from alliances import services as alliance_services
from alliances.models import Alliance
from meetings import services as meeting_services
from meetings.models import Meeting, Participant
from reminders import services
from reminders.models import Delivery, ReminderKind, ReminderOptOut, ReminderSettings

from ..agreements.conftest import FACTS, sign_as
from ..factories import (
    TEST_PASSWORD,
    MembershipFactory,
    make_action,
    make_approved_plan,
    make_meeting,
    make_minutes,
    make_plan,
    make_published_agreement,
    make_submitted_plan,
)

Kind = ReminderKind
PENDING, SENT, DROPPED = (
    Delivery.Status.PENDING,
    Delivery.Status.SENT,
    Delivery.Status.DROPPED,
)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)

# A Monday in winter time: Stockholm is UTC+1 until 28 March 2027, then UTC+2.
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def dispatch(clock, at: datetime):
    """One scheduler run at `at`: the clock moves there first, so sending sees the same time."""
    clock.move_to(at)
    return services.reminders_dispatch()


def rows(kind: str, **filters) -> set[tuple[int, str, datetime, str]]:
    """(recipient id, slot, due_at, status) of every delivery of this kind."""
    return {
        (row.recipient_id, row.slot, row.due_at, row.status)
        for row in Delivery.objects.filter(kind=kind, **filters)
    }


def drop_reasons(kind: str) -> dict[tuple[int, str], str]:
    return {
        (row.recipient_id, row.slot): row.drop_reason
        for row in Delivery.objects.filter(kind=kind, status=DROPPED)
    }


def mails(subject: str) -> list[tuple[str, str]]:
    """(to, subject) of every mail sent with this subject, sorted."""
    return sorted(
        (message.to[0], message.subject) for message in mail.outbox if message.subject == subject
    )


def addressed(users, subject: str) -> list[tuple[str, str]]:
    return sorted((user.email, subject) for user in users)


# Meetings: the upcoming-meeting reminders ------------------------------------------------------

MEETING_AT = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
STAMP = "20270320T0900Z"
MEETING_SUBJECT = "Reminder: Kronoberg Alliance: Plenary meeting"


@pytest.fixture
def meeting(cast, clock):
    """A plenary meeting at MEETING_AT; every member of the cast's alliance is invited."""
    return make_meeting(cast.alliance, cast.secretary, starts_at=MEETING_AT)


def invitees(cast):
    return [cast.chair, cast.secretary, cast.coordinator, cast.member, cast.observer]


def meeting_rows(users, days: int, status: str, *, start=MEETING_AT, stamp=STAMP):
    return {(user.pk, f"{days}d@{stamp}", start - days * DAY, status) for user in users}


def test_meeting_reminders_are_written_up_to_two_weeks_ahead_and_not_sent_early(
    cast, clock, meeting
):
    dispatch(clock, MEETING_AT - 10 * DAY)

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 7, PENDING) | meeting_rows(
        invitees(cast), 1, PENDING
    )
    assert Delivery.objects.filter(kind=Kind.MEETING_UPCOMING, object_id=meeting.pk).count() == 10
    assert mail.outbox == []


def test_meeting_reminders_are_not_written_beyond_the_horizon(cast, clock):
    starts_at = START + 30 * DAY
    make_meeting(cast.alliance, cast.secretary, starts_at=starts_at)
    seven_days_before = starts_at - 7 * DAY

    dispatch(clock, seven_days_before - 14 * DAY - timedelta(minutes=1))
    assert rows(Kind.MEETING_UPCOMING) == set()

    dispatch(clock, seven_days_before - 14 * DAY)
    stamp = "20270331T0900Z"
    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(
        invitees(cast), 7, PENDING, start=starts_at, stamp=stamp
    )


def test_seven_day_meeting_reminder_goes_out_at_its_moment_to_every_invitee(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    dispatch(clock, MEETING_AT - 7 * DAY - timedelta(minutes=1))
    assert mail.outbox == []

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 7, SENT) | meeting_rows(
        invitees(cast), 1, PENDING
    )
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)
    assert len(mail.outbox) == 5
    assert {message.attachments[0][0] for message in mail.outbox} == {
        f"meeting-{meeting.number}.ics"
    }


def test_one_day_meeting_reminder_goes_out_the_day_before(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 7 * DAY)
    mail.outbox.clear()

    dispatch(clock, MEETING_AT - DAY)

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 7, SENT) | meeting_rows(
        invitees(cast), 1, SENT
    )
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_participant_who_said_no_gets_no_meeting_reminder(cast, clock, meeting):
    participant = Participant.objects.get(meeting=meeting, user=cast.member)
    meeting_services.participant_answer(participant=participant, response="no", actor=cast.member)

    dispatch(clock, MEETING_AT - 7 * DAY)

    others = [cast.chair, cast.secretary, cast.coordinator, cast.observer]
    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(others, 7, SENT) | meeting_rows(
        others, 1, PENDING
    )
    assert mails(MEETING_SUBJECT) == addressed(others, MEETING_SUBJECT)


def test_participant_who_says_no_later_has_the_pending_reminders_dropped(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    participant = Participant.objects.get(meeting=meeting, user=cast.member)
    meeting_services.participant_answer(participant=participant, response="no", actor=cast.member)

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING, recipient=cast.member) == meeting_rows(
        [cast.member], 7, DROPPED
    ) | meeting_rows([cast.member], 1, DROPPED)
    assert cast.member.email not in {message.to[0] for message in mail.outbox}


def test_answering_no_drops_the_reminders_as_no_longer_due(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    participant = Participant.objects.get(meeting=meeting, user=cast.member)
    meeting_services.participant_answer(participant=participant, response="no", actor=cast.member)

    dispatch(clock, MEETING_AT - 9 * DAY)

    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.NO_LONGER_DUE}


def test_guests_without_an_account_get_no_meeting_reminder(cast, clock, meeting):
    meeting_services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Gunilla Guest", email="guest@example.org"
    )

    dispatch(clock, MEETING_AT - 7 * DAY)

    recipients = Delivery.objects.filter(kind=Kind.MEETING_UPCOMING).values_list(
        "recipient_id", flat=True
    )
    assert set(recipients) == {user.pk for user in invitees(cast)}
    assert "guest@example.org" not in {message.to[0] for message in mail.outbox}
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_meeting_planned_three_days_ahead_gets_only_the_one_day_reminder(cast, clock):
    starts_at = START + 3 * DAY
    make_meeting(cast.alliance, cast.secretary, starts_at=starts_at)

    dispatch(clock, START)

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(
        invitees(cast), 1, PENDING, start=starts_at, stamp="20270304T0900Z"
    )
    assert mail.outbox == []

    dispatch(clock, starts_at - DAY)

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(
        invitees(cast), 1, SENT, start=starts_at, stamp="20270304T0900Z"
    )
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_meeting_moved_to_three_days_ahead_gets_only_the_one_day_reminder(cast, clock, meeting):
    dispatch(clock, START)
    starts_at = START + 3 * DAY
    move(meeting, cast.secretary, starts_at)

    dispatch(clock, START + timedelta(minutes=5))

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 7, DROPPED) | meeting_rows(
        invitees(cast), 1, PENDING, start=starts_at, stamp="20270304T0900Z"
    )
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.RESCHEDULED}
    assert mail.outbox == []


def test_waiting_seven_day_reminder_is_still_sent_after_the_meeting_is_edited(cast, clock, meeting):
    """A row written in time is kept and sent even when the meeting was edited after the
    moment it was due (the scheduler did not run in between)."""
    dispatch(clock, MEETING_AT - 10 * DAY)
    clock.move_to(MEETING_AT - 7 * DAY + timedelta(hours=1))
    meeting_services.meeting_update(
        meeting=meeting, actor=cast.secretary, fields={"place": "Town hall, room 4"}
    )
    meeting.refresh_from_db()
    assert meeting.updated_at == MEETING_AT - 7 * DAY + timedelta(hours=1)

    dispatch(clock, MEETING_AT - 7 * DAY + timedelta(hours=2))

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 7, SENT) | meeting_rows(
        invitees(cast), 1, PENDING
    )
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_meeting_planned_half_a_day_ahead_gets_the_one_day_reminder_at_once(cast, clock):
    starts_at = START + timedelta(hours=12)
    make_meeting(cast.alliance, cast.secretary, starts_at=starts_at)

    dispatch(clock, START)

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(
        invitees(cast), 1, SENT, start=starts_at, stamp="20270301T2100Z"
    )
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_alliance_days_before_setting_changes_the_meeting_schedule(cast, clock, meeting):
    ReminderSettings.objects.create(alliance=cast.alliance, meeting_days_before=[2])

    dispatch(clock, MEETING_AT - 10 * DAY)
    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 2, PENDING)

    dispatch(clock, MEETING_AT - 2 * DAY)
    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 2, SENT)
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_changing_the_days_before_drops_the_pending_rows_of_the_old_schedule(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    ReminderSettings.objects.create(alliance=cast.alliance, meeting_days_before=[3])

    dispatch(clock, MEETING_AT - 10 * DAY + timedelta(hours=1))

    assert rows(Kind.MEETING_UPCOMING) == (
        meeting_rows(invitees(cast), 7, DROPPED)
        | meeting_rows(invitees(cast), 1, DROPPED)
        | meeting_rows(invitees(cast), 3, PENDING)
    )
    # The meeting kept its time: the old rows are not "rescheduled".
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.NO_LONGER_DUE}


# Meetings: rescheduled and cancelled -----------------------------------------------------------

NEW_START = MEETING_AT + 2 * DAY
NEW_STAMP = "20270322T0900Z"


def move(meeting, actor, starts_at):
    return meeting_services.meeting_update(
        meeting=meeting,
        actor=actor,
        fields={"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=3)},
    )


def test_rescheduled_meeting_drops_the_old_reminders_and_plans_new_ones(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)

    move(meeting, cast.secretary, NEW_START)

    old = meeting_rows(invitees(cast), 7, DROPPED) | meeting_rows(invitees(cast), 1, DROPPED)
    assert rows(Kind.MEETING_UPCOMING) == old
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.RESCHEDULED}

    dispatch(clock, MEETING_AT - 10 * DAY + timedelta(minutes=5))

    new = meeting_rows(invitees(cast), 7, PENDING, start=NEW_START, stamp=NEW_STAMP) | meeting_rows(
        invitees(cast), 1, PENDING, start=NEW_START, stamp=NEW_STAMP
    )
    assert rows(Kind.MEETING_UPCOMING) == old | new
    assert mail.outbox == []

    dispatch(clock, NEW_START - 7 * DAY)
    assert rows(Kind.MEETING_UPCOMING, slot=f"7d@{NEW_STAMP}") == meeting_rows(
        invitees(cast), 7, SENT, start=NEW_START, stamp=NEW_STAMP
    )
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_sent_reminders_stay_sent_when_the_meeting_moves(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 7 * DAY)
    clock.move_to(MEETING_AT - 7 * DAY + timedelta(hours=1))

    move(meeting, cast.secretary, NEW_START)
    dispatch(clock, MEETING_AT - 7 * DAY + timedelta(hours=1))

    assert rows(Kind.MEETING_UPCOMING) == (
        meeting_rows(invitees(cast), 7, SENT)
        | meeting_rows(invitees(cast), 1, DROPPED)
        | meeting_rows(invitees(cast), 7, PENDING, start=NEW_START, stamp=NEW_STAMP)
        | meeting_rows(invitees(cast), 1, PENDING, start=NEW_START, stamp=NEW_STAMP)
    )
    assert len(mail.outbox) == 5


def test_meeting_moved_behind_the_services_back_is_rescheduled_by_the_scheduler(
    cast, clock, meeting
):
    dispatch(clock, MEETING_AT - 10 * DAY)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=NEW_START, ends_at=NEW_START + timedelta(hours=3)
    )

    dispatch(clock, MEETING_AT - 10 * DAY + timedelta(minutes=5))

    assert rows(Kind.MEETING_UPCOMING, status=DROPPED) == meeting_rows(
        invitees(cast), 7, DROPPED
    ) | meeting_rows(invitees(cast), 1, DROPPED)
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.RESCHEDULED}
    assert rows(Kind.MEETING_UPCOMING, status=PENDING) == meeting_rows(
        invitees(cast), 7, PENDING, start=NEW_START, stamp=NEW_STAMP
    ) | meeting_rows(invitees(cast), 1, PENDING, start=NEW_START, stamp=NEW_STAMP)


def test_cancelled_meeting_drops_its_reminders_and_sends_nothing_more(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)

    meeting_services.meeting_cancel(meeting=meeting, actor=cast.secretary)

    expected = meeting_rows(invitees(cast), 7, DROPPED) | meeting_rows(invitees(cast), 1, DROPPED)
    assert rows(Kind.MEETING_UPCOMING) == expected
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.NO_LONGER_DUE}
    for moment in (MEETING_AT - 7 * DAY, MEETING_AT - DAY, MEETING_AT + 4 * DAY):
        dispatch(clock, moment)
    assert rows(Kind.MEETING_UPCOMING) == expected
    meeting_kinds = [Kind.MEETING_UPCOMING, Kind.SECRETARY_NUDGE]
    left = Delivery.objects.filter(kind__in=meeting_kinds, object_id=meeting.pk)
    assert left.exclude(status=DROPPED).count() == 0
    assert mail.outbox == []


def test_meeting_moved_back_to_its_first_time_is_reminded_again(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    move(meeting, cast.secretary, NEW_START)
    dispatch(clock, MEETING_AT - 10 * DAY + timedelta(minutes=5))
    move(meeting, cast.secretary, MEETING_AT)

    dispatch(clock, MEETING_AT - 10 * DAY + timedelta(minutes=10))

    # The rows of the first time are waiting again, those of the second time are dropped.
    assert rows(Kind.MEETING_UPCOMING) == (
        meeting_rows(invitees(cast), 7, PENDING)
        | meeting_rows(invitees(cast), 1, PENDING)
        | meeting_rows(invitees(cast), 7, DROPPED, start=NEW_START, stamp=NEW_STAMP)
        | meeting_rows(invitees(cast), 1, DROPPED, start=NEW_START, stamp=NEW_STAMP)
    )
    assert set(
        Delivery.objects.filter(kind=Kind.MEETING_UPCOMING, slot__endswith=STAMP).values_list(
            "drop_reason", flat=True
        )
    ) == {""}
    assert Delivery.objects.filter(kind=Kind.MEETING_UPCOMING).count() == 20

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING, slot=f"7d@{STAMP}") == meeting_rows(invitees(cast), 7, SENT)
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


# Minutes awaiting the chair's approval ---------------------------------------------------------

APPROVAL_SUBJECT = "Kronoberg Alliance: minutes of Plenary meeting await your approval"


@pytest.fixture
def circulated(cast, clock, django_capture_on_commit_callbacks):
    """Minutes of a meeting held five days ago, circulated by the secretary at START."""
    held = make_meeting(cast.alliance, cast.secretary, starts_at=START - 5 * DAY)
    minutes = make_minutes(held, cast.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    mail.outbox.clear()  # the "circulated for comments" mails, not the subject here
    return minutes


def test_chair_is_asked_to_approve_minutes_a_week_after_circulation(cast, clock, circulated):
    dispatch(clock, START + DAY)
    assert rows(Kind.MINUTES_APPROVAL) == {(cast.chair.pk, "w0", START + 7 * DAY, PENDING)}

    dispatch(clock, START + 7 * DAY)

    assert rows(Kind.MINUTES_APPROVAL) == {
        (cast.chair.pk, "w0", START + 7 * DAY, SENT),
        (cast.chair.pk, "w1", START + 14 * DAY, PENDING),
    }
    assert Delivery.objects.get(kind=Kind.MINUTES_APPROVAL, slot="w0").object_id == circulated.pk
    assert mails(APPROVAL_SUBJECT) == [(cast.chair.email, APPROVAL_SUBJECT)]
    assert len(mail.outbox) == 1


def test_minutes_approval_reminder_repeats_weekly_and_once_a_week(cast, clock, circulated):
    moment = START
    while moment <= START + 22 * DAY:
        dispatch(clock, moment)
        moment += timedelta(hours=6)

    assert rows(Kind.MINUTES_APPROVAL) == {
        (cast.chair.pk, "w0", START + 7 * DAY, SENT),
        (cast.chair.pk, "w1", START + 14 * DAY, SENT),
        (cast.chair.pk, "w2", START + 21 * DAY, SENT),
        (cast.chair.pk, "w3", START + 28 * DAY, PENDING),
    }
    assert mails(APPROVAL_SUBJECT) == [(cast.chair.email, APPROVAL_SUBJECT)] * 3


def test_approved_minutes_stop_the_weekly_reminder(cast, clock, circulated):
    dispatch(clock, START + 7 * DAY)
    clock.move_to(START + 8 * DAY)
    meeting_services.minutes_approve(minutes=circulated, actor=cast.chair)

    dispatch(clock, START + 8 * DAY)
    dispatch(clock, START + 14 * DAY)
    dispatch(clock, START + 21 * DAY)

    assert rows(Kind.MINUTES_APPROVAL) == {
        (cast.chair.pk, "w0", START + 7 * DAY, SENT),
        (cast.chair.pk, "w1", START + 14 * DAY, DROPPED),
    }
    assert drop_reasons(Kind.MINUTES_APPROVAL) == {
        (cast.chair.pk, "w1"): Delivery.DropReason.NO_LONGER_DUE
    }
    assert mails(APPROVAL_SUBJECT) == [(cast.chair.email, APPROVAL_SUBJECT)]


def test_minutes_approval_days_come_from_the_alliance_settings(cast, clock, circulated):
    ReminderSettings.objects.create(alliance=cast.alliance, minutes_approval_days=3)

    dispatch(clock, START + 3 * DAY)

    assert rows(Kind.MINUTES_APPROVAL) == {
        (cast.chair.pk, "w0", START + 3 * DAY, SENT),
        (cast.chair.pk, "w1", START + 10 * DAY, PENDING),
    }


# Secretary nudge -------------------------------------------------------------------------------

NUDGE_MEETING_AT = START + 2 * DAY
NUDGE_DUE = NUDGE_MEETING_AT + timedelta(hours=3) + 3 * DAY  # three days after it ended
NUDGE_SUBJECT = "Kronoberg Alliance: the minutes of Plenary meeting are not started"


@pytest.fixture
def ended_meeting(cast, clock):
    return make_meeting(cast.alliance, cast.secretary, starts_at=NUDGE_MEETING_AT)


def test_every_secretary_is_nudged_three_days_after_a_meeting_without_minutes(
    cast, clock, ended_meeting
):
    second = MembershipFactory(alliance=cast.alliance, role=Role.SECRETARY).user
    secretaries = [cast.secretary, second]

    dispatch(clock, START)
    assert rows(Kind.SECRETARY_NUDGE) == {(s.pk, "3d", NUDGE_DUE, PENDING) for s in secretaries}

    dispatch(clock, NUDGE_DUE)

    ended_meeting.refresh_from_db()
    assert ended_meeting.status == Meeting.Status.PLANNED  # nobody marked it held
    assert rows(Kind.SECRETARY_NUDGE) == {(s.pk, "3d", NUDGE_DUE, SENT) for s in secretaries}
    assert mails(NUDGE_SUBJECT) == addressed(secretaries, NUDGE_SUBJECT)


def test_nudge_is_not_sent_before_its_moment(cast, clock, ended_meeting):
    dispatch(clock, NUDGE_DUE - timedelta(minutes=1))

    assert rows(Kind.SECRETARY_NUDGE) == {(cast.secretary.pk, "3d", NUDGE_DUE, PENDING)}
    assert mails(NUDGE_SUBJECT) == []


def test_meeting_marked_held_is_nudged_too(cast, clock, ended_meeting):
    clock.move_to(NUDGE_MEETING_AT + timedelta(hours=4))
    meeting_services.meeting_mark_held(meeting=ended_meeting, actor=cast.secretary)

    dispatch(clock, NUDGE_DUE)

    assert rows(Kind.SECRETARY_NUDGE) == {(cast.secretary.pk, "3d", NUDGE_DUE, SENT)}
    assert mails(NUDGE_SUBJECT) == [(cast.secretary.email, NUDGE_SUBJECT)]


def test_no_nudge_when_the_minutes_were_started(cast, clock, ended_meeting):
    clock.move_to(NUDGE_MEETING_AT + timedelta(hours=4))
    make_minutes(ended_meeting, cast.secretary)

    dispatch(clock, NUDGE_DUE)

    assert rows(Kind.SECRETARY_NUDGE) == set()
    assert mails(NUDGE_SUBJECT) == []


def test_starting_the_minutes_drops_the_pending_nudge(cast, clock, ended_meeting):
    dispatch(clock, START)
    clock.move_to(NUDGE_DUE - DAY)
    make_minutes(ended_meeting, cast.secretary)

    dispatch(clock, NUDGE_DUE)

    assert rows(Kind.SECRETARY_NUDGE) == {(cast.secretary.pk, "3d", NUDGE_DUE, DROPPED)}
    assert drop_reasons(Kind.SECRETARY_NUDGE) == {
        (cast.secretary.pk, "3d"): Delivery.DropReason.NO_LONGER_DUE
    }
    assert mails(NUDGE_SUBJECT) == []


def test_no_nudge_for_a_cancelled_meeting(cast, clock, ended_meeting):
    meeting_services.meeting_cancel(meeting=ended_meeting, actor=cast.secretary)

    dispatch(clock, NUDGE_DUE)
    dispatch(clock, NUDGE_DUE + DAY)

    assert rows(Kind.SECRETARY_NUDGE) == set()
    assert mail.outbox == []


# Actions due and overdue -----------------------------------------------------------------------

DUE = date(2027, 3, 15)
# 08:00 in Stockholm three days before, in winter time.
DUE_REMINDER_AT = datetime(2027, 3, 12, 7, 0, tzinfo=UTC)
DUE_SUBJECT = "Kronoberg Alliance: \u201cTrain community mediators\u201d is due on March 15, 2027"
OVERDUE_SUBJECT = "Kronoberg Alliance: \u201cTrain community mediators\u201d is overdue"
FIRST_OVERDUE = datetime(2027, 3, 16, 7, 0, tzinfo=UTC)
CLOSED_STATUSES = [Action.Status.DONE, Action.Status.BLOCKED, Action.Status.DROPPED]


@pytest.fixture
def plan(cast, clock):
    return make_plan(cast.alliance, cast.coordinator)


def member_action(cast, plan, due_date=DUE):
    return make_action(
        plan, cast.coordinator, due_date=due_date, responsible_member=cast.membership(cast.member)
    )


def close_action(action, actor, status):
    plan_services.progress_record(
        action=action,
        actor=actor,
        percent=100 if status == Action.Status.DONE else 40,
        status=status,
    )


def test_action_due_reminder_at_eight_stockholm_time_three_days_before(cast, clock, plan):
    member_action(cast, plan)

    dispatch(clock, START)
    assert rows(Kind.ACTION_DUE) == {(cast.member.pk, "3d@2027-03-15", DUE_REMINDER_AT, PENDING)}

    dispatch(clock, DUE_REMINDER_AT - timedelta(minutes=1))
    assert mail.outbox == []

    dispatch(clock, DUE_REMINDER_AT)
    assert rows(Kind.ACTION_DUE) == {(cast.member.pk, "3d@2027-03-15", DUE_REMINDER_AT, SENT)}
    assert mails(DUE_SUBJECT) == [(cast.member.email, DUE_SUBJECT)]
    assert len(mail.outbox) == 1


def test_action_due_reminder_follows_summer_time(cast, clock, plan):
    member_action(cast, plan, due_date=date(2027, 6, 15))

    dispatch(clock, datetime(2027, 6, 1, 9, 0, tzinfo=UTC))

    # 08:00 Central European Summer Time is 06:00 UTC.
    assert rows(Kind.ACTION_DUE) == {
        (cast.member.pk, "3d@2027-06-15", datetime(2027, 6, 12, 6, 0, tzinfo=UTC), PENDING)
    }


def test_action_due_reminder_uses_the_alliance_time_zone_send_hour_and_days(cast, clock, plan):
    Alliance.objects.filter(pk=cast.alliance.pk).update(timezone="America/New_York")
    ReminderSettings.objects.create(alliance=cast.alliance, send_hour=9, action_due_days=5)
    member_action(cast, plan)

    dispatch(clock, START)

    # 10 March 09:00 in New York (UTC-5, before its summer time) is 14:00 UTC.
    assert rows(Kind.ACTION_DUE) == {
        (cast.member.pk, "5d@2027-03-15", datetime(2027, 3, 10, 14, 0, tzinfo=UTC), PENDING)
    }


@pytest.mark.parametrize("status", CLOSED_STATUSES)
def test_closed_action_gets_no_due_reminder(cast, clock, plan, status):
    action = member_action(cast, plan)
    dispatch(clock, START)

    close_action(action, cast.member, status)
    dispatch(clock, DUE_REMINDER_AT)
    dispatch(clock, FIRST_OVERDUE)

    assert rows(Kind.ACTION_DUE) == {(cast.member.pk, "3d@2027-03-15", DUE_REMINDER_AT, DROPPED)}
    assert drop_reasons(Kind.ACTION_DUE) == {
        (cast.member.pk, "3d@2027-03-15"): Delivery.DropReason.NO_LONGER_DUE
    }
    assert rows(Kind.ACTION_OVERDUE) == set()
    assert mail.outbox == []


def test_action_without_a_responsible_member_gets_no_reminders(cast, clock, plan):
    make_action(plan, cast.coordinator, due_date=DUE)

    dispatch(clock, START)
    dispatch(clock, DUE_REMINDER_AT)
    dispatch(clock, FIRST_OVERDUE)

    assert Delivery.objects.filter(kind__in=[Kind.ACTION_DUE, Kind.ACTION_OVERDUE]).count() == 0
    assert mail.outbox == []


def test_overdue_reminder_goes_out_the_day_after_the_due_date(cast, clock, plan):
    member_action(cast, plan)

    dispatch(clock, FIRST_OVERDUE - timedelta(minutes=1))
    assert rows(Kind.ACTION_OVERDUE) == {(cast.member.pk, "w0@2027-03-15", FIRST_OVERDUE, PENDING)}
    assert rows(Kind.ACTION_DUE) == set()  # too late for "due soon"
    assert mail.outbox == []

    dispatch(clock, FIRST_OVERDUE)

    assert rows(Kind.ACTION_OVERDUE) == {
        (cast.member.pk, "w0@2027-03-15", FIRST_OVERDUE, SENT),
        (cast.member.pk, "w1@2027-03-15", FIRST_OVERDUE + WEEK, PENDING),
    }
    assert mails(OVERDUE_SUBJECT) == [(cast.member.email, OVERDUE_SUBJECT)]


def test_overdue_reminder_is_weekly_and_never_twice_in_a_week(cast, clock, plan):
    member_action(cast, plan)
    sent_at = []
    moment = datetime(2027, 3, 15, 0, 0, tzinfo=UTC)
    while moment <= datetime(2027, 4, 6, 5, 0, tzinfo=UTC):
        before = len(mails(OVERDUE_SUBJECT))
        dispatch(clock, moment)
        sent_at += [moment] * (len(mails(OVERDUE_SUBJECT)) - before)
        moment += timedelta(hours=3)

    # 08:00 in Stockholm every week; from 28 March that is 06:00 UTC.
    week_two = datetime(2027, 3, 30, 6, 0, tzinfo=UTC)
    assert rows(Kind.ACTION_OVERDUE) == {
        (cast.member.pk, "w0@2027-03-15", FIRST_OVERDUE, SENT),
        (cast.member.pk, "w1@2027-03-15", FIRST_OVERDUE + WEEK, SENT),
        (cast.member.pk, "w2@2027-03-15", week_two, SENT),
        (cast.member.pk, "w3@2027-03-15", week_two + WEEK, PENDING),
    }
    assert sent_at == [
        datetime(2027, 3, 16, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 23, 9, 0, tzinfo=UTC),
        week_two,
    ]


@pytest.mark.parametrize("status", CLOSED_STATUSES)
def test_overdue_reminders_stop_when_the_action_is_closed(cast, clock, plan, status):
    action = member_action(cast, plan)
    dispatch(clock, FIRST_OVERDUE)
    clock.move_to(FIRST_OVERDUE + DAY)
    close_action(action, cast.member, status)

    dispatch(clock, FIRST_OVERDUE + DAY)
    dispatch(clock, FIRST_OVERDUE + WEEK)
    dispatch(clock, FIRST_OVERDUE + 2 * WEEK)

    assert rows(Kind.ACTION_OVERDUE) == {
        (cast.member.pk, "w0@2027-03-15", FIRST_OVERDUE, SENT),
        (cast.member.pk, "w1@2027-03-15", FIRST_OVERDUE + WEEK, DROPPED),
    }
    assert drop_reasons(Kind.ACTION_OVERDUE) == {
        (cast.member.pk, "w1@2027-03-15"): Delivery.DropReason.NO_LONGER_DUE
    }
    assert mails(OVERDUE_SUBJECT) == [(cast.member.email, OVERDUE_SUBJECT)]


# The commitment agreement ----------------------------------------------------------------------

AGREEMENT_SUBJECT = "Kronoberg Alliance: the commitment agreement awaits your answer"


@pytest.fixture
def invited(cast, clock):
    """Version 1 published at START, every member with a seat invited to sign."""
    return make_published_agreement(cast.alliance, cast.coordinator, invite=True)


def signers(cast):
    return [cast.chair, cast.secretary, cast.coordinator, cast.member]


def agreement_rows(users, statuses, asked_at=START):
    return {
        (user.pk, str(number), asked_at + days * DAY, status)
        for user in users
        for number, days, status in zip((1, 2, 3), (3, 7, 14), statuses, strict=True)
    }


def test_unsigned_agreement_reminders_at_three_seven_and_fourteen_days(cast, clock, invited):
    dispatch(clock, START + 3 * DAY - timedelta(minutes=1))
    assert rows(Kind.AGREEMENT_UNSIGNED) == agreement_rows(
        signers(cast), (PENDING, PENDING, PENDING)
    )
    assert mails(AGREEMENT_SUBJECT) == []

    dispatch(clock, START + 3 * DAY)

    assert rows(Kind.AGREEMENT_UNSIGNED) == agreement_rows(signers(cast), (SENT, PENDING, PENDING))
    assert mails(AGREEMENT_SUBJECT) == addressed(signers(cast), AGREEMENT_SUBJECT)


def test_never_more_than_three_agreement_reminders_in_sixty_daily_runs(cast, clock, invited):
    for day in range(1, 61):
        dispatch(clock, START + day * DAY)

    assert rows(Kind.AGREEMENT_UNSIGNED) == agreement_rows(signers(cast), (SENT, SENT, SENT))
    assert mails(AGREEMENT_SUBJECT) == sorted(addressed(signers(cast), AGREEMENT_SUBJECT) * 3)


def test_agreement_reminder_missed_while_the_scheduler_was_down_is_sent_late(cast, clock, invited):
    # Only meetings skip a past slot; the three-day reminder still goes out on day five.
    dispatch(clock, START + 5 * DAY)

    assert rows(Kind.AGREEMENT_UNSIGNED) == agreement_rows(signers(cast), (SENT, PENDING, PENDING))
    assert mails(AGREEMENT_SUBJECT) == addressed(signers(cast), AGREEMENT_SUBJECT)


def test_agreement_published_without_invitations_counts_from_publication(cast, clock):
    make_published_agreement(cast.alliance, cast.coordinator, invite=False)

    dispatch(clock, START + DAY)

    assert rows(Kind.AGREEMENT_UNSIGNED) == agreement_rows(
        signers(cast), (PENDING, PENDING, PENDING)
    )


def test_signing_stops_the_agreement_reminders(cast, clock, invited):
    dispatch(clock, START + 3 * DAY)
    clock.move_to(START + 4 * DAY)
    sign_as(cast, invited, cast.member)

    dispatch(clock, START + 7 * DAY)
    dispatch(clock, START + 14 * DAY)

    assert rows(Kind.AGREEMENT_UNSIGNED, recipient=cast.member) == agreement_rows(
        [cast.member], (SENT, DROPPED, DROPPED)
    )
    assert set(drop_reasons(Kind.AGREEMENT_UNSIGNED).values()) == {
        Delivery.DropReason.NO_LONGER_DUE
    }
    assert mails(AGREEMENT_SUBJECT).count((cast.member.email, AGREEMENT_SUBJECT)) == 1
    assert mails(AGREEMENT_SUBJECT).count((cast.chair.email, AGREEMENT_SUBJECT)) == 3


def test_declining_before_the_first_reminder_means_none(cast, clock, invited):
    signature = Signature.objects.get(version=invited, membership__user=cast.member)
    agreement_services.signature_decline(signature=signature, facts=FACTS, reason="Not now.")

    dispatch(clock, START + 3 * DAY)

    assert rows(Kind.AGREEMENT_UNSIGNED, recipient=cast.member) == set()
    others = [cast.chair, cast.secretary, cast.coordinator]
    assert mails(AGREEMENT_SUBJECT) == addressed(others, AGREEMENT_SUBJECT)


def test_observers_get_no_agreement_reminder(cast, clock, invited):
    # Observers hold no seat and are not asked to sign; a request left over must not remind.
    Signature.objects.create(
        version=invited, membership=cast.membership(cast.observer), invited_at=START
    )

    dispatch(clock, START + 3 * DAY)

    assert rows(Kind.AGREEMENT_UNSIGNED, recipient=cast.observer) == set()
    assert cast.observer.email not in {message.to[0] for message in mail.outbox}
    assert mails(AGREEMENT_SUBJECT) == addressed(signers(cast), AGREEMENT_SUBJECT)


# The chair's sign-off of a submitted plan ------------------------------------------------------

SIGNOFF_SUBJECT = "Kronoberg Alliance: the action plan awaits your sign-off"
# Sign-off slots name the submission they are about (UTC), so a resubmission starts afresh.
SUBMITTED = "@20270301T0900Z"
RESUBMITTED = "@20270305T0900Z"


@pytest.fixture
def submitted(cast, clock):
    return make_submitted_plan(cast.alliance, cast.coordinator)


def test_chair_is_asked_to_sign_off_a_plan_two_days_after_submission(cast, clock, submitted):
    version = PlanVersion.objects.get(plan=submitted)

    dispatch(clock, START + 2 * DAY)

    assert version.submitted_at == START
    assert rows(Kind.PLAN_SIGNOFF) == {
        (cast.chair.pk, f"w0{SUBMITTED}", START + 2 * DAY, SENT),
        (cast.chair.pk, f"w1{SUBMITTED}", START + 9 * DAY, PENDING),
    }
    objects = Delivery.objects.filter(kind=Kind.PLAN_SIGNOFF).values_list("object_id", flat=True)
    assert set(objects) == {version.pk}
    assert mails(SIGNOFF_SUBJECT) == [(cast.chair.email, SIGNOFF_SUBJECT)]
    assert len(mail.outbox) == 1


def test_plan_signoff_reminder_repeats_weekly(cast, clock, submitted):
    for day in range(0, 17):
        dispatch(clock, START + day * DAY)

    assert rows(Kind.PLAN_SIGNOFF) == {
        (cast.chair.pk, f"w0{SUBMITTED}", START + 2 * DAY, SENT),
        (cast.chair.pk, f"w1{SUBMITTED}", START + 9 * DAY, SENT),
        (cast.chair.pk, f"w2{SUBMITTED}", START + 16 * DAY, SENT),
        (cast.chair.pk, f"w3{SUBMITTED}", START + 23 * DAY, PENDING),
    }
    assert mails(SIGNOFF_SUBJECT) == [(cast.chair.email, SIGNOFF_SUBJECT)] * 3


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_decided_plan_stops_the_signoff_reminder(cast, clock, submitted, decision):
    version = PlanVersion.objects.get(plan=submitted)
    dispatch(clock, START + 2 * DAY)
    clock.move_to(START + 3 * DAY)
    if decision == "approve":
        plan_services.plan_approve(
            plan=submitted, actor=cast.chair, shown_sha256=version.sha256, password=TEST_PASSWORD
        )
    else:
        plan_services.plan_return(
            plan=submitted, actor=cast.chair, shown_sha256=version.sha256, comments="Add budgets."
        )

    dispatch(clock, START + 3 * DAY)
    dispatch(clock, START + 9 * DAY)

    assert rows(Kind.PLAN_SIGNOFF) == {
        (cast.chair.pk, f"w0{SUBMITTED}", START + 2 * DAY, SENT),
        (cast.chair.pk, f"w1{SUBMITTED}", START + 9 * DAY, DROPPED),
    }
    assert drop_reasons(Kind.PLAN_SIGNOFF) == {
        (cast.chair.pk, f"w1{SUBMITTED}"): Delivery.DropReason.NO_LONGER_DUE
    }
    assert mails(SIGNOFF_SUBJECT) == [(cast.chair.email, SIGNOFF_SUBJECT)]


def test_resubmitted_plan_is_reminded_two_days_after_resubmission(cast, clock, submitted):
    version = PlanVersion.objects.get(plan=submitted)
    dispatch(clock, START + 2 * DAY)
    clock.move_to(START + 3 * DAY)
    plan_services.plan_return(
        plan=submitted, actor=cast.chair, shown_sha256=version.sha256, comments="Add budgets."
    )
    dispatch(clock, START + 3 * DAY)
    clock.move_to(START + 4 * DAY)
    plan_services.plan_submit(plan=submitted, actor=cast.coordinator)
    mail.outbox.clear()

    dispatch(clock, START + 6 * DAY - timedelta(minutes=1))
    assert mail.outbox == []

    dispatch(clock, START + 6 * DAY)

    # The same version row, submitted again: the first submission's rows are not reused.
    assert rows(Kind.PLAN_SIGNOFF) == {
        (cast.chair.pk, f"w0{SUBMITTED}", START + 2 * DAY, SENT),
        (cast.chair.pk, f"w1{SUBMITTED}", START + 9 * DAY, DROPPED),
        (cast.chair.pk, f"w0{RESUBMITTED}", START + 6 * DAY, SENT),
        (cast.chair.pk, f"w1{RESUBMITTED}", START + 13 * DAY, PENDING),
    }
    assert set(
        Delivery.objects.filter(kind=Kind.PLAN_SIGNOFF).values_list("object_id", flat=True)
    ) == {version.pk}
    assert mails(SIGNOFF_SUBJECT) == [(cast.chair.email, SIGNOFF_SUBJECT)]


def test_a_row_of_an_earlier_submission_is_dropped_when_it_would_be_sent(cast, clock, submitted):
    """A row written for the first submission and still pending when the plan was returned and
    submitted again is not sent as if it were about the new submission."""
    version = PlanVersion.objects.get(plan=submitted)
    dispatch(clock, START + DAY)
    plan_services.plan_return(
        plan=submitted, actor=cast.chair, shown_sha256=version.sha256, comments="Add budgets."
    )
    clock.move_to(START + DAY + timedelta(hours=1))
    plan_services.plan_submit(plan=submitted, actor=cast.coordinator)
    stale = Delivery.objects.get(kind=Kind.PLAN_SIGNOFF, slot=f"w0{SUBMITTED}")

    clock.move_to(START + 2 * DAY)
    assert services.delivery_send(delivery_id=stale.pk) == "dropped"

    stale.refresh_from_db()
    assert (stale.status, stale.drop_reason) == (DROPPED, Delivery.DropReason.NO_LONGER_DUE)
    assert mails(SIGNOFF_SUBJECT) == []


# Sustainability prompt -------------------------------------------------------------------------


# 30 December 2027, 08:00 in Stockholm: six months before the plan's period ends.
PROMPT_AT = datetime(2027, 12, 30, 7, 0, tzinfo=UTC)
PROMPT_SUBJECT = "Kronoberg Alliance: time to plan what happens after June 30, 2028"


def test_sustainability_prompt_six_months_before_the_end_to_chair_and_coordinators(cast, clock):
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=1)
    leaders = [cast.chair, cast.coordinator]

    dispatch(clock, PROMPT_AT - 14 * DAY)
    assert rows(Kind.SUSTAINABILITY_PROMPT) == {
        (user.pk, "6m@2028-06-30", PROMPT_AT, PENDING) for user in leaders
    }

    dispatch(clock, PROMPT_AT)

    assert rows(Kind.SUSTAINABILITY_PROMPT) == {
        (user.pk, "6m@2028-06-30", PROMPT_AT, SENT) for user in leaders
    }
    assert set(
        Delivery.objects.filter(kind=Kind.SUSTAINABILITY_PROMPT).values_list("object_id", flat=True)
    ) == {plan.pk}
    assert mails(PROMPT_SUBJECT) == addressed(leaders, PROMPT_SUBJECT)
    assert len(mail.outbox) == 2


def test_no_sustainability_prompt_for_a_plan_never_approved(cast, clock, submitted):
    dispatch(clock, PROMPT_AT - 14 * DAY)
    dispatch(clock, PROMPT_AT)

    assert rows(Kind.SUSTAINABILITY_PROMPT) == set()
    assert mails(PROMPT_SUBJECT) == []


def test_sustainability_prompt_on_the_last_day_of_a_shorter_month(cast, clock):
    make_approved_plan(
        cast.alliance, cast.coordinator, cast.chair, actions=1, period_end=date(2028, 8, 31)
    )

    dispatch(clock, datetime(2028, 2, 20, 9, 0, tzinfo=UTC))

    due_at = datetime(2028, 2, 29, 7, 0, tzinfo=UTC)
    assert rows(Kind.SUSTAINABILITY_PROMPT) == {
        (user.pk, "6m@2028-08-31", due_at, PENDING) for user in (cast.chair, cast.coordinator)
    }


def test_sustainability_months_come_from_the_alliance_settings(cast, clock):
    ReminderSettings.objects.create(alliance=cast.alliance, sustainability_months=3)
    make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=1)

    dispatch(clock, datetime(2028, 3, 25, 9, 0, tzinfo=UTC))

    # 30 March 2028, 08:00 Stockholm summer time.
    due_at = datetime(2028, 3, 30, 6, 0, tzinfo=UTC)
    assert rows(Kind.SUSTAINABILITY_PROMPT) == {
        (user.pk, "3m@2028-06-30", due_at, PENDING) for user in (cast.chair, cast.coordinator)
    }


# Opt-outs, switched-off kinds, former members, closed alliances --------------------------------


def test_member_who_switched_meeting_reminders_off_gets_none(cast, clock, meeting):
    services.reminder_opt_out(user=cast.member, kind=Kind.MEETING_UPCOMING)

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING, recipient=cast.member) == set()
    others = [cast.chair, cast.secretary, cast.coordinator, cast.observer]
    assert mails(MEETING_SUBJECT) == addressed(others, MEETING_SUBJECT)


def test_opting_out_drops_the_pending_rows_as_opted_out(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    services.reminder_preferences_update(user=cast.member, receive=[Kind.ACTION_DUE])

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING, recipient=cast.member) == meeting_rows(
        [cast.member], 7, DROPPED
    ) | meeting_rows([cast.member], 1, DROPPED)
    assert drop_reasons(Kind.MEETING_UPCOMING) == {
        (cast.member.pk, f"7d@{STAMP}"): Delivery.DropReason.OPTED_OUT,
        (cast.member.pk, f"1d@{STAMP}"): Delivery.DropReason.OPTED_OUT,
    }
    assert cast.member.email not in {message.to[0] for message in mail.outbox}


def test_opt_out_of_an_optional_action_reminder_is_respected(cast, clock, plan):
    member_action(cast, plan)
    services.reminder_opt_out(user=cast.member, kind=Kind.ACTION_OVERDUE)

    dispatch(clock, DUE_REMINDER_AT)
    dispatch(clock, FIRST_OVERDUE)

    assert rows(Kind.ACTION_DUE) == {(cast.member.pk, "3d@2027-03-15", DUE_REMINDER_AT, SENT)}
    assert rows(Kind.ACTION_OVERDUE) == set()
    assert mails(OVERDUE_SUBJECT) == []


def test_mandatory_reminder_is_sent_despite_an_opt_out_row(cast, clock, submitted):
    # The profile page cannot switch it off; a row written some other way must not count.
    ReminderOptOut.objects.create(user=cast.chair, kind=Kind.PLAN_SIGNOFF)

    dispatch(clock, START + 2 * DAY)

    assert rows(Kind.PLAN_SIGNOFF, status=SENT) == {
        (cast.chair.pk, f"w0{SUBMITTED}", START + 2 * DAY, SENT)
    }
    assert mails(SIGNOFF_SUBJECT) == [(cast.chair.email, SIGNOFF_SUBJECT)]


def test_alliance_switching_a_kind_off_stops_it_for_everyone(cast, clock, meeting):
    other = make_meeting(cast.other_alliance, cast.other_chair, starts_at=MEETING_AT)
    dispatch(clock, MEETING_AT - 10 * DAY)
    ReminderSettings.objects.create(alliance=cast.alliance, switched_off=[Kind.MEETING_UPCOMING])

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING, object_id=meeting.pk) == meeting_rows(
        invitees(cast), 7, DROPPED
    ) | meeting_rows(invitees(cast), 1, DROPPED)
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.SWITCHED_OFF}
    # The other alliance did not switch it off.
    other_people = {p.user.email for p in other.participants.select_related("user")}
    assert {to for to, _subject in mails("Reminder: Sk\u00e5ne Alliance: Plenary meeting")} == (
        other_people
    )
    assert mails(MEETING_SUBJECT) == []


def test_kind_switched_back_on_is_planned_again(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    row = ReminderSettings.objects.create(
        alliance=cast.alliance, switched_off=[Kind.MEETING_UPCOMING]
    )
    dispatch(clock, MEETING_AT - 10 * DAY + timedelta(minutes=5))
    row.switched_off = []
    row.save()

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING, slot=f"7d@{STAMP}") == meeting_rows(invitees(cast), 7, SENT)
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_a_reminder_wanted_again_starts_afresh_at_its_new_time(cast, clock, plan):
    member_action(cast, plan)
    dispatch(clock, START)
    row = ReminderSettings.objects.create(alliance=cast.alliance, switched_off=[Kind.ACTION_DUE])
    dispatch(clock, START + timedelta(minutes=5))
    # As if a worker had tried it before it was dropped.
    Delivery.objects.filter(kind=Kind.ACTION_DUE).update(attempts=2, enqueued_at=START)
    row.switched_off = []
    row.send_hour = 10
    row.save()

    dispatch(clock, START + timedelta(minutes=10))

    # 10:00 in Stockholm, winter time.
    ten_oclock = datetime(2027, 3, 12, 9, 0, tzinfo=UTC)
    revived = Delivery.objects.get(kind=Kind.ACTION_DUE)
    assert (revived.slot, revived.due_at, revived.status) == ("3d@2027-03-15", ten_oclock, PENDING)
    assert (revived.drop_reason, revived.attempts, revived.enqueued_at) == ("", 0, None)

    dispatch(clock, ten_oclock)
    assert rows(Kind.ACTION_DUE) == {(cast.member.pk, "3d@2027-03-15", ten_oclock, SENT)}
    assert mails(DUE_SUBJECT) == [(cast.member.email, DUE_SUBJECT)]


def test_a_failed_reminder_is_left_failed_by_the_scheduler(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    failed = Delivery.objects.get(recipient=cast.member, slot=f"7d@{STAMP}")
    Delivery.objects.filter(pk=failed.pk).update(
        status=Delivery.Status.FAILED, attempts=5, last_error="SMTPServerDisconnected"
    )

    dispatch(clock, MEETING_AT - 7 * DAY)

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, 5)
    others = [cast.chair, cast.secretary, cast.coordinator, cast.observer]
    assert mails(MEETING_SUBJECT) == addressed(others, MEETING_SUBJECT)


def test_alliance_can_switch_off_a_mandatory_kind(cast, clock, ended_meeting):
    ReminderSettings.objects.create(alliance=cast.alliance, switched_off=[Kind.SECRETARY_NUDGE])

    dispatch(clock, NUDGE_DUE)

    assert rows(Kind.SECRETARY_NUDGE) == set()
    assert mails(NUDGE_SUBJECT) == []


def test_member_who_left_gets_no_reminders(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    alliance_services.membership_end(membership=cast.membership(cast.member), actor=cast.chair)

    dispatch(clock, MEETING_AT - 7 * DAY)

    assert rows(Kind.MEETING_UPCOMING, recipient=cast.member) == meeting_rows(
        [cast.member], 7, DROPPED
    ) | meeting_rows([cast.member], 1, DROPPED)
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.NOT_A_MEMBER}
    others = [cast.chair, cast.secretary, cast.coordinator, cast.observer]
    assert mails(MEETING_SUBJECT) == addressed(others, MEETING_SUBJECT)


def test_closed_alliance_sends_no_reminders(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    alliance_services.alliance_close(alliance=cast.alliance, actor=cast.chair)
    make_meeting(cast.alliance, cast.secretary, starts_at=MEETING_AT + DAY)

    dispatch(clock, MEETING_AT - 7 * DAY)
    dispatch(clock, MEETING_AT - DAY)

    assert rows(Kind.MEETING_UPCOMING) == meeting_rows(invitees(cast), 7, DROPPED) | meeting_rows(
        invitees(cast), 1, DROPPED
    )
    assert set(drop_reasons(Kind.MEETING_UPCOMING).values()) == {Delivery.DropReason.NO_LONGER_DUE}
    assert Delivery.objects.filter(alliance=cast.alliance).exclude(status=DROPPED).count() == 0
    assert mail.outbox == []


# Exactly once ----------------------------------------------------------------------------------


def test_planning_twice_at_the_same_moment_writes_each_key_once(cast, clock, meeting, plan):
    member_action(cast, plan)
    now = MEETING_AT - 10 * DAY
    clock.move_to(now)

    first = services.reminders_plan(now=now)
    keys = set(Delivery.objects.values_list("kind", "object_id", "recipient_id", "slot"))
    second = services.reminders_plan(now=now)

    # 5 people x 2 meeting reminders, the secretary's nudge, the action's due and overdue.
    assert first == (13, 0)
    assert second == (0, 0)
    assert Delivery.objects.count() == len(keys) == 13
    assert set(Delivery.objects.values_list("kind", "object_id", "recipient_id", "slot")) == keys


def test_dispatching_twice_at_the_same_moment_sends_each_mail_once(cast, clock, meeting):
    first = dispatch(clock, MEETING_AT - 7 * DAY)
    second = dispatch(clock, MEETING_AT - 7 * DAY)

    assert (first.created, first.queued) == (11, 5)  # with the secretary's nudge, not yet due
    assert (second.created, second.dropped, second.queued) == (0, 0, 0)
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)
    assert rows(Kind.MEETING_UPCOMING, status=SENT) == meeting_rows(invitees(cast), 7, SENT)


def test_second_scheduler_claims_nothing_the_first_one_claimed(cast, clock, meeting):
    now = MEETING_AT - 7 * DAY
    clock.move_to(now)
    services.reminders_plan(now=now)
    services.reminders_plan(now=now)

    first = services.deliveries_claim_due(now=now)
    second = services.deliveries_claim_due(now=now)
    services.deliveries_queue(first)
    outcomes = [services.delivery_send(delivery_id=pk) for pk in first]

    assert len(first) == 5
    assert second == []
    assert outcomes == ["skipped"] * 5  # the queue already sent them
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_claimed_but_unsent_delivery_is_queued_again_after_the_lease(cast, clock, meeting):
    now = MEETING_AT - 7 * DAY
    clock.move_to(now)
    services.reminders_plan(now=now)
    services.deliveries_claim_due(now=now)  # a worker that took them and died

    dispatch(clock, now + timedelta(minutes=14))
    assert mail.outbox == []

    dispatch(clock, now + timedelta(minutes=16))
    dispatch(clock, now + timedelta(minutes=40))
    assert mails(MEETING_SUBJECT) == addressed(invitees(cast), MEETING_SUBJECT)


def test_a_duplicate_delivery_row_is_refused_by_the_database(cast, clock, meeting):
    dispatch(clock, MEETING_AT - 10 * DAY)
    row = Delivery.objects.get(kind=Kind.MEETING_UPCOMING, recipient=cast.chair, slot=f"7d@{STAMP}")

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            kind=row.kind,
            alliance=cast.alliance,
            object_id=row.object_id,
            recipient=cast.chair,
            slot=row.slot,
            due_at=row.due_at + DAY,
        )

    assert Delivery.objects.filter(recipient=cast.chair, slot=f"7d@{STAMP}").count() == 1


# Queries ---------------------------------------------------------------------------------------


def _insert_batches(rows: int) -> int:
    """How many INSERTs bulk_create needs for this many deliveries: the scheduler asks for 500
    a statement, and SQLite allows fewer (999 parameters)."""
    fields = [field for field in Delivery._meta.concrete_fields if not field.primary_key]
    size = min(500, connection.ops.bulk_batch_size(fields, [None] * rows))
    return math.ceil(rows / size)


@pytest.fixture
def planned_queries(cast, clock, plan):
    """add(meetings, actions) adds meetings and actions due soon; run(fresh) plans at START and
    returns (queries other than INSERTs, INSERTs, (created, dropped))."""
    soon = date(2027, 3, 6)

    def add(meetings: int, actions: int) -> None:
        for number in range(meetings):
            starts_at = START + 10 * DAY + timedelta(hours=number)
            make_meeting(cast.alliance, cast.secretary, starts_at=starts_at)
        for _number in range(actions):
            member_action(cast, plan, due_date=soon)

    def run(*, fresh: bool) -> tuple[int, int, tuple[int, int]]:
        if fresh:
            Delivery.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            result = services.reminders_plan(now=START)
        inserts = sum(1 for query in queries if query["sql"].lstrip().upper().startswith("INSERT"))
        return len(queries) - inserts, inserts, result

    return add, run


def test_planning_reads_as_often_for_ten_meetings_as_for_one(planned_queries):
    """The finders read every alliance at once: more meetings and actions, not more queries."""
    add, run = planned_queries
    add(1, 3)
    small_reads, small_inserts, small = run(fresh=True)
    add(9, 27)
    large_reads, large_inserts, large = run(fresh=True)

    # Per meeting: 5 people x 2 reminders and the secretary's nudge; per action: due, overdue.
    assert small == (1 * (5 * 2 + 1) + 3 * 2, 0)
    assert large == (10 * (5 * 2 + 1) + 30 * 2, 0)
    assert large_reads == small_reads
    assert small_inserts == 1
    assert large_inserts == _insert_batches(large[0])


def test_a_run_with_nothing_new_uses_the_same_queries_for_ten_meetings_as_for_one(
    planned_queries,
):
    add, run = planned_queries
    add(1, 3)
    run(fresh=True)
    small_reads, small_inserts, small = run(fresh=False)
    add(9, 27)
    run(fresh=True)
    large_reads, large_inserts, large = run(fresh=False)

    assert small == large == (0, 0)
    assert small_inserts == large_inserts == 0
    assert large_reads == small_reads
