"""Signed invitation links: the URL carries the invitation's key, signed and time-stamped."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from .models import Invitation

_SALT = "alliances.invitation"


class InvalidInvitationLink(Exception):
    """The link was altered or is not an invitation link."""


class ExpiredInvitationLink(Exception):
    """The link's signature is older than INVITATION_MAX_AGE_DAYS."""


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(invitation.key.hex)


def invitation_from_token(token: str) -> Invitation:
    """Raises InvalidInvitationLink, ExpiredInvitationLink or Invitation.DoesNotExist."""
    signer = signing.TimestampSigner(salt=_SALT)
    max_age = settings.INVITATION_MAX_AGE_DAYS * 24 * 60 * 60
    try:
        key = signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredInvitationLink from exc
    except signing.BadSignature as exc:
        raise InvalidInvitationLink from exc
    return Invitation.objects.select_related("alliance", "invited_by").get(key=key)
