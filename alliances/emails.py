"""Mails sent by the alliances app, rendered in the recipient's language."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from alliance_portal.mail import mail_message, site_url

from .models import Invitation
from .tokens import invitation_token


def invitation_email_send(*, invitation: Invitation) -> None:
    existing = get_user_model().objects.filter(email=invitation.email).first()
    # Someone without an account yet gets the language of the person who invited them.
    language = (existing or invitation.invited_by).preferred_language
    context = {
        "invitation": invitation,
        "alliance": invitation.alliance,
        "accept_url": site_url(reverse("invitation_accept", args=[invitation_token(invitation)])),
    }
    mail_message(
        to=invitation.email,
        language=language,
        template="alliances/email/invitation",
        context=context,
    ).send()
