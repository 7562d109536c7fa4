"""Reminders keep one mail session open per worker thread: fewer sessions, never a lost or
doubled mail because of it."""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from reminders import emails


class SessionBackend(BaseEmailBackend):
    """Counts the sessions opened and the mails taken; hangs up once when told to."""

    opened = 0
    taken: list[str] = []
    hang_up_next = False

    def open(self):
        type(self).opened += 1
        return True

    def close(self):
        pass

    def send_messages(self, messages) -> int:
        cls = type(self)
        if cls.hang_up_next:
            cls.hang_up_next = False
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        cls.taken.extend(message.subject for message in messages)
        return len(messages)


@pytest.fixture(autouse=True)
def sessions():
    SessionBackend.opened, SessionBackend.taken, SessionBackend.hang_up_next = 0, [], False
    emails._close_kept()
    with override_settings(EMAIL_BACKEND=f"{__name__}.SessionBackend"):
        yield SessionBackend
    emails._close_kept()


def _mail(subject: str) -> EmailMessage:
    return EmailMessage(subject, "Body", "portal@example.org", ["member@example.org"])


def test_mails_in_a_row_share_one_session(sessions):
    for number in range(3):
        emails.send_on_kept_connection(_mail(f"Mail {number}"))

    assert sessions.opened == 1
    assert sessions.taken == ["Mail 0", "Mail 1", "Mail 2"]


def test_a_session_the_server_closed_is_opened_again_and_the_mail_sent_once(sessions):
    emails.send_on_kept_connection(_mail("First"))
    sessions.hang_up_next = True

    emails.send_on_kept_connection(_mail("Second"))

    assert sessions.opened == 2
    assert sessions.taken == ["First", "Second"]


def test_a_new_session_that_fails_raises_and_the_next_mail_starts_anew(sessions):
    sessions.hang_up_next = True

    with pytest.raises(smtplib.SMTPServerDisconnected):
        emails.send_on_kept_connection(_mail("Refused"))
    emails.send_on_kept_connection(_mail("Next"))

    assert sessions.opened == 2
    assert sessions.taken == ["Next"]


def test_an_idle_session_is_not_trusted(sessions, monkeypatch):
    emails.send_on_kept_connection(_mail("Before"))
    later = emails.time.monotonic() + emails.KEEP_CONNECTION_SECONDS + 1
    monkeypatch.setattr(emails.time, "monotonic", lambda: later)

    emails.send_on_kept_connection(_mail("After a pause"))

    assert sessions.opened == 2
    assert sessions.taken == ["Before", "After a pause"]


def test_changed_mail_settings_open_a_new_session(sessions):
    emails.send_on_kept_connection(_mail("Old server"))

    with override_settings(EMAIL_HOST="mail.example.org"):
        emails.send_on_kept_connection(_mail("New server"))

    assert sessions.opened == 2
    assert sessions.taken == ["Old server", "New server"]
