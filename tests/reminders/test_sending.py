"""Sending reminder mails: what each mail says and links to, its language and calendar file,
exactly-once delivery, retries, a broker that is down, the queue lease, and reminders dropped
at the moment they would go out."""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine
import vobject
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import OperationalError as DatabaseOperationalError
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from actionplans.models import Action
from agreements import services as agreement_services
from alliance_portal.celery import app as celery_app
from alliance_portal.exceptions import InvalidTransition
from alliance_portal.queue import enqueue
from alliances.models import Alliance, AuditEntry, Membership
from meetings import services as meeting_services
from meetings import tasks as meeting_tasks
from meetings.calendar import meeting_uid
from meetings.models import Meeting
from meetings.selectors import local_time
from reminders import services
from reminders.models import Delivery, ReminderKind, ReminderOptOut, ReminderSettings
from reminders.schedule import utc_stamp
from reminders.services import DeliveryRetry
from reminders.tasks import dispatch_reminders, send_reminder, send_reminder_batch
from reminders.tokens import read_stop_token
from tests.celery_support import REFUSED_REDIS_URL, broker_at
from tests.conftest import IN_CI, client_for
from tests.factories import (
    MEETING_START,
    make_action,
    make_held_meeting,
    make_meeting,
    make_minutes,
    make_plan,
    make_published_agreement,
    make_submitted_plan,
)

# Seven days before the factories' meeting: its 7-day reminder is due right now.
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SITE = "http://testserver"
ROLE_SENTENCE = "This reminder comes with your role in the alliance and cannot be switched off."
MANDATORY = {
    ReminderKind.MINUTES_APPROVAL,
    ReminderKind.SECRETARY_NUDGE,
    ReminderKind.PLAN_SIGNOFF,
    ReminderKind.SUSTAINABILITY_PROMPT,
}
OPTIONAL = [kind for kind in ReminderKind if kind not in MANDATORY]


# Mail backends ----------

SLOW_OUTBOX: list[str] = []
_SLOW_LOCK = threading.Lock()


class SlowBackend(BaseEmailBackend):
    """A mail server that takes half a second, long enough for a second worker to arrive."""

    def send_messages(self, messages):
        time.sleep(0.5)
        with _SLOW_LOCK:
            SLOW_OUTBOX.extend(message.extra_headers.get("Message-ID", "") for message in messages)
        return len(messages)


class SlowFailingBackend(BaseEmailBackend):
    """A mail server that takes half a second and then hangs up."""

    def send_messages(self, messages):
        time.sleep(0.5)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FailingBackend(BaseEmailBackend):
    """Refuses the next `failures_left` sends with `error`, then delivers to the test outbox."""

    calls = 0
    failures_left = 10**6
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, messages):
        cls = type(self)
        cls.calls += 1
        if cls.failures_left > 0:
            cls.failures_left -= 1
            raise cls.error
        return LocmemBackend().send_messages(messages)


def _backend(cls) -> str:
    return f"{__name__}.{cls.__name__}"


@pytest.fixture
def failing_mail():
    """A failing mail server, and eager tasks whose retries run at once: with
    task_eager_propagates on, an eager task's first retry would surface as celery's Retry
    instead of running again."""
    FailingBackend.calls = 0
    FailingBackend.failures_left = 10**6
    FailingBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        with override_settings(EMAIL_BACKEND=_backend(FailingBackend)):
            yield FailingBackend
    finally:
        celery_app.conf.task_eager_propagates = propagates


