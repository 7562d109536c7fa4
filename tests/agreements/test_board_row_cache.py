"""The status board's rows come from the fragment cache, and whatever a row shows changes at once:
a signature, a member's name, the reader's rights, the language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agreements import services
from alliances.services import user_set_language

from ..conftest import client_for
from ..factories import make_published_agreement
from .conftest import FACTS, sign_as

pytestmark = pytest.mark.django_db


def _board(client, alliance_id: int) -> str:
    response = client.get(reverse("agreements:board", args=[alliance_id, 1]))
    assert response.status_code == 200
    return response.content.decode()


def _row_of(page: str, user) -> str:
    for row in re.findall(r'<tr data-testid="board-row">.*?</tr>', page, re.S):
        if str(user) in row:
            return row
    raise AssertionError(f"no row for {user}")


@pytest.fixture
def version(cast):
    return make_published_agreement(cast.alliance, cast.coordinator)


def test_a_signature_given_after_the_board_was_shown_shows_at_once(cast, version):
    coordinator = client_for(cast.coordinator)
    assert "Not signed yet" in _row_of(_board(coordinator, cast.alliance.pk), cast.member)

    sign_as(cast, version, cast.member)

    row = _row_of(_board(coordinator, cast.alliance.pk), cast.member)
    assert "Signed" in row
    assert "Not signed yet" not in row


def test_a_declined_answer_with_its_reason_shows_at_once(cast, version):
    coordinator = client_for(cast.coordinator)
    _board(coordinator, cast.alliance.pk)
    signature = services.signature_for_member(
        version=version, membership=cast.membership(cast.secretary)
    )

    services.signature_decline(signature=signature, facts=FACTS, reason="Our board meets in May.")

    row = _row_of(_board(coordinator, cast.alliance.pk), cast.secretary)
    assert "Declined" in row
    assert "Our board meets in May." in row


def test_a_new_name_shows_at_once(cast, version):
    coordinator = client_for(cast.coordinator)
    _board(coordinator, cast.alliance.pk)

    cast.member.first_name, cast.member.last_name = "Yusuf", "Andersson-Karimi"
    cast.member.save(update_fields=["first_name", "last_name"])

    assert "Yusuf Andersson-Karimi" in _board(coordinator, cast.alliance.pk)


def test_the_reader_s_rights_are_part_of_each_row(cast):
    countersigned = make_published_agreement(cast.alliance, cast.coordinator, countersignature=True)
    sign_as(cast, countersigned, cast.member)
    coordinator_page = _board(client_for(cast.coordinator), cast.alliance.pk)
    assert "Countersign" not in _row_of(coordinator_page, cast.member)

    chair_page = _board(client_for(cast.chair), cast.alliance.pk)
    assert "Countersign" in _row_of(chair_page, cast.member)


def test_the_reader_s_language_is_part_of_each_row(cast, version):
    services.signature_for_member(version=version, membership=cast.membership(cast.member))
    coordinator_page = _board(client_for(cast.coordinator), cast.alliance.pk)
    assert "Send the invitation" in _row_of(coordinator_page, cast.member)

    user_set_language(user=cast.coordinator, language="sv")
    swedish = _row_of(_board(client_for(cast.coordinator), cast.alliance.pk), cast.member)
    assert "Send the invitation" not in swedish
    assert "Skicka inbjudan" in swedish


def test_the_rows_invitation_buttons_submit_the_page_s_one_form_with_its_token(cast, version):
    signature = services.signature_for_member(
        version=version, membership=cast.membership(cast.member)
    )
    page = _board(client_for(cast.coordinator), cast.alliance.pk)
    form = re.search(r'<form id="board-invite" method="post" hidden>(.*?)</form>', page, re.S)
    assert form and "csrfmiddlewaretoken" in form.group(1)
    row = _row_of(page, cast.member)
    assert "csrfmiddlewaretoken" not in row
    invite = reverse("agreements:signature_invite", args=[cast.alliance.pk, signature.pk])
    assert f'form="board-invite" formaction="{invite}"' in row
