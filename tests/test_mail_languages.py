"""One mail of every kind the portal sends, for a recipient who reads each language other than
English: its subject and its text are the catalogue's, not the English ones, and its HTML part
names its language and direction (right to left in Arabic)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from agreements import services as agreement_services
from agreements.emails import signing_code_email_send, signing_invitation_email_send
from alliances.emails import invitation_email_send
from alliances.models import User
from meetings import services as meeting_services
from meetings.emails import meeting_notification_send
from reminders.emails import reminder_message
from reminders.kinds import SPECS
from reminders.models import ReminderKind

from .conftest import Cast
from .factories import (
    InvitationFactory,
    make_meeting,
    make_published_agreement,
    publish_agreement,
    sign_agreement,
    start_agreement,
)
from .reminders.test_sending import BUILDERS as REMINDER_DELIVERIES
from .reminders.test_sending import NOW

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]

MailIn = Callable[[str], EmailMultiAlternatives]


@pytest.fixture(autouse=True)
def frozen():
    """The moment the reminders' builders are written for: their meeting a week ahead."""
    with time_machine.travel(NOW, tick=False):
        yield


def reading(user: User, language: str) -> None:
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def sent(send: Callable[[], object]) -> EmailMultiAlternatives:
    """The one mail that `send` sends."""
    mail.outbox.clear()
    send()
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    return mail.outbox[0]


# Each kind of mail, made once; its `mail_in(language)` gives the mail as its recipient reads it
# when that is their language (their saved language, or the one chosen for an invitee).


def invitation(cast: Cast) -> MailIn:
    invited = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)

    def mail_in(language):
        invited.language = language
        invited.save(update_fields=["language"])
        return sent(lambda: invitation_email_send(invitation=invited))

    return mail_in


def password_reset(cast: Cast) -> MailIn:
    """Asked for from a browser that reads English: the mail is in the account's language."""

    def mail_in(language):
        reading(cast.member, language)
        url = reverse("password_reset")
        return sent(lambda: Client().post(url, {"email": cast.member.email}))

    return mail_in


def meeting_invitation(cast: Cast) -> MailIn:
    """The published agenda mailed to a guest, in the language chosen for them."""
    meeting = make_meeting(cast.alliance, cast.secretary)
    guest = meeting_services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Sanne de Vries", email="sanne@example.org"
    )

    def mail_in(language):
        guest.language = language
        guest.save(update_fields=["language"])
        return sent(lambda: meeting_notification_send(participant=guest))

    return mail_in


def _member_signature(cast: Cast, version):
    return agreement_services.signature_for_member(
        version=version, membership=cast.membership(cast.member)
    )


def signing_invitation(cast: Cast) -> MailIn:
    signature = _member_signature(cast, make_published_agreement(cast.alliance, cast.coordinator))

    def mail_in(language):
        reading(signature.membership.user, language)
        return sent(lambda: signing_invitation_email_send(signature=signature))

    return mail_in


def signing_invitation_again(cast: Cast) -> MailIn:
    """The invitation to sign a new version of an agreement the member signed before."""
    agreement = start_agreement(cast.alliance, cast.coordinator)
    first = publish_agreement(agreement, cast.coordinator)
    sign_agreement(first, cast.membership(cast.member))
    agreement_services.agreement_update(
        agreement=agreement, actor=cast.coordinator, title="Commitment agreement, revised"
    )
    signature = _member_signature(cast, publish_agreement(agreement, cast.coordinator))

    def mail_in(language):
        reading(signature.membership.user, language)
        return sent(lambda: signing_invitation_email_send(signature=signature))

    return mail_in


def signing_code(cast: Cast) -> MailIn:
    signature = _member_signature(cast, make_published_agreement(cast.alliance, cast.coordinator))

    def mail_in(language):
        reading(signature.membership.user, language)
        return sent(lambda: signing_code_email_send(signature=signature, code="482913"))

    return mail_in


def reminder(kind: ReminderKind) -> Callable[[Cast], MailIn]:
    """The reminder as the worker renders it for its delivery."""

    def build(cast: Cast) -> MailIn:
        delivery, _link = REMINDER_DELIVERIES[kind](cast)
        spec = SPECS[kind]
        about = spec.load(delivery.object_id)

        def mail_in(language):
            reading(delivery.recipient, language)
            return reminder_message(delivery=delivery, obj=about, spec=spec)

        return mail_in

    return build