# Time, objects and rows ----------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def meeting(cast, frozen) -> Meeting:
    """A planned meeting a week from now, made a day ago (before its 7-day reminder was due,
    so the scheduler writes that reminder); every member of the cast is invited."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        return make_meeting(cast.alliance, cast.secretary)


def _row(cast, kind, object_id: int, recipient, slot: str, **fields) -> Delivery:
    return Delivery.objects.create(
        kind=kind,
        alliance=cast.alliance,
        object_id=object_id,
        recipient=recipient,
        slot=slot,
        due_at=fields.pop("due_at", timezone.now()),
        **fields,
    )


def _upcoming_row(cast, meeting: Meeting, recipient=None, days: int = 7) -> Delivery:
    slot = f"{days}d@{utc_stamp(meeting.starts_at)}"
    return _row(cast, ReminderKind.MEETING_UPCOMING, meeting.pk, recipient or cast.member, slot)


def _send(delivery: Delivery) -> str:
    return services.delivery_send(delivery_id=delivery.pk)


def _meeting_link(meeting: Meeting) -> str:
    return SITE + reverse("meetings:detail", args=[meeting.alliance_id, meeting.pk])


def _minutes_link(meeting: Meeting) -> str:
    return SITE + reverse("meetings:minutes", args=[meeting.alliance_id, meeting.pk])


def _circulated_minutes(cast):
    # Over two days ago and not marked held yet: its minutes can be circulated now.
    meeting = make_held_meeting(
        cast.alliance, cast.secretary, starts_at=NOW - timedelta(days=2), marked_held=False
    )
    minutes = make_minutes(meeting, cast.secretary)
    meeting_services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    return meeting, minutes


def _open_action(cast, due_date: date):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(
        plan,
        cast.coordinator,
        start_date=date(2026, 10, 1),
        due_date=due_date,
        responsible_member=cast.membership(cast.member),
    )
    link = SITE + reverse("actionplans:action", args=[cast.alliance.pk, plan.pk, action.pk])
    return action, link


# One way to reach each kind: (the delivery, the page its mail must link to).


def _build_meeting_upcoming(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    return _upcoming_row(cast, meeting), _meeting_link(meeting)


def _build_agenda_published(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    meeting_services.agenda_publish(meeting=meeting, actor=cast.secretary)
    delivery = Delivery.objects.get(kind=ReminderKind.AGENDA_PUBLISHED, recipient=cast.member)
    return delivery, _meeting_link(meeting)


def _build_minutes_circulated(cast):
    meeting, _minutes = _circulated_minutes(cast)
    delivery = Delivery.objects.get(kind=ReminderKind.MINUTES_CIRCULATED, recipient=cast.member)
    return delivery, _minutes_link(meeting)


def _build_minutes_approval(cast):
    meeting, minutes = _circulated_minutes(cast)
    delivery = _row(cast, ReminderKind.MINUTES_APPROVAL, minutes.pk, cast.chair, "w0")
    return delivery, _minutes_link(meeting)


def _build_secretary_nudge(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    delivery = _row(cast, ReminderKind.SECRETARY_NUDGE, meeting.pk, cast.secretary, "3d")
    return delivery, _meeting_link(meeting)


def _build_action_due(cast):
    action, link = _open_action(cast, date(2026, 11, 29))
    return _row(cast, ReminderKind.ACTION_DUE, action.pk, cast.member, "3d@2026-11-29"), link


def _build_action_overdue(cast):
    action, link = _open_action(cast, date(2026, 11, 20))
    return _row(cast, ReminderKind.ACTION_OVERDUE, action.pk, cast.member, "w0@2026-11-20"), link


def _build_agreement_unsigned(cast):
    version = make_published_agreement(cast.alliance, cast.coordinator)
    signature = agreement_services.signature_for_member(
        version=version, membership=cast.membership(cast.member)
    )
    delivery = _row(cast, ReminderKind.AGREEMENT_UNSIGNED, signature.pk, cast.member, "1")
    return delivery, SITE + reverse("agreements:detail", args=[cast.alliance.pk])


def _build_plan_signoff(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    version = plan.versions.get(number=plan.version)
    slot = f"w0@{utc_stamp(version.submitted_at)}"
    delivery = _row(cast, ReminderKind.PLAN_SIGNOFF, version.pk, cast.chair, slot)
    return delivery, SITE + reverse("actionplans:plan_review", args=[cast.alliance.pk, plan.pk])


def _build_sustainability_prompt(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    slot = f"6m@{plan.period_end}"
    delivery = _row(cast, ReminderKind.SUSTAINABILITY_PROMPT, plan.pk, cast.chair, slot)
    return delivery, SITE + reverse("sustainability:plan_edit", args=[cast.alliance.pk, plan.pk])


BUILDERS = {
    ReminderKind.MEETING_UPCOMING: _build_meeting_upcoming,
    ReminderKind.AGENDA_PUBLISHED: _build_agenda_published,
    ReminderKind.MINUTES_CIRCULATED: _build_minutes_circulated,
    ReminderKind.MINUTES_APPROVAL: _build_minutes_approval,
    ReminderKind.SECRETARY_NUDGE: _build_secretary_nudge,
    ReminderKind.ACTION_DUE: _build_action_due,
    ReminderKind.ACTION_OVERDUE: _build_action_overdue,
    ReminderKind.AGREEMENT_UNSIGNED: _build_agreement_unsigned,
    ReminderKind.PLAN_SIGNOFF: _build_plan_signoff,
    ReminderKind.SUSTAINABILITY_PROMPT: _build_sustainability_prompt,
}


def _only_mail():
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    return mail.outbox[0]


def _html(message) -> str:
    assert len(message.alternatives) == 1
    content, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    return content


# What each mail says ----------


def test_the_builders_cover_every_kind():
    assert set(BUILDERS) == set(ReminderKind)


@pytest.mark.parametrize("kind", list(ReminderKind))
def test_each_kind_mails_text_and_html_that_link_back_to_its_page(cast, frozen, kind):
    delivery, link = BUILDERS[kind](cast)
    mail.outbox.clear()

    assert _send(delivery) == "sent"

    message = _only_mail()
    html = _html(message)
    assert message.to == [delivery.recipient.email]
    assert cast.alliance.name in message.subject
    assert "\n" not in message.subject
    assert link in message.body
    assert f'href="{link}"' in html
    assert message.extra_headers["Message-ID"] == f"<reminder-{delivery.pk}@testserver>"
    assert message.message()["Message-ID"] == f"<reminder-{delivery.pk}@testserver>"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.sent_at == NOW
    assert delivery.last_error == ""


@pytest.mark.parametrize("kind", OPTIONAL)
def test_optional_kinds_carry_a_one_click_unsubscribe_for_that_kind(cast, frozen, kind):
    delivery, _link = BUILDERS[kind](cast)
    mail.outbox.clear()
    _send(delivery)

    message = _only_mail()
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith(f"<{SITE}/reminders/stop/")
    assert header.endswith("/>")
    stop_url = header[1:-1]
    token = stop_url.rstrip("/").rsplit("/", 1)[1]
    assert read_stop_token(token) == (delivery.recipient.pk, kind)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.message()["List-Unsubscribe"] == header
    assert stop_url in message.body
    assert f'href="{stop_url}"' in _html(message)
    assert ROLE_SENTENCE not in message.body


@pytest.mark.parametrize("kind", sorted(MANDATORY))
def test_mandatory_kinds_have_no_unsubscribe_and_say_they_come_with_the_role(cast, frozen, kind):
    delivery, _link = BUILDERS[kind](cast)
    mail.outbox.clear()
    _send(delivery)

    message = _only_mail()
    html = _html(message)
    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    assert message.message()["List-Unsubscribe"] is None
    assert ROLE_SENTENCE in message.body
    assert ROLE_SENTENCE in html
    assert "/reminders/stop/" not in message.body
    assert "/reminders/stop/" not in html
    # The page listing all of one's reminders is still linked.
    assert SITE + reverse("reminders:preferences") in message.body


# Language ----------


def _in_swedish(msgid: str, **values) -> str:
    with translation.override("sv"):
        text = translation.gettext(msgid)
    return text % values if values else text


def _assert_in_swedish(text: str, msgid: str, *, html: bool = False, **values) -> None:
    """The Swedish catalogue's text is there; the English one too only if it is untranslated."""
    swedish = _in_swedish(msgid, **values)
    english = msgid % values if values else msgid
    if html:
        swedish, english = escape(swedish), escape(english)
    assert swedish in text
    if swedish != english:
        assert english not in text


