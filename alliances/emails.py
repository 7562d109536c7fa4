"""Mails sent by the alliances app, rendered in the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Invitation
from .tokens import invitation_token


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def invitation_email_send(*, invitation: Invitation) -> None:
    existing = get_user_model().objects.filter(email=invitation.email).first()
    # Someone without an account yet gets the language of the person who invited them.
    language = (existing or invitation.invited_by).preferred_language
    with translation.override(language):
        context = {
            "invitation": invitation,
            "alliance": invitation.alliance,
            "accept_url": site_url(
                reverse("invitation_accept", args=[invitation_token(invitation)])
            ),
        }
        subject = render_to_string("alliances/email/invitation_subject.txt", context).strip()
        text = render_to_string("alliances/email/invitation.txt", context)
        html = render_to_string("alliances/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
