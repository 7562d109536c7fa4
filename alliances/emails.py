"""Mails sent by the alliances app, rendered in the recipient's language."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alliance_portal.client_address import client_ip
from alliance_portal.mail import mail_message, site_url

from .models import Invitation
from .tokens import invitation_token


def invitation_email_send(*, invitation: Invitation) -> None:
    existing = get_user_model().objects.filter(email=invitation.email).first()
    # Someone with an account reads their own saved language; anyone else the invitation's.
    language = existing.preferred_language if existing else invitation.guest_language
    context = {
        "invitation": invitation,
        "alliance": invitation.alliance,
        "accept_url": site_url(reverse("invitation_accept", args=[invitation_token(invitation)])),
    }
    mail_message(
        to=invitation.email,
        language=language,
        time_zone=invitation.alliance.timezone,
        template="alliances/email/invitation",
        context=context,
    ).send()


def send_new_device_mail(*, user, request) -> None:
    """Someone logged in to an account that has a second factor from a browser it has not used:
    the account holder hears of it, with where to end that session."""
    mail_message(
        to=user.email,
        language=user.preferred_language,
        template="alliances/email/new_device",
        context={
            "user": user,
            "when": timezone.now(),
            "browser": (request.META.get("HTTP_USER_AGENT") or "")[:200],
            "address": client_ip(request) or "",
            "sessions_url": site_url(reverse("usersessions_list")),
        },
    ).send()


# What each kind of second factor is called in the mail's sentence.
SECOND_FACTOR_KINDS = {
    "totp": gettext_lazy("an authenticator app"),
    "webauthn": gettext_lazy("a passkey or security key"),
    "recovery_codes": gettext_lazy("recovery codes"),
}


def send_second_factor_changed_mail(*, user, change: str, kind: str) -> None:
    """A second factor was added, removed or its recovery codes made anew: the account holder
    hears of it in their own language, in case it was not them."""
    mail_message(
        to=user.email,
        language=user.preferred_language,
        template="alliances/email/second_factor_changed",
        context={
            "user": user,
            "change": change,
            "kind_label": SECOND_FACTOR_KINDS.get(kind, kind),
            "when": timezone.now(),
            "security_url": site_url(reverse("mfa_index")),
        },
    ).send()