def test_a_swedish_recipient_gets_the_meeting_reminder_in_swedish(cast, meeting):
    cast.member.preferred_language = "sv"
    cast.member.save(update_fields=["preferred_language"])
    delivery = _upcoming_row(cast, meeting)

    _send(delivery)

    message = _only_mail()
    html = _html(message)
    alliance = cast.alliance.name
    with translation.override("sv"):
        kind_label = str(ReminderKind.MEETING_UPCOMING.label)
        intro = translation.ngettext(
            "A meeting of %(alliance)s is tomorrow.",
            "A meeting of %(alliance)s is in %(days)s days.",
            7,
        ) % {"alliance": alliance, "days": 7}
    assert message.subject == _in_swedish(
        "Reminder: %(alliance)s: %(title)s", alliance=alliance, title=meeting.title
    )
    assert intro in message.body
    assert escape(intro) in html
    _assert_in_swedish(message.body, "When:")
    _assert_in_swedish(message.body, "The meeting is attached as a calendar file.")
    _assert_in_swedish(message.body, "Stop this kind of reminder:")
    _assert_in_swedish(
        message.body,
        "You get this reminder (%(kind)s) as a member of %(alliance)s.",
        kind=kind_label,
        alliance=alliance,
    )
    _assert_in_swedish(html, "Stop this kind of reminder", html=True)
    # The catalogue is in use: a phrase it has long translated reads in Swedish.
    assert _in_swedish("When:") != "When:"
    assert "When:" not in message.body
    # Rendering in the recipient's language leaves the worker's own language alone.
    assert translation.get_language() == "en"


def test_a_swedish_recipient_gets_the_agenda_with_a_swedish_subject_and_date(cast, meeting):
    cast.member.preferred_language = "sv"
    cast.member.save(update_fields=["preferred_language"])
    meeting_services.agenda_publish(meeting=meeting, actor=cast.secretary)
    delivery = Delivery.objects.get(kind=ReminderKind.AGENDA_PUBLISHED, recipient=cast.member)

    _send(delivery)

    message = _only_mail()
    with translation.override("sv"):
        day = date_format(local_time(cast.alliance, meeting.starts_at), "DATE_FORMAT")
    assert message.subject == _in_swedish(
        "%(alliance)s: %(title)s on %(date)s, agenda",
        alliance=cast.alliance.name,
        title=meeting.title,
        date=day,
    )
    _assert_in_swedish(
        message.body, "You are invited to a meeting of %(alliance)s.", alliance=cast.alliance.name
    )
    _assert_in_swedish(message.body, "Agenda")


def test_an_english_recipient_gets_english(cast, meeting):
    delivery = _upcoming_row(cast, meeting)

    _send(delivery)

    message = _only_mail()
    assert message.subject == "Reminder: Kronoberg Alliance: Plenary meeting"
    assert "A meeting of Kronoberg Alliance is in 7 days." in message.body
    assert "When:" in message.body
    assert (
        "You get this reminder (Upcoming meeting) as a member of Kronoberg Alliance."
        in message.body
    )
    assert "Stop this kind of reminder:" in message.body


def test_each_recipient_of_one_event_gets_their_own_language(
    cast, meeting, django_capture_on_commit_callbacks
):
    cast.member.preferred_language = "sv"
    cast.member.save(update_fields=["preferred_language"])

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.agenda_publish(meeting=meeting, actor=cast.secretary)

    by_address = {message.to[0]: message for message in mail.outbox}
    english = "You are invited to a meeting of Kronoberg Alliance."
    swedish = _in_swedish(
        "You are invited to a meeting of %(alliance)s.", alliance=cast.alliance.name
    )
    assert english in by_address[cast.chair.email].body
    assert swedish in by_address[cast.member.email].body
    if swedish != english:
        assert english not in by_address[cast.member.email].body


