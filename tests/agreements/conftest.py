"""Agreements in the states tests start from: a draft, a published version, a signature."""

from __future__ import annotations

import pytest

from agreements.models import Signature
from agreements.selectors import displayed_text

from ..factories import (
    SIGNING_FACTS,
    make_published_agreement,
    publish_agreement,
    sign_agreement,
    start_agreement,
)

# Where every signing in these tests comes from, as the signing evidence records it.
FACTS = SIGNING_FACTS


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
    """`user`'s signature on the version, with the answers of sign_details."""
    return sign_agreement(
        version, cast.membership(user), identity=identity, **sign_details(version, **overrides)
    )


@pytest.fixture
def agreement(cast):
    """A draft started by the coordinator from the guide's text."""
    return start_agreement(cast.alliance, cast.coordinator)


@pytest.fixture
def version(cast, agreement):
    """Version 1, published without inviting anyone."""
    return publish_agreement(agreement, cast.coordinator)


@pytest.fixture
def countersigned_version(cast):
    """Version 1 of an agreement the chair countersigns."""
    return make_published_agreement(cast.alliance, cast.coordinator, countersignature=True)


@pytest.fixture
def signed(cast, version):
    """The member's signature on version 1."""
    return sign_as(cast, version, cast.member)
