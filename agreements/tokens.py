"""Signed links to a signature request: the URL names the request and its current nonce, signed
and time-stamped, so a link cannot be guessed, altered, reused after signing or used after
AGREEMENT_LINK_MAX_AGE_DAYS."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from .models import Signature

_SALT = "alliances.agreement.signing-link"


class InvalidSigningLink(Exception):
    """The link was altered, cut short, or names no signature request."""


class ExpiredSigningLink(Exception):
    """The link's signature is older than AGREEMENT_LINK_MAX_AGE_DAYS."""


def signing_link_token(signature: Signature) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(
        f"{signature.public_id.hex}.{signature.link_nonce}"
    )


def signature_from_token(token: str) -> tuple[Signature, str]:
    """The signature request and the nonce the link carries; raises InvalidSigningLink or
    ExpiredSigningLink. Whether the nonce is still the current one is for the caller to say."""
    max_age = settings.AGREEMENT_LINK_MAX_AGE_DAYS * 24 * 60 * 60
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredSigningLink from exc
    except signing.BadSignature as exc:
        raise InvalidSigningLink from exc
    public_id, _dot, nonce = value.partition(".")
    signature = (
        Signature.objects.select_related(
            "version__agreement__alliance", "membership__user", "membership__alliance"
        )
        .filter(public_id=public_id)
        .first()
    )
    if signature is None or not nonce:
        raise InvalidSigningLink
    return signature, nonce
