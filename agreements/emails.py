"""Mails about the commitment agreement, in the signer's language."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from alliances.emails import site_url

from .models import Signature
from .selectors import earlier_signature
from .tokens import signing_link_token


def _send(signature: Signature, template: str, context: dict) -> None:
    signer = signature.membership.user
    with translation.override(signer.preferred_language):
        context = {
            "signature": signature,
            "version": signature.version,
            "alliance": signature.version.agreement.alliance,
            "signer": signer,
            **context,
        }
        subject = render_to_string(f"agreements/email/{template}_subject.txt", context).strip()
        text = render_to_string(f"agreements/email/{template}.txt", context)
        html = render_to_string(f"agreements/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[signer.email])
    message.attach_alternative(html, "text/html")
    message.send()


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
