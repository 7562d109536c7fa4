"""Hostile values in what reminders show and take: script in titles and names is escaped in the
HTML mail and on the pages, a line break never reaches a mail header, and odd form values or
stop links answer with a message, never a 500."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from reminders.models import Delivery, ReminderKind, ReminderOptOut, ReminderSettings
from reminders.services import reminders_dispatch
from reminders.tokens import stop_token

from ..conftest import client_for
from ..factories import MEETING_START, make_action, make_meeting, make_plan
from ..hostile_support import SCRIPT, answered_safely, page_text

pytestmark = pytest.mark.django_db

# The factories' meeting is planned eight days ahead; its 7-day reminder is due a day later.
MEETING_PLANNED = MEETING_START - timedelta(days=8)
MEETING_NOW = MEETING_START - timedelta(days=7)
ACTION_DUE = date(2027, 3, 10)
# Three days before the action is due, after the alliance's sending hour.
ACTION_NOW = datetime(2027, 3, 7, 12, 0, tzinfo=UTC)
SCHEDULE = {
    "send": ["meeting_upcoming"],
    "meeting_days_before": "7, 1",
    "minutes_approval_days": "7",
    "secretary_nudge_days": "3",
    "action_due_days": "3",
    "agreement_days": "3, 7, 14",
    "plan_signoff_days": "2",
    "sustainability_months": "6",
    "send_hour": "8",
}


def _html(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def _only_mail_to(user):
    (message,) = [message for message in mail.outbox if message.to == [user.email]]
    return message


def _meeting_reminder(cast, **fields):
    """The member's 7-day reminder of a meeting with these fields, as sent."""
    with time_machine.travel(MEETING_PLANNED, tick=False) as traveller:
        meeting = make_meeting(cast.alliance, cast.secretary, **fields)
        reminders_dispatch()
        assert mail.outbox == []
        traveller.move_to(MEETING_NOW)
        reminders_dispatch()
    sent = Delivery.objects.get(recipient=cast.member, status=Delivery.Status.SENT)
    assert sent.slot.startswith("7d@")
    return meeting, _only_mail_to(cast.member)


def _action_reminder(cast, **fields):
    """The member's "due soon" reminder of an action with these fields, as sent."""
    with time_machine.travel(ACTION_NOW, tick=False):
        plan = make_plan(cast.alliance, cast.coordinator)
        action = make_action(
            plan,
            cast.coordinator,
            due_date=ACTION_DUE,
            responsible_member=cast.membership(cast.member),
            **fields,
        )
        reminders_dispatch()
    return action, _only_mail_to(cast.member)


def _rename_alliance(cast, name: str) -> None:
    cast.alliance.name = name
    cast.alliance.save(update_fields=["name"])


# Script is escaped ---------------------------------------------------------------------------


def test_script_in_a_meeting_title_is_escaped_in_the_html_mail(cast):
    _, message = _meeting_reminder(cast, title=f"Plenary {SCRIPT}")

    html = _html(message)
    assert SCRIPT not in html
    assert escape(SCRIPT) in html
    # The plain text part and the subject carry the title as typed: neither is HTML.
    assert SCRIPT in message.body
    assert message.subject.endswith(f"Plenary {SCRIPT}")


def test_script_in_an_action_title_is_escaped_in_the_html_mail(cast):
    _, message = _action_reminder(cast, title=f"Train {SCRIPT}")

    html = _html(message)
    assert SCRIPT not in html
    assert escape(SCRIPT) in html
    assert SCRIPT in message.body


def test_script_in_the_alliance_name_is_escaped_in_the_html_mail(cast):
    _rename_alliance(cast, f"Kronoberg {SCRIPT}")

    _, message = _meeting_reminder(cast)

    html = _html(message)
    assert SCRIPT not in html
    assert escape(SCRIPT) in html


