"""Agreements in the states tests start from: a draft, a published version, a signature."""

from __future__ import annotations

import pytest

from agreements import services
from agreements.models import Signature
from agreements.selectors import displayed_text
from agreements.services import RequestFacts

FACTS = RequestFacts(ip_address="198.51.100.7", user_agent="Mozilla/5.0 (X11; Linux) Test/1.0")


def start_agreement(cast, *, countersignature=False):
    agreement = services.agreement_start(
        alliance=cast.alliance, actor=cast.coordinator, language="en"
    )
    if countersignature:
        services.agreement_update(
            agreement=agreement, actor=cast.coordinator, countersignature=True
        )
    return agreement


def publish(agreement, actor, *, invite=False):
    return services.agreement_publish(
        agreement=agreement, actor=actor, shown_sha256=agreement.sha256, invite=invite
    )


def sign_details(version, *, language="", **overrides) -> dict:
    """Everything a valid signing form posts, for the text shown in `language`."""
    text = displayed_text(version, language)
    return {
        "typed_name": "Maria Example",
        "organisation": "Växjö municipality",
        "personal_member": False,
        "contact": "maria@example.org",
        "consent": True,
        "language": text.language,
        "shown_sha256": text.sha256,
        **overrides,
    }


def sign_as(cast, version, user, *, identity=Signature.Identity.LOGIN, **overrides) -> Signature:
    signature = services.signature_for_member(version=version, membership=cast.membership(user))
    return services.signature_sign(
        signature=signature,
        identity=identity,
        facts=FACTS,
        **sign_details(version, **overrides),
    )


@pytest.fixture
def agreement(cast):
    """A draft started by the coordinator from the guide's text."""
    return start_agreement(cast)


@pytest.fixture
def version(cast, agreement):
    """Version 1, published without inviting anyone."""
    return publish(agreement, cast.coordinator)


@pytest.fixture
def countersigned_version(cast):
    """Version 1 of an agreement the chair countersigns."""
    return publish(start_agreement(cast, countersignature=True), cast.coordinator)


@pytest.fixture
def signed(cast, version):
    """The member's signature on version 1."""
    return sign_as(cast, version, cast.member)
