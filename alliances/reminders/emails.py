"""A reminder as a mail: HTML and text in the recipient's language, a link back to what it is
about, a link that switches the kind off, and for meetings the meeting as .ics."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ..emails import site_url
from .kinds import KindSpec
from .models import Delivery, ReminderKind
from .tokens import stop_token


def message_id(delivery: Delivery) -> str:
    """The same Message-ID for every attempt at one delivery, so a mail server or client that
    ever got two copies shows one."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{delivery.pk}@{domain}>"


def _one_line(text: str) -> str:
    # A title typed with a line break must not break the mail's Subject header.
    return " ".join(str(text).split())


def reminder_message(
    *, delivery: Delivery, obj: models.Model, spec: KindSpec
) -> EmailMultiAlternatives:
    recipient = delivery.recipient
    stop_url = ""
    if not spec.mandatory:
        token = stop_token(user_id=recipient.pk, kind=delivery.kind)
        stop_url = site_url(reverse("reminders:stop", args=[token]))
    with translation.override(recipient.preferred_language):
        context = {
            **spec.context(obj, delivery),
            "delivery": delivery,
            "recipient": recipient,
            "alliance": delivery.alliance,
            "kind_label": ReminderKind(delivery.kind).label,
            "link": spec.link(obj),
            "stop_url": stop_url,
            "preferences_url": site_url(reverse("reminders:preferences")),
            # No request renders these, so no context processor names the language.
            "LANGUAGE_CODE": translation.get_language(),
        }
        subject = _one_line(spec.subject(obj))
        text = render_to_string(f"reminders/email/{delivery.kind}.txt", context)
        html = render_to_string(f"reminders/email/{delivery.kind}.html", context)
    headers = {"Message-ID": message_id(delivery), "Auto-Submitted": "auto-generated"}
    if stop_url:
        # RFC 8058: mail clients offer their own "unsubscribe" button, which posts to the link.
        headers["List-Unsubscribe"] = f"<{stop_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(subject, text, to=[recipient.email], headers=headers)
    message.attach_alternative(html, "text/html")
    if spec.attach_meeting is not None:
        from meetings.calendar import meeting_ics_bytes

        meeting = spec.attach_meeting(obj)
        message.attach(f"meeting-{meeting.number}.ics", meeting_ics_bytes(meeting), "text/calendar")
    return message