def test_a_mandatory_reminder_in_swedish_says_it_comes_with_the_role_in_swedish(cast, frozen):
    cast.chair.preferred_language = "sv"
    cast.chair.save(update_fields=["preferred_language"])
    delivery, _link = _build_minutes_approval(cast)
    mail.outbox.clear()

    _send(delivery)

    _assert_in_swedish(_only_mail().body, ROLE_SENTENCE)


# The calendar file ----------


def _ics(message) -> tuple[str, bytes]:
    calendars = [item for item in message.attachments if item[2] == "text/calendar"]
    assert len(calendars) == 1
    filename, content, _mimetype = calendars[0]
    return filename, content.encode() if isinstance(content, str) else content


@pytest.mark.parametrize("kind", [ReminderKind.MEETING_UPCOMING, ReminderKind.AGENDA_PUBLISHED])
def test_meeting_reminders_attach_the_meeting_as_ics(cast, frozen, kind):
    delivery, _link = BUILDERS[kind](cast)
    meeting = Meeting.objects.get(pk=delivery.object_id)
    mail.outbox.clear()

    _send(delivery)

    message = _only_mail()
    filename, content = _ics(message)
    assert filename == f"meeting-{meeting.number}.ics"
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert str(event["UID"]) == meeting_uid(meeting)
    start = event.decoded("DTSTART")
    assert start == MEETING_START
    assert start.utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == f"Kronoberg Alliance: {meeting.title}"
    assert b"DTSTART:20261203T090000Z" in content
    # In the mail as sent, the file is a text/calendar part with its name.
    parts = [
        part for part in message.message().walk() if part.get_content_type() == "text/calendar"
    ]
    assert [part.get_filename() for part in parts] == [filename]


def test_the_ics_reads_the_same_in_a_second_calendar_parser(cast, meeting):
    cast.alliance.timezone = "America/New_York"
    cast.alliance.save(update_fields=["timezone"])
    delivery = _upcoming_row(cast, meeting)

    _send(delivery)

    _filename, content = _ics(_only_mail())
    calendar = vobject.readOne(content.decode())
    event = calendar.vevent
    assert event.uid.value == meeting_uid(meeting)
    assert event.dtstart.value == MEETING_START
    assert event.dtstart.value.utcoffset() == timedelta(0)
    assert event.dtend.value == MEETING_START + timedelta(hours=3)
    assert event.summary.value == f"Kronoberg Alliance: {meeting.title}"


def test_reminders_not_about_a_meeting_attach_nothing(cast, frozen):
    delivery, _link = _build_minutes_circulated(cast)
    mail.outbox.clear()

    _send(delivery)

    assert _only_mail().attachments == []


# Reminders sent on an event ----------


def _cast_users(cast):
    return [cast.chair, cast.secretary, cast.coordinator, cast.member, cast.observer]


def test_publishing_the_agenda_mails_members_a_reminder_and_guests_the_plain_invitation(
    cast, meeting, django_capture_on_commit_callbacks
):
    meeting_services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Gunnel Guest", email="guest@example.org"
    )

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.agenda_publish(meeting=meeting, actor=cast.secretary)

    rows = Delivery.objects.filter(kind=ReminderKind.AGENDA_PUBLISHED, object_id=meeting.pk)
    assert {row.recipient_id for row in rows} == {user.pk for user in _cast_users(cast)}
    assert {row.status for row in rows} == {Delivery.Status.SENT}
    assert {row.slot for row in rows} == {"published"}
    by_address = {}
    for message in mail.outbox:
        assert len(message.to) == 1
        assert message.to[0] not in by_address, "one mail per person"
        by_address[message.to[0]] = message
    assert set(by_address) == {user.email for user in _cast_users(cast)} | {"guest@example.org"}
    for user in _cast_users(cast):
        message = by_address[user.email]
        row = rows.get(recipient=user)
        assert message.extra_headers["Message-ID"] == f"<reminder-{row.pk}@testserver>"
        assert "List-Unsubscribe" in message.extra_headers
    guest_mail = by_address["guest@example.org"]
    assert "List-Unsubscribe" not in guest_mail.extra_headers
    assert "reminder-" not in guest_mail.extra_headers.get("Message-ID", "")
    assert _ics(guest_mail)[0] == f"meeting-{meeting.number}.ics"


def test_a_member_who_switched_agenda_mails_off_gets_none(
    cast, meeting, django_capture_on_commit_callbacks
):
    ReminderOptOut.objects.create(user=cast.member, kind=ReminderKind.AGENDA_PUBLISHED)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.agenda_publish(meeting=meeting, actor=cast.secretary)

    addresses = [message.to[0] for message in mail.outbox]
    assert cast.member.email not in addresses
    assert sorted(addresses) == sorted(
        user.email for user in _cast_users(cast) if user != cast.member
    )
    assert not Delivery.objects.filter(
        kind=ReminderKind.AGENDA_PUBLISHED, recipient=cast.member
    ).exists()


def test_an_alliance_that_switched_agenda_mails_off_writes_no_rows(
    cast, meeting, django_capture_on_commit_callbacks
):
    ReminderSettings.objects.create(
        alliance=cast.alliance, switched_off=[ReminderKind.AGENDA_PUBLISHED]
    )

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.agenda_publish(meeting=meeting, actor=cast.secretary)

    assert not Delivery.objects.filter(kind=ReminderKind.AGENDA_PUBLISHED).exists()
    assert mail.outbox == []


