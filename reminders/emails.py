"""A reminder as a mail: HTML and text in the recipient's language, a link back to what it is
about, a link that switches the kind off, and for meetings the meeting as .ics."""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import models
from django.urls import reverse

from alliance_portal.mail import mail_message, site_url, unsubscribe_headers
from meetings.emails import meeting_ics_attachment

from .kinds import KindSpec
from .models import Delivery, ReminderKind
from .tokens import stop_token

logger = logging.getLogger(__name__)

# A worker sends reminders by the thousand, and a new SMTP session for each (connect, greeting,
# EHLO, QUIT) costs more than the mail: each thread keeps its connection open between mails.
# One idle longer than this is opened anew rather than trusted, since servers hang up on idle
# clients.
KEEP_CONNECTION_SECONDS = 30
_kept = threading.local()


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
    context = {
        **spec.context(obj, delivery),
        "delivery": delivery,
        "recipient": recipient,
        "alliance": delivery.alliance,
        "kind_label": ReminderKind(delivery.kind).label,
        "link": spec.link(obj),
        "stop_url": stop_url,
        "preferences_url": site_url(reverse("reminders:preferences")),
    }
    headers = {"Message-ID": message_id(delivery), "Auto-Submitted": "auto-generated"}
    if stop_url:
        headers |= unsubscribe_headers(stop_url)
    attachments = []
    if spec.attach_meeting is not None:
        attachments.append(meeting_ics_attachment(spec.attach_meeting(obj)))
    return mail_message(
        to=recipient.email,
        language=recipient.preferred_language,
        time_zone=delivery.alliance.timezone,
        template=f"reminders/email/{delivery.kind}",
        context=context,
        subject=lambda: _one_line(spec.subject(obj)),
        headers=headers,
        attachments=attachments,
    )


def _mail_settings() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
    )


def _close_kept() -> None:
    connection, _kept.connection = getattr(_kept, "connection", None), None
    if connection is None:
        return
    try:
        connection.close()
    except Exception as exc:  # already failing or idle: a failed goodbye changes nothing
        logger.info("Closing the kept mail connection failed: %s", exc)


def _kept_connection():
    """(connection, reused): this thread's open connection, or a new one when there is none,
    the mail settings changed or it was idle too long."""
    connection = getattr(_kept, "connection", None)
    if connection is not None and (
        _kept.settings != _mail_settings()
        or time.monotonic() - _kept.used > KEEP_CONNECTION_SECONDS
    ):
        _close_kept()
        connection = None
    if connection is not None:
        return connection, True
    connection = get_connection()
    connection.open()
    _kept.connection, _kept.settings, _kept.used = connection, _mail_settings(), time.monotonic()
    return connection, False


def send_on_kept_connection(message: EmailMessage) -> None:
    """Sends the message on this thread's kept connection. Raises as message.send() does; a
    failure closes the connection, so the next attempt starts on a new one."""
    connection, reused = _kept_connection()
    try:
        try:
            connection.send_messages([message])
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            if not reused:
                raise
            # The server hung up on the kept session since its last mail (a limit of mails per
            # session, a restart), which is not this mail's failure: once more on a new session.
            # Should the server have taken it after all, the copy has the same Message-ID.
            _close_kept()
            connection, _ = _kept_connection()
            connection.send_messages([message])
    except BaseException:
        _close_kept()
        raise
    _kept.used = time.monotonic()
