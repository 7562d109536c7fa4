"""Mails about meetings, rendered in the recipient's language, with the meeting as .ics."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from alliance_portal.mail import Attachment, mail_message, site_url

from . import selectors
from .calendar import meeting_ics_bytes
from .models import Meeting, Participant


def _language(participant: Participant) -> str:
    # A guest has no account: they get the language of whoever planned the meeting.
    person = participant.user or participant.meeting.created_by
    return person.preferred_language if person else translation.get_language()


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
        language=_language(participant),
        template="meetings/email/agenda",
        context=context,
        attachments=[meeting_ics_attachment(meeting)],
    ).send()
