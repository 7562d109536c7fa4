"""The portal's mails: subject, text and HTML rendered in the recipient's language from one
template name, with the headers and attachments the sender gives."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def site_url(path: str) -> str:
    """The absolute address of a portal path, for links read outside the portal."""
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_headers(stop_url: str) -> dict[str, str]:
    """RFC 8058: mail clients offer their own "unsubscribe" button, which posts to the link."""
    return {
        "List-Unsubscribe": f"<{stop_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def mail_message(
    *,
    to: str,
    language: str | None,
    time_zone: str | None = None,
    template: str,
    context: Mapping[str, Any],
    subject: Callable[[], str] | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Iterable[Attachment] = (),
) -> EmailMultiAlternatives:
    """The mail to one recipient, rendered from `<template>.txt` and `<template>.html`.

    The subject is `<template>_subject.txt`, or what `subject` returns when given; either is
    made in `language`, like the bodies. Dates and times print in `time_zone` (the alliance's:
    the server's own zone may be another country's), else in the server's.
    """
    with (
        translation.override(language),
        timezone.override(time_zone or timezone.get_default_timezone()),
    ):
        # No request renders a mail, so no context processor names the language.
        context = {"LANGUAGE_CODE": translation.get_language(), **context}
        if subject is None:
            subject_line = render_to_string(f"{template}_subject.txt", context).strip()
        else:
            subject_line = subject()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject_line, text, to=[to], headers=dict(headers or {}))
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message