def test_circulating_minutes_mails_the_members_who_can_comment_but_not_the_actor(
    cast, frozen, django_capture_on_commit_callbacks
):
    # Over two days ago and not marked held yet: its minutes can be circulated now.
    meeting = make_held_meeting(
        cast.alliance, cast.secretary, starts_at=NOW - timedelta(days=2), marked_held=False
    )
    minutes = make_minutes(meeting, cast.secretary)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.minutes_circulate(minutes=minutes, actor=cast.secretary)

    expected = {cast.chair, cast.coordinator, cast.member}
    rows = Delivery.objects.filter(kind=ReminderKind.MINUTES_CIRCULATED, object_id=minutes.pk)
    assert {row.recipient for row in rows} == expected
    assert {row.status for row in rows} == {Delivery.Status.SENT}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(u.email for u in expected)
    for message in mail.outbox:
        assert _minutes_link(meeting) in message.body
        assert "Kronoberg Alliance" in message.subject


# Exactly once ----------


def test_sending_one_delivery_twice_sends_one_mail(cast, meeting):
    delivery = _upcoming_row(cast, meeting)

    assert _send(delivery) == "sent"
    assert _send(delivery) == "skipped"

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.sent_at == NOW


def test_running_the_send_task_twice_sends_one_mail(cast, meeting):
    delivery = _upcoming_row(cast, meeting)

    first = send_reminder.delay(delivery.pk).get()
    second = send_reminder.delay(delivery.pk).get()

    assert (first, second) == ("sent", "skipped")
    assert len(mail.outbox) == 1


def test_a_dropped_delivery_is_never_sent(cast, meeting):
    delivery = _upcoming_row(cast, meeting)
    Delivery.objects.filter(pk=delivery.pk).drop(Delivery.DropReason.RESCHEDULED)

    assert _send(delivery) == "skipped"
    assert send_reminder.delay(delivery.pk).get() == "skipped"

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DROPPED
    assert delivery.drop_reason == Delivery.DropReason.RESCHEDULED


def test_a_delivery_that_no_longer_exists_is_skipped(db):
    assert services.delivery_send(delivery_id=987654) == "skipped"
    assert mail.outbox == []