def test_script_in_the_alliance_name_is_escaped_on_the_reminders_page(cast):
    _rename_alliance(cast, f"Kronoberg {SCRIPT}")

    response = client_for(cast.chair).get(reverse("reminders:alliance", args=[cast.alliance.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert SCRIPT not in page
    assert f"Reminders of Kronoberg {escape(SCRIPT)}" in page


def test_script_in_an_error_or_a_name_is_escaped_on_the_reminders_page(cast):
    cast.member.first_name = SCRIPT
    cast.member.save(update_fields=["first_name"])
    Delivery.objects.create(
        alliance=cast.alliance,
        recipient=cast.member,
        kind=ReminderKind.MEETING_UPCOMING,
        object_id=1,
        slot="7d@x",
        due_at=MEETING_NOW,
        status=Delivery.Status.FAILED,
        attempts=5,
        last_error=f"SMTPDataError: {SCRIPT}",
    )

    page = (
        client_for(cast.chair)
        .get(reverse("reminders:alliance", args=[cast.alliance.pk]) + "?status=failed")
        .content.decode()
    )

    assert SCRIPT not in page
    assert f"SMTPDataError: {escape(SCRIPT)}" in page


def test_script_in_the_alliance_name_is_escaped_on_the_detail_page_warning(cast):
    _rename_alliance(cast, SCRIPT)
    Delivery.objects.create(
        alliance=cast.alliance,
        recipient=cast.member,
        kind=ReminderKind.MEETING_UPCOMING,
        object_id=1,
        slot="7d@x",
        due_at=MEETING_NOW,
        status=Delivery.Status.FAILED,
    )

    page = (
        client_for(cast.chair)
        .get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
        .content.decode()
    )

    assert 'data-testid="failed-reminders"' in page
    assert SCRIPT not in page


# Line breaks never reach a header --------------------------------------------------------------

INJECTION = "Plenary\r\nBcc: attacker@example.org\nX-Evil: 1"


def _headers_are_single_lines(message) -> None:
    raw = message.message()
    subject = str(make_header(decode_header(raw["Subject"])))
    assert "\n" not in subject and "\r" not in subject
    # Folded lines of a long encoded subject start with a space; no line starts a new header.
    head = raw.as_bytes().split(b"\n\n", 1)[0]
    assert not re.search(rb"^(bcc|x-evil):", head, re.MULTILINE | re.IGNORECASE)
    assert raw["Bcc"] is None and raw["X-Evil"] is None
    assert message.recipients() == message.to


def test_a_meeting_title_with_line_breaks_does_not_break_the_subject(cast):
    meeting, message = _meeting_reminder(cast, title=INJECTION)

    _headers_are_single_lines(message)
    assert message.subject == (
        "Reminder: Kronoberg Alliance: Plenary Bcc: attacker@example.org X-Evil: 1"
    )
    delivery = Delivery.objects.get(recipient=cast.member, object_id=meeting.pk, status="sent")
    assert delivery.last_error == ""


def test_an_action_title_with_line_breaks_does_not_break_the_subject(cast):
    _, message = _action_reminder(cast, title=INJECTION)

    _headers_are_single_lines(message)
    assert "Plenary Bcc: attacker@example.org X-Evil: 1" in message.subject


def test_an_alliance_name_with_line_breaks_does_not_break_the_subject(cast):
    _rename_alliance(cast, "Kronoberg\nBcc: attacker@example.org")

    _, message = _meeting_reminder(cast)

    _headers_are_single_lines(message)
    assert message.subject.startswith("Reminder: Kronoberg Bcc: attacker@example.org:")


# Odd form values -------------------------------------------------------------------------------

SETTINGS_FIELDS = [name for name in SCHEDULE if name != "send"]


ODD_VALUES = ["\x00", "7\x001", "x" * 6000, "1e400", "NaN", "0x10", "7;1", "1" * 30]


@pytest.mark.parametrize("field", [*SETTINGS_FIELDS, "send"])
def test_odd_schedule_values_answer_400_and_save_nothing(cast, field):
    client = client_for(cast.chair)
    url = reverse("reminders:settings", args=[cast.alliance.pk])

    for value in ODD_VALUES:
        response = client.post(url, {**SCHEDULE, field: value})
        assert response.status_code == 400, repr(value)
        assert f'id="id_{field}_error"' in response.content.decode(), repr(value)
    assert not ReminderSettings.objects.filter(alliance=cast.alliance).exists()


def test_a_missing_schedule_field_answers_400(cast):
    data = {key: value for key, value in SCHEDULE.items() if key != "send_hour"}

    response = client_for(cast.chair).post(
        reverse("reminders:settings", args=[cast.alliance.pk]), data
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ReminderSettings.objects.filter(alliance=cast.alliance).exists()


@pytest.mark.parametrize("value", ["\x00", "meeting_upcoming\x00", "x" * 6000, SCRIPT])
def test_odd_preference_values_are_refused_without_a_500(cast, value):
    response = client_for(cast.member).post(
        reverse("reminders:preferences"), {"receive": ["meeting_upcoming", value]}
    )

    answered_safely(response, "preferences", 400)
    page = page_text(response)
    assert "Select a valid choice." in page
    assert SCRIPT not in page
    assert not ReminderOptOut.objects.filter(user=cast.member).exists()


def test_a_nul_byte_in_the_stop_form_body_still_only_stops_the_kind(cast):
    url = reverse(
        "reminders:stop",
        args=[stop_token(user_id=cast.member.pk, kind=ReminderKind.MEETING_UPCOMING)],
    )

    response = Client().post(url, {"List-Unsubscribe": "One-Click\x00", "kind": "action_due"})

    assert response.status_code == 200
    assert list(ReminderOptOut.objects.values_list("user", "kind")) == [
        (cast.member.pk, ReminderKind.MEETING_UPCOMING)
    ]


# Odd stop links --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "x" * 10_000,
        "." + "x" * 9_999,
        "a" * 5_000 + ":" + "b" * 4_999,
        "%00",
        "x%00y",
        "%E2%80%AE",
        "%3Cscript%3E",
        "..%2F..%2Fadmin",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_odd_stop_tokens_answer_404(cast, token, method):
    response = getattr(Client(), method)(f"/reminders/stop/{token}/")

    assert response.status_code == 404
    assert "<script>" not in response.content.decode()
    assert not ReminderOptOut.objects.exists()


def test_a_very_long_token_on_undo_answers_404(cast):
    ReminderOptOut.objects.create(user=cast.member, kind=ReminderKind.MEETING_UPCOMING)

    response = Client().post(f"/reminders/stop/{'x' * 10_000}/undo/")

    assert response.status_code == 404
    assert ReminderOptOut.objects.filter(user=cast.member).exists()


def test_a_real_token_with_extra_characters_answers_404(cast):
    token = stop_token(user_id=cast.member.pk, kind=ReminderKind.MEETING_UPCOMING)

    for changed in (token + "x", "x" + token, token[:-1], token.replace(":", ".", 1)):
        assert Client().post(f"/reminders/stop/{changed}/").status_code == 404
    assert not ReminderOptOut.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/{alliance}/reminders/99999999999999999999999/retry/",
        "/alliances/99999999999999999999999/reminders/",
        "/alliances/{other}/reminders/",
        "/alliances/{other}/reminders/retry-failed/",
        "/alliances/{other}/reminders/schedule/",
    ],
)
def test_hostile_ids_in_reminder_urls_are_404(cast, path):
    url = path.format(alliance=cast.alliance.pk, other=cast.other_alliance.pk)
    client = client_for(cast.chair)

    response = client.post(url, SCHEDULE)

    if path == "/alliances/{other}/reminders/":
        # The reminders page only shows: it refuses a POST before any lookup, and its GET is 404.
        assert response.status_code == 405
        assert client.get(url).status_code == 404
    else:
        assert response.status_code == 404
    assert not ReminderSettings.objects.exists()