# Per kind: how to make it, its subject's msgid, and a sentence of its text's. Placeholders
# (names, dates, numbers) are left out of the comparison; the words between them are compared.
KINDS: dict[str, tuple[Callable[[Cast], MailIn], str, str]] = {
    "invitation": (
        invitation,
        "Invitation to join %(alliance)s",
        "Open this link to accept:",
    ),
    "password_reset": (
        password_reset,
        "Reset your Alliance Portal password",
        "If you did not ask for this, ignore this mail: your password stays as it is.",
    ),
    "meeting_invitation": (
        meeting_invitation,
        "%(alliance)s: %(title)s on %(date)s, agenda",
        "Will you come? Answer yes, no or maybe here:",
    ),
    "signing_invitation": (
        signing_invitation,
        "Please sign the commitment agreement of %(alliance)s",
        "You are invited to read and sign version %(number)s of the commitment agreement of "
        "%(alliance)s.",
    ),
    "signing_invitation_again": (
        signing_invitation_again,
        "The commitment agreement of %(alliance)s has changed: please sign again",
        "You signed version %(old)s of the commitment agreement of %(alliance)s. The agreement "
        "has changed, and version %(number)s replaces it. Your earlier signature stays with the "
        "text you signed; please read the new version and sign it if you agree.",
    ),
    "signing_code": (
        signing_code,
        "Your one-time code to sign the agreement of %(alliance)s",
        "The code works for 10 minutes. If you did not ask for it, ignore this email: nothing "
        "is signed without it.",
    ),
    "reminder_meeting_upcoming": (
        reminder(ReminderKind.MEETING_UPCOMING),
        "Reminder: %(alliance)s: %(title)s",
        "The meeting is attached as a calendar file.",
    ),
    "reminder_agenda_published": (
        reminder(ReminderKind.AGENDA_PUBLISHED),
        "%(alliance)s: %(title)s on %(date)s, agenda",
        "You are invited to a meeting of %(alliance)s.",
    ),
    "reminder_minutes_circulated": (
        reminder(ReminderKind.MINUTES_CIRCULATED),
        "%(alliance)s: minutes of %(title)s for your comments",
        "The minutes of %(title)s on %(date)s are circulated for comments. Read them and "
        "comment on any item while they are open.",
    ),
    "reminder_minutes_approval": (
        reminder(ReminderKind.MINUTES_APPROVAL),
        "%(alliance)s: minutes of %(title)s await your approval",
        "The minutes of %(title)s on %(date)s were circulated on %(circulated)s and await your "
        "approval as chair.",
    ),
    "reminder_secretary_nudge": (
        reminder(ReminderKind.SECRETARY_NUDGE),
        "%(alliance)s: the minutes of %(title)s are not started",
        "The meeting %(title)s on %(date)s is over, and its minutes have not been started. "
        "Start them from the meeting page, so the members can read and comment on them.",
    ),
    "reminder_action_due": (
        reminder(ReminderKind.ACTION_DUE),
        "%(alliance)s: “%(title)s” is due on %(date)s",
        "The action “%(title)s” you answer for is due on %(date)s. It is %(status)s "
        "(%(progress)s per cent done). Report your progress in the portal.",
    ),
    "reminder_action_overdue": (
        reminder(ReminderKind.ACTION_OVERDUE),
        "%(alliance)s: “%(title)s” is overdue",
        "Report your progress, or mark it done, blocked or dropped: until then this reminder "
        "comes every week.",
    ),
    "reminder_agreement_unsigned": (
        reminder(ReminderKind.AGREEMENT_UNSIGNED),
        "%(alliance)s: the commitment agreement awaits your answer",
        "The commitment agreement of %(alliance)s (version %(number)s) still awaits your "
        "answer. Read it, then sign it or decline it.",
    ),
    "reminder_plan_signoff": (
        reminder(ReminderKind.PLAN_SIGNOFF),
        "%(alliance)s: the action plan awaits your sign-off",
        "Version %(number)s of the action plan “%(title)s” was submitted on %(date)s and awaits "
        "your sign-off. Review it, then approve it or return it with comments.",
    ),
    "reminder_sustainability_prompt": (
        reminder(ReminderKind.SUSTAINABILITY_PROMPT),
        "%(alliance)s: time to plan what happens after %(date)s",
        "The action plan “%(title)s” ends on %(date)s. The guide asks the alliance to agree a "
        "sustainability plan six months before the end: what continues, who carries it on, and "
        "how it is funded.",
    ),
}


def words_of(language: str, msgid: str) -> list[str]:
    """The catalogue's translation of `msgid`, as the pieces of words between its placeholders."""
    with translation.override(language):
        translated = gettext(msgid)
    assert translated != msgid, f"{msgid!r} has no {language} translation"
    pieces = (piece.strip() for piece in re.split(r"%\(\w+\)s", translated))
    return [piece for piece in pieces if any(char.isalpha() for char in piece)]


def opening_html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group()


def test_every_reminder_kind_is_covered():
    assert {f"reminder_{kind}" for kind in ReminderKind} <= set(KINDS)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_mail_is_written_in_the_recipients_language(cast, language, kind):
    build, subject_msgid, sentence_msgid = KINDS[kind]
    mail_in = build(cast)

    english = mail_in("en")
    message = mail_in(language)

    assert message.subject != english.subject
    assert message.body != english.body
    for piece in words_of(language, subject_msgid):
        assert piece in message.subject, (piece, message.subject)
    for piece in words_of(language, sentence_msgid):
        assert piece in message.body, (piece, message.body)
    html = message.alternatives[0][0]
    assert html != english.alternatives[0][0]
    direction = "rtl" if language == "ar" else "ltr"
    assert opening_html_tag(html) == f'<html lang="{language}" dir="{direction}">'
    # Clients that drop <html> keep the block the text is in, which repeats both.
    assert f'<div lang="{language}" dir="{direction}"' in html
    assert opening_html_tag(english.alternatives[0][0]) == '<html lang="en" dir="ltr">'


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_in_a_mail_are_written_the_recipients_way(cast, language):
    spec = SPECS[ReminderKind.ACTION_DUE]
    delivery, _link = REMINDER_DELIVERIES[spec.kind](cast)
    action = spec.load(delivery.object_id)
    reading(delivery.recipient, language)

    message = reminder_message(delivery=delivery, obj=action, spec=spec)

    with translation.override(language):
        due = date_format(action.due_date, "DATE_FORMAT")
    assert due != date_format(action.due_date, "DATE_FORMAT")
    assert due in message.subject
    assert due in message.body