def _needs_postgresql() -> None:
    if connection.vendor == "postgresql":
        return
    reason = (
        "Two workers racing for one row need real row locks (SELECT ... FOR UPDATE SKIP LOCKED); "
        "SQLite has none. Run with DATABASE_URL pointing at PostgreSQL."
    )
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def _race(delivery_id: int) -> tuple[list[str], list[BaseException]]:
    """Two workers call delivery_send for the same row at the same moment."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.delivery_send(delivery_id=delivery_id))
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes, errors


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_one_delivery_at_once_send_one_mail(cast):
    _needs_postgresql()
    meeting = make_meeting(
        cast.alliance, cast.secretary, starts_at=timezone.now() + timedelta(days=3)
    )
    delivery = _row(cast, ReminderKind.AGENDA_PUBLISHED, meeting.pk, cast.member, "published")
    SLOW_OUTBOX.clear()

    with override_settings(EMAIL_BACKEND=_backend(SlowBackend)):
        outcomes, errors = _race(delivery.pk)

    assert errors == []
    assert sorted(outcomes) == ["sent", "skipped"]
    assert [f"<reminder-{delivery.pk}@testserver>"] == SLOW_OUTBOX
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_skips_a_busy_delivery_does_not_count_an_attempt(cast):
    _needs_postgresql()
    meeting = make_meeting(
        cast.alliance, cast.secretary, starts_at=timezone.now() + timedelta(days=3)
    )
    delivery = _row(cast, ReminderKind.AGENDA_PUBLISHED, meeting.pk, cast.member, "published")

    with override_settings(EMAIL_BACKEND=_backend(SlowFailingBackend)):
        outcomes, errors = _race(delivery.pk)

    assert outcomes == ["skipped"]
    assert [type(error) for error in errors] == [DeliveryRetry]
    assert errors[0].countdown == 60
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("SMTPServerDisconnected")


# Retries ----------


@pytest.mark.parametrize(
    "error",
    [OSError("Connection refused"), smtplib.SMTPDataError(451, "Try again later")],
    ids=["oserror", "smtp"],
)
def test_each_failed_attempt_is_counted_and_the_wait_doubles(cast, meeting, failing_mail, error):
    failing_mail.error = error
    delivery = _upcoming_row(cast, meeting)

    countdowns = []
    for attempt in range(1, 5):
        with pytest.raises(DeliveryRetry) as raised:
            _send(delivery)
        countdowns.append(raised.value.countdown)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.PENDING
        assert delivery.attempts == attempt
        assert delivery.last_error == f"{type(error).__name__}: {error}"
        assert delivery.enqueued_at == NOW + timedelta(seconds=raised.value.countdown)
    assert countdowns == [60, 120, 240, 480]

    assert _send(delivery) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 5
    assert delivery.failed_at == NOW
    assert delivery.sent_at is None

    assert _send(delivery) == "skipped"
    assert failing_mail.calls == 5
    assert mail.outbox == []


def test_the_task_retries_at_once_when_eager_and_fails_after_five_attempts(
    cast, meeting, failing_mail
):
    delivery = _upcoming_row(cast, meeting)

    assert send_reminder.delay(delivery.pk).get() == "failed"

    assert failing_mail.calls == 5
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 5
    assert delivery.failed_at == NOW
    # A failed delivery is not sent by a later task either.
    assert send_reminder.delay(delivery.pk).get() == "skipped"
    assert failing_mail.calls == 5


def test_a_retry_that_gets_through_sends_once_and_clears_the_error(cast, meeting, failing_mail):
    failing_mail.failures_left = 2
    delivery = _upcoming_row(cast, meeting)

    assert send_reminder.delay(delivery.pk).get() == "sent"

    assert failing_mail.calls == 3
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2
    assert delivery.last_error == ""


def test_an_error_building_the_mail_counts_as_an_attempt_too(cast, meeting, monkeypatch):
    def broken(**kwargs):
        raise ValueError("template exploded")

    monkeypatch.setattr(services, "reminder_message", broken)
    delivery = _upcoming_row(cast, meeting)

    with pytest.raises(DeliveryRetry):
        _send(delivery)

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error == "ValueError: template exploded"


def test_a_long_error_is_cut_to_fit(cast, meeting, failing_mail):
    failing_mail.error = OSError("x" * 2000)
    delivery = _upcoming_row(cast, meeting)

    with pytest.raises(DeliveryRetry):
        _send(delivery)

    delivery.refresh_from_db()
    assert len(delivery.last_error) == 500
    assert delivery.last_error.startswith("OSError: xxx")


def test_the_scheduler_does_not_queue_a_delivery_before_its_planned_retry(
    cast, meeting, failing_mail
):
    delivery = _upcoming_row(cast, meeting)
    with pytest.raises(DeliveryRetry):
        _send(delivery)

    # The retry is planned in 60 s; the lease counts from then.
    assert services.deliveries_claim_due(now=NOW + timedelta(seconds=61)) == []
    lease_over = NOW + timedelta(seconds=60 + 900 + 1)
    assert services.deliveries_claim_due(now=lease_over) == [delivery.pk]


def _failed(cast, meeting, failing_mail) -> Delivery:
    delivery = _upcoming_row(cast, meeting)
    assert send_reminder.delay(delivery.pk).get() == "failed"
    failing_mail.failures_left = 0
    return Delivery.objects.select_related("recipient", "alliance").get(pk=delivery.pk)


def test_a_coordinator_retry_puts_a_failed_delivery_back_and_it_is_sent(
    cast, meeting, failing_mail, django_capture_on_commit_callbacks
):
    delivery = _failed(cast, meeting, failing_mail)

    with django_capture_on_commit_callbacks() as callbacks:
        services.delivery_retry(delivery=delivery, actor=cast.coordinator)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 0
    assert delivery.failed_at is None
    assert delivery.enqueued_at is None
    entry = AuditEntry.objects.get(action="reminder.retried")
    assert entry.actor == cast.coordinator
    assert entry.alliance == cast.alliance
    assert entry.object_id == str(delivery.pk)
    assert entry.changes == {
        "kind": ReminderKind.MEETING_UPCOMING,
        "recipient": cast.member.email,
    }
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert [message.to for message in mail.outbox] == [[cast.member.email]]


def test_retrying_every_failed_delivery_of_an_alliance(
    cast, meeting, failing_mail, django_capture_on_commit_callbacks
):
    first = _failed(cast, meeting, failing_mail)
    failing_mail.failures_left = 10**6
    second = _upcoming_row(cast, meeting, recipient=cast.chair)
    assert send_reminder.delay(second.pk).get() == "failed"
    failing_mail.failures_left = 0

    with django_capture_on_commit_callbacks(execute=True):
        count = services.deliveries_retry_failed(alliance=cast.alliance, actor=cast.coordinator)

    assert count == 2
    assert set(
        Delivery.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {Delivery.Status.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.member.email, cast.chair.email])
    assert AuditEntry.objects.filter(action="reminder.retried").count() == 2


def test_only_a_failed_delivery_can_be_retried(cast, meeting):
    delivery = _upcoming_row(cast, meeting)

    with pytest.raises(InvalidTransition):
        services.delivery_retry(delivery=delivery, actor=cast.coordinator)

    assert not AuditEntry.objects.filter(action="reminder.retried").exists()


# The broker is down ----------


class Broker:
    """Stands in for a task's apply_async: refuses while down, else runs the real one."""

    def __init__(self, task, *, works_for: int = 0):
        self.real = task.apply_async
        self.works_for = works_for
        self.down = True

    def __call__(self, *args, **kwargs):
        if self.down and self.works_for <= 0:
            raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")
        self.works_for -= 1
        return self.real(*args, **kwargs)


@pytest.fixture
def broker(monkeypatch):
    """The broker the scheduler queues its batches on."""
    fake = Broker(send_reminder_batch)
    monkeypatch.setattr(send_reminder_batch, "apply_async", fake)
    return fake


def _upcoming_due(meeting: Meeting):
    return Delivery.objects.filter(
        kind=ReminderKind.MEETING_UPCOMING, object_id=meeting.pk, due_at__lte=NOW
    )


def test_a_dispatch_with_the_broker_down_keeps_the_rows_and_the_next_one_sends_them(
    cast, meeting, broker
):
    run = services.reminders_dispatch(now=NOW)

    due = _upcoming_due(meeting)
    assert due.count() == 5
    assert run.created >= 5
    assert run.queued == 0
    assert run.finished_at is not None
    assert set(due.values_list("status", "enqueued_at")) == {(Delivery.Status.PENDING, None)}
    assert mail.outbox == []

    broker.down = False
    later = services.reminders_dispatch(now=NOW + timedelta(minutes=5))

    assert later.created == 0
    assert later.queued == 5
    assert set(due.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in _cast_users(cast))


