"""Mails about meetings, rendered in the recipient's language, with the meeting as .ics."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from alliance_portal.mail import Attachment, mail_message, site_url

from . import selectors
from .calendar import meeting_ics_bytes
from .models import Meeting, Participant


def mail_language(participant: Participant) -> str:
    """The language of every mail to this invitee, the one place that decides it.

    A member reads their own saved language. A guest has no account to save one: they read the
    language chosen when they were invited, else the alliance's main language, else that of
    whoever planned the meeting (who sends its mails).
    """
    if participant.user is not None:
        return participant.user.preferred_language
    if participant.language:
        return participant.language
    meeting = participant.meeting
    if meeting.alliance.language:
        return meeting.alliance.language
    sender = meeting.created_by
    return sender.preferred_language if sender else translation.get_language()


def meeting_ics_attachment(meeting: Meeting) -> Attachment:
    return Attachment(f"meeting-{meeting.number}.ics", meeting_ics_bytes(meeting), "text/calendar")


def meeting_notification_send(*, participant: Participant) -> None:
    meeting = participant.meeting
    context = {
        **selectors.agenda_context(meeting),
        "participant": participant,
        "answer_url": site_url(reverse("meetings:answer_by_link", args=[participant.response_key])),
        "meeting_url": site_url(reverse("meetings:detail", args=[meeting.alliance_id, meeting.pk])),
    }
    mail_message(
        to=participant.email,
        language=mail_language(participant),
        time_zone=meeting.alliance.timezone,
        template="meetings/email/agenda",
        context=context,
        attachments=[meeting_ics_attachment(meeting)],
    ).send()
