"""Mails about the commitment agreement, in the signer's language."""

from __future__ import annotations

from django.urls import reverse

from alliance_portal.mail import mail_message, site_url

from .models import Signature
from .selectors import earlier_signature
from .tokens import signing_link_token


def _send(signature: Signature, template: str, context: dict) -> None:
    signer = signature.membership.user
    alliance = signature.version.agreement.alliance
    mail_message(
        to=signer.email,
        language=signer.preferred_language,
        time_zone=alliance.timezone,
        template=f"agreements/email/{template}",
        context={
            "signature": signature,
            "version": signature.version,
            "alliance": alliance,
            "signer": signer,
            **context,
        },
    ).send()


def signing_invitation_email_send(*, signature: Signature) -> None:
    """The invitation to sign, or to sign again when an earlier version was signed."""
    version = signature.version
    _send(
        signature,
        "signing_invitation",
        {
            "sign_url": site_url(reverse("signing:sign", args=[signing_link_token(signature)])),
            "earlier": earlier_signature(version.agreement, signature.membership),
        },
    )


def signing_code_email_send(*, signature: Signature, code: str) -> None:
    _send(signature, "signing_code", {"code": code})