@override_settings(REMINDER_DELIVERIES_PER_TASK=1)
def test_a_broker_lost_halfway_leaves_the_rest_for_the_next_run(cast, meeting, broker):
    broker.works_for = 2

    run = services.reminders_dispatch(now=NOW)

    due = _upcoming_due(meeting)
    assert run.queued == 2
    assert due.filter(status=Delivery.Status.SENT).count() == 2
    left = due.filter(status=Delivery.Status.PENDING)
    assert left.count() == 3
    assert set(left.values_list("enqueued_at", flat=True)) == {None}
    assert len(mail.outbox) == 2


@override_settings(REMINDER_DELIVERIES_PER_TASK=2)
def test_deliveries_go_to_the_workers_in_batches_and_a_lost_broker_keeps_whole_batches(
    cast, meeting, broker
):
    broker.works_for = 2

    run = services.reminders_dispatch(now=NOW)

    due = _upcoming_due(meeting)
    assert run.queued == 4
    assert due.filter(status=Delivery.Status.SENT).count() == 4
    [left] = due.filter(status=Delivery.Status.PENDING)
    assert left.enqueued_at is None
    assert len(mail.outbox) == 4


@override_settings(REMINDER_DELIVERIES_PER_TASK=5)
def test_a_delivery_that_fails_in_a_batch_is_tried_again_alone(cast, meeting, monkeypatch):
    real_send = services.delivery_send
    fails = {}

    def send_failing_once(*, delivery_id):
        if not fails:
            fails[delivery_id] = True
            raise DeliveryRetry(60)
        return real_send(delivery_id=delivery_id)

    monkeypatch.setattr(services, "delivery_send", send_failing_once)
    retried = []
    monkeypatch.setattr(
        send_reminder,
        "apply_async",
        lambda args, countdown, **options: retried.append((args, countdown)),
    )

    services.reminders_dispatch(now=NOW)

    due = _upcoming_due(meeting)
    [failed_id] = fails
    assert retried == [((failed_id,), 60)]
    assert due.filter(status=Delivery.Status.SENT).count() == 4
    assert due.get(status=Delivery.Status.PENDING).pk == failed_id
    assert len(mail.outbox) == 4


def test_the_beat_task_reports_nothing_queued_while_the_broker_is_down(cast, meeting, broker):
    result = dispatch_reminders.delay().get()

    assert result["queued"] == 0
    assert result["created"] >= 5
    assert _upcoming_due(meeting).filter(status=Delivery.Status.PENDING).count() == 5


def test_the_scheduler_runs_again_soon_when_the_database_is_locked(cast, meeting, monkeypatch):
    real_dispatch = services.reminders_dispatch
    runs = []

    def locked_once(**kwargs):
        runs.append(kwargs)
        if len(runs) == 1:
            # What SQLite answers when a page holds the write lock past the busy timeout.
            raise DatabaseOperationalError("database is locked")
        return real_dispatch(**kwargs)

    monkeypatch.setattr(services, "reminders_dispatch", locked_once)
    # Inline, a retry runs again at once unless the first error is raised to the test.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)

    result = dispatch_reminders.delay().get()

    assert len(runs) == 2
    assert result["created"] >= 5
    assert _upcoming_due(meeting).count() == 5
    assert dispatch_reminders.max_retries == 3
    assert dispatch_reminders.default_retry_delay < settings.REMINDER_DISPATCH_SECONDS


def test_publishing_the_agenda_with_the_broker_down_still_answers(
    cast, meeting, broker, monkeypatch, django_capture_on_commit_callbacks
):
    guest_broker = Broker(meeting_tasks.send_meeting_notification)
    monkeypatch.setattr(meeting_tasks.send_meeting_notification, "apply_async", guest_broker)
    meeting_services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Gunnel Guest", email="guest@example.org"
    )
    url = reverse("meetings:transition", args=[cast.alliance.pk, meeting.pk, "publish"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.secretary).post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:detail", args=[cast.alliance.pk, meeting.pk])
    meeting.refresh_from_db()
    assert meeting.agenda_published_at == NOW
    rows = Delivery.objects.filter(kind=ReminderKind.AGENDA_PUBLISHED, object_id=meeting.pk)
    assert rows.count() == 5
    assert set(rows.values_list("status", "enqueued_at")) == {(Delivery.Status.PENDING, None)}
    assert mail.outbox == []

    # Once the broker is back, the scheduler's next run sends the agenda to the members.
    broker.down = False
    services.reminders_dispatch(now=NOW + timedelta(minutes=5))
    assert set(rows.values_list("status", flat=True)) == {Delivery.Status.SENT}
    agenda_ids = {f"<reminder-{row.pk}@testserver>" for row in rows}
    agenda_mails = [m for m in mail.outbox if m.extra_headers["Message-ID"] in agenda_ids]
    assert sorted(m.to[0] for m in agenda_mails) == sorted(u.email for u in _cast_users(cast))


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("Connection refused"),
        ConnectionError("Connection refused"),
        RedisConnectionError("Connection refused"),
        RedisTimeoutError("Timeout reading from socket"),
        RuntimeError("Retry limit exceeded while trying to reconnect to the result store"),
    ],
    ids=["kombu", "socket", "redis", "redis-timeout", "result-store"],
)
def test_enqueue_returns_false_and_warns_when_the_broker_is_down(monkeypatch, caplog, error):
    def refuse(*args, **options):
        raise error

    monkeypatch.setattr(send_reminder, "apply_async", refuse)

    with caplog.at_level(logging.WARNING, logger="alliance_portal.queue"):
        assert enqueue(send_reminder, 42) is False

    [record] = [r for r in caplog.records if r.name == "alliance_portal.queue"]
    assert record.levelno == logging.WARNING
    assert "reminders.send" in record.getMessage()
    assert "(42,)" in record.getMessage()


