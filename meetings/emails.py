"""Mails about meetings, rendered in the recipient's language, with the meeting as .ics."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from alliances.emails import site_url

from . import selectors
from .calendar import meeting_ics_bytes
from .models import Participant


def _language(participant: Participant) -> str:
    # A guest has no account: they get the language of whoever planned the meeting.
    person = participant.user or participant.meeting.created_by
    return person.preferred_language if person else translation.get_language()


def meeting_notification_send(*, participant: Participant) -> None:
    meeting = participant.meeting
    with translation.override(_language(participant)):
        context = {
            **selectors.agenda_context(meeting),
            "participant": participant,
            "answer_url": site_url(
                reverse("meetings:answer_by_link", args=[participant.response_key])
            ),
            "meeting_url": site_url(
                reverse("meetings:detail", args=[meeting.alliance_id, meeting.pk])
            ),
        }
        subject = render_to_string("meetings/email/agenda_subject.txt", context).strip()
        text = render_to_string("meetings/email/agenda.txt", context)
        html = render_to_string("meetings/email/agenda.html", context)
    message = EmailMultiAlternatives(subject, text, to=[participant.email])
    message.attach_alternative(html, "text/html")
    message.attach(f"meeting-{meeting.number}.ics", meeting_ics_bytes(meeting), "text/calendar")
    message.send()
