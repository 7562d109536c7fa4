"""The agreement's status board in pages: 50 members a page, a search by name or organisation, a
filter by answer, counts of the whole board, and a number of queries that does not grow with the
alliance."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from agreements import services
from agreements.views import BOARD_PAGE_SIZE

from ..conftest import client_for
from ..factories import MembershipFactory, OrganisationFactory, make_published_agreement
from ..test_query_counts import CEILINGS
from .conftest import FACTS, sign_as

# The cast's chair, secretary, coordinator and member hold seats; the observer holds none.
CAST_SEATS = 4


def board_url(alliance_id: int, number: int = 1) -> str:
    return reverse("agreements:board", args=[alliance_id, number])


def add_members(cast, count: int, *, start: int = 0) -> list:
    """`count` members with a seat, named Zed00, Zed01, … of organisations numbered alike."""
    return [
        MembershipFactory(
            alliance=cast.alliance,
            user__first_name=f"Zed{number:02}",
            user__last_name="Board",
            organisation_name=f"Member organisation {number:02}",
        )
        for number in range(start, start + count)
    ]


def answer_in_turn(cast, version, memberships) -> None:
    """The members answer in turn: signed and countersigned, declined, signed then withdrawn,
    and opened the agreement without answering."""
    for number, membership in enumerate(memberships):
        match number % 4:
            case 0:
                signature = sign_as(cast, version, membership.user)
                services.signature_countersign(
                    signature=signature, actor=cast.chair, typed_name="Chair", facts=FACTS
                )
            case 1:
                services.signature_decline(
                    signature=services.signature_for_member(version=version, membership=membership),
                    facts=FACTS,
                    reason="Not yet.",
                )
            case 2:
                services.signature_withdraw(
                    signature=sign_as(cast, version, membership.user), facts=FACTS, reason="Left."
                )
            case 3:
                services.signature_viewed(
                    signature=services.signature_for_member(version=version, membership=membership),
                    actor=membership.user,
                    facts=FACTS,
                )


def shown_rows(response) -> set:
    return {row.membership.user for row in response.context["board"].rows}


def row_count(response) -> int:
    return response.content.decode().count('data-testid="board-row"')


@pytest.fixture
def answered(cast, version):
    """Version 1 answered every way: the member signed, the secretary declined, Wendy signed and
    withdrew, the chair was asked and has not answered, the coordinator was never asked."""
    wendy = MembershipFactory(
        alliance=cast.alliance, user__first_name="Wendy", user__last_name="Withdrawn"
    ).user
    sign_as(cast, version, cast.member)
    services.signature_decline(
        signature=services.signature_for_member(
            version=version, membership=cast.membership(cast.secretary)
        ),
        facts=FACTS,
        reason="Too busy",
    )
    services.signature_withdraw(
        signature=sign_as(cast, version, wendy), facts=FACTS, reason="We left the project."
    )
    services.signature_invite(
        signature=services.signature_for_member(
            version=version, membership=cast.membership(cast.chair)
        ),
        actor=cast.coordinator,
    )
    return wendy


WHOLE_BOARD = ("Signed: 1", "Not signed yet: 2", "Declined: 1", "Withdrawn: 1")


# Pages ------------------------------------------------------------------------------------------


def test_sixty_members_fill_a_page_of_fifty_and_a_second_of_ten(cast, version):
    members = add_members(cast, 60 - CAST_SEATS)
    sign_as(cast, version, members[-1].user)
    coordinator = client_for(cast.coordinator)

    first = coordinator.get(board_url(cast.alliance.pk))
    second = coordinator.get(board_url(cast.alliance.pk), {"page": 2})

    assert BOARD_PAGE_SIZE == 50
    assert (first.status_code, second.status_code) == (200, 200)
    assert (row_count(first), row_count(second)) == (50, 10)
    assert shown_rows(first).isdisjoint(shown_rows(second))
    assert len(shown_rows(first) | shown_rows(second)) == 60
    assert "Page 1 of 2" in first.content.decode()
    assert "?page=2" in first.content.decode()
    for response in (first, second):
        for count in ("Signed: 1", "Not signed yet: 59", "Declined: 0", "Withdrawn: 0"):
            assert count in response.content.decode()
    # A row on the second page shows what it always showed: its answer, last event and evidence.
    signer = members[-1]
    signature = services.signature_for_member(version=version, membership=signer)
    page = second.content.decode()
    assert signer.user in shown_rows(second)
    assert reverse("agreements:signature", args=[cast.alliance.pk, signature.pk]) in page


def test_page_links_keep_the_filters(cast, version):
    add_members(cast, 60)
    coordinator = client_for(cast.coordinator)

    first = coordinator.get(board_url(cast.alliance.pk), {"q": "Board", "answer": "waiting"})
    second = coordinator.get(
        board_url(cast.alliance.pk), {"q": "Board", "answer": "waiting", "page": 2}
    )

    assert "?q=Board&amp;answer=waiting&amp;page=2" in first.content.decode()
    assert (row_count(first), row_count(second)) == (50, 10)
    assert 'data-testid="result-count">60 members<' in first.content.decode()
    assert not {cast.chair, cast.coordinator} & (shown_rows(first) | shown_rows(second))


# Search and answers -----------------------------------------------------------------------------


def test_the_counts_are_of_the_whole_board_while_filtered(cast, answered):
    response = client_for(cast.coordinator).get(
        board_url(cast.alliance.pk), {"q": cast.secretary.last_name, "answer": "declined"}
    )

    page = response.content.decode()
    assert shown_rows(response) == {cast.secretary}
    for count in WHOLE_BOARD:
        assert count in page
    assert 'data-testid="result-count">1 member<' in page
    assert "Too busy" in page


def test_search_finds_a_member_by_name(cast, version):
    add_members(cast, 12)

    response = client_for(cast.coordinator).get(board_url(cast.alliance.pk), {"q": "zed07"})

    assert [str(user) for user in shown_rows(response)] == ["Zed07 Board"]


def test_search_finds_a_member_by_organisation(cast, version):
    add_members(cast, 12)
    # Words, not numbers: a number could also be part of a member's address (person111@…).
    named = MembershipFactory(alliance=cast.alliance, organisation_name="Kalmar läns museum")
    registered = MembershipFactory(
        alliance=cast.alliance,
        organisation_name="",
        organisation=OrganisationFactory(name="Växjö Energi AB"),
    )
    coordinator = client_for(cast.coordinator)

    by_name = coordinator.get(board_url(cast.alliance.pk), {"q": "läns museum"})
    by_register = coordinator.get(board_url(cast.alliance.pk), {"q": "växjö energi"})

    assert shown_rows(by_name) == {named.user}
    assert shown_rows(by_register) == {registered.user}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("signed", {"member"}),
        ("declined", {"secretary"}),
        ("waiting", {"chair", "coordinator"}),
        ("withdrawn", {"wendy"}),
    ],
)
def test_each_answer_filters_the_board(cast, answered, answer, expected):
    people = {
        "member": cast.member,
        "secretary": cast.secretary,
        "chair": cast.chair,
        "coordinator": cast.coordinator,
        "wendy": answered,
    }

    response = client_for(cast.coordinator).get(board_url(cast.alliance.pk), {"answer": answer})

    assert response.status_code == 200
    assert shown_rows(response) == {people[name] for name in expected}
    assert row_count(response) == len(expected)
    for count in WHOLE_BOARD:
        assert count in response.content.decode()


def test_no_match_says_so_and_offers_to_show_all(cast, answered):
    response = client_for(cast.coordinator).get(
        board_url(cast.alliance.pk), {"q": "nobody-has-this-name"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert row_count(response) == 0
    assert "No member matches these filters." in page
    assert f'href="{board_url(cast.alliance.pk)}">Show all<' in page
    for count in WHOLE_BOARD:
        assert count in page


# Hostile input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"answer": "zzz"},
        {"answer": "pending"},
        {"answer": ["signed", "zzz"]},
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "999"},
        {"page": "1e9"},
        {"q": "x" * 500},
        {"q": "nul\x00byte"},
        {"q": "%' OR 1=1 --"},
        {"q": "   "},
        {"unknown": "1"},
    ],
)
def test_bogus_parameters_answer_200_with_the_counts(cast, answered, params):
    response = client_for(cast.coordinator).get(board_url(cast.alliance.pk), params)

    assert response.status_code == 200
    for count in WHOLE_BOARD:
        assert count in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"answer": "zzz"}, {"q": "x" * 500}, {"q": "nul\x00byte"}, {"page": "abc"}]
)
def test_a_refused_filter_shows_its_error_and_the_whole_board(cast, answered, params):
    response = client_for(cast.coordinator).get(board_url(cast.alliance.pk), params)

    assert response.status_code == 200
    assert bool(response.context["filter"].form.errors) == ("page" not in params)
    assert row_count(response) == CAST_SEATS + 1


def test_an_unknown_answer_says_it_is_not_a_choice(cast, answered):
    response = client_for(cast.coordinator).get(board_url(cast.alliance.pk), {"answer": "zzz"})

    assert "Select a valid choice." in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page(cast, version):
    add_members(cast, 60 - CAST_SEATS)

    response = client_for(cast.coordinator).get(board_url(cast.alliance.pk), {"page": 999})

    assert response.status_code == 200
    assert row_count(response) == 10
    assert "Page 2 of 2" in response.content.decode()


def test_another_alliances_version_number_is_404(cast, version):
    other = make_published_agreement(cast.other_alliance, cast.other_chair)
    services.agreement_update(
        agreement=other.agreement, actor=cast.other_chair, title="Second version"
    )
    other.agreement.refresh_from_db()
    services.agreement_publish(
        agreement=other.agreement,
        actor=cast.other_chair,
        shown_sha256=other.agreement.sha256,
        invite=False,
    )
    coordinator = client_for(cast.coordinator)

    assert coordinator.get(board_url(cast.alliance.pk, 2)).status_code == 404
    assert coordinator.get(board_url(cast.alliance.pk, 2), {"page": 2}).status_code == 404
    assert coordinator.get(board_url(cast.other_alliance.pk, 1)).status_code == 404
    other_chair = client_for(cast.other_chair)
    assert other_chair.get(board_url(cast.alliance.pk, 1), {"answer": "signed"}).status_code == 404


# Queries ----------------------------------------------------------------------------------------


def counted_board(client, url: str, assert_max_queries, params=None) -> tuple:
    with (
        assert_max_queries(CEILINGS["agreements:board"]),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(queries)


def test_the_board_reads_in_the_same_number_of_queries_for_5_and_60_members(
    cast, countersigned_version, django_assert_max_num_queries
):
    client = client_for(cast.coordinator)
    url = board_url(cast.alliance.pk)
    answer_in_turn(cast, countersigned_version, add_members(cast, 5 - CAST_SEATS))
    small_page, small = counted_board(client, url, django_assert_max_num_queries)
    _, small_filtered = counted_board(
        client, url, django_assert_max_num_queries, {"q": "Board", "answer": "signed"}
    )

    answer_in_turn(cast, countersigned_version, add_members(cast, 55, start=5 - CAST_SEATS))
    large_page, large = counted_board(client, url, django_assert_max_num_queries)
    second_page, second = counted_board(client, url, django_assert_max_num_queries, {"page": 2})
    _, large_filtered = counted_board(
        client, url, django_assert_max_num_queries, {"q": "Board", "answer": "signed"}
    )

    assert small == large == second
    assert small_filtered == large_filtered
    assert row_count(small_page) == 5
    assert row_count(large_page) == BOARD_PAGE_SIZE
    assert row_count(second_page) == 60 - BOARD_PAGE_SIZE
    page = large_page.content.decode() + second_page.content.decode()
    for text in ("Countersigned", "Declined", "Withdrew the signature", "Viewed the agreement"):
        assert text in page
    assert escape(str(cast.chair)) in page