# The lease ----------


@pytest.mark.parametrize(
    ("minutes_ago", "queued_again"), [(1, False), (14, False), (16, True), (60, True)]
)
def test_a_queued_delivery_is_queued_again_only_after_the_lease(
    cast, meeting, minutes_ago, queued_again
):
    services.reminders_plan(now=NOW)
    due = _upcoming_due(meeting)
    queued_at = NOW - timedelta(minutes=minutes_ago)
    due.update(enqueued_at=queued_at)

    run = services.reminders_dispatch(now=NOW)

    if queued_again:
        assert run.queued == 5
        assert set(due.values_list("status", flat=True)) == {Delivery.Status.SENT}
        assert len(mail.outbox) == 5
    else:
        assert run.queued == 0
        assert set(due.values_list("status", "enqueued_at")) == {
            (Delivery.Status.PENDING, queued_at)
        }
        assert mail.outbox == []


# Dropped at the moment of sending ----------


def _assert_dropped(delivery: Delivery, reason: str) -> None:
    assert _send(delivery) == "dropped"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DROPPED
    assert delivery.drop_reason == reason
    assert delivery.sent_at is None
    assert mail.outbox == []


def test_an_action_done_after_its_reminder_was_written_is_not_reminded(cast, frozen):
    delivery, _link = _build_action_due(cast)
    Action.objects.filter(pk=delivery.object_id).update(status=Action.Status.DONE)

    _assert_dropped(delivery, Delivery.DropReason.NO_LONGER_DUE)


def test_a_recipient_who_left_the_alliance_gets_nothing(cast, meeting):
    delivery = _upcoming_row(cast, meeting)
    Membership.objects.filter(alliance=cast.alliance, user=cast.member).update(ended_at=NOW)

    _assert_dropped(delivery, Delivery.DropReason.NOT_A_MEMBER)


def test_a_recipient_who_opted_out_after_the_row_was_written_gets_nothing(cast, meeting):
    delivery = _upcoming_row(cast, meeting)
    services.reminder_opt_out(user=cast.member, kind=ReminderKind.MEETING_UPCOMING)

    _assert_dropped(delivery, Delivery.DropReason.OPTED_OUT)


def test_a_mandatory_reminder_goes_out_despite_a_personal_opt_out_row(cast, frozen):
    delivery, _link = _build_minutes_approval(cast)
    ReminderOptOut.objects.create(user=cast.chair, kind=ReminderKind.MINUTES_APPROVAL)

    assert _send(delivery) == "sent"


def test_a_kind_the_alliance_switched_off_meanwhile_is_not_sent(cast, meeting):
    delivery = _upcoming_row(cast, meeting)
    ReminderSettings.objects.create(
        alliance=cast.alliance, switched_off=[ReminderKind.MEETING_UPCOMING]
    )

    _assert_dropped(delivery, Delivery.DropReason.SWITCHED_OFF)


def test_a_recipient_without_an_address_is_dropped(cast, meeting):
    delivery = _upcoming_row(cast, meeting)
    type(cast.member).objects.filter(pk=cast.member.pk).update(email="")

    _assert_dropped(delivery, Delivery.DropReason.NO_ADDRESS)


def test_a_meeting_moved_after_the_row_was_written_drops_it_as_rescheduled(cast, meeting):
    delivery = _upcoming_row(cast, meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(days=1), ends_at=meeting.ends_at + timedelta(days=1)
    )

    _assert_dropped(delivery, Delivery.DropReason.RESCHEDULED)


def test_the_agenda_of_a_meeting_cancelled_meanwhile_is_not_sent(cast, frozen):
    delivery, _link = _build_agenda_published(cast)
    Meeting.objects.filter(pk=delivery.object_id).update(status=Meeting.Status.CANCELLED)

    _assert_dropped(delivery, Delivery.DropReason.NO_LONGER_DUE)


def test_nothing_is_sent_for_a_closed_alliance(cast, meeting):
    delivery = _upcoming_row(cast, meeting)
    Alliance.objects.filter(pk=cast.alliance.pk).update(status=Alliance.Status.CLOSED)

    _assert_dropped(delivery, Delivery.DropReason.NO_LONGER_DUE)


def test_enqueue_gives_up_at_once_on_a_redis_that_is_down(caplog):
    with broker_at(REFUSED_REDIS_URL), caplog.at_level(logging.WARNING):
        started = time.monotonic()
        queued = [enqueue(send_reminder, 42), enqueue(send_reminder, 42, countdown=60)]
        seconds = time.monotonic() - started

    assert queued == [False, False]
    assert seconds < 10
    assert len([r for r in caplog.records if r.name == "alliance_portal.queue"]) == 2
