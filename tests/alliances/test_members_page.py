"""The members page: the member table, searchable and filterable, paginated at 50, with the
management actions only for those who manage members."""

from __future__ import annotations

import lxml.html
import pytest
from django.urls import reverse

from alliance_portal.permissions import Role
from alliances import services
from tests.conftest import client_for
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

CHANGE_LINKS = "//*[@data-testid='member-table']//a[starts-with(normalize-space(), 'Change')]"
END_LINKS = "//*[@data-testid='member-table']//a[starts-with(normalize-space(), 'End')]"


def members_page(user, alliance, **params):
    response = client_for(user).get(reverse("alliances:members", args=[alliance.pk]), params)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def names(tree) -> list[str]:
    return [
        " ".join(row.xpath("./td[1]")[0].text_content().split())
        for row in tree.xpath('//*[@data-testid="member-table"]/tbody/tr')
    ]


def add_numbered_members(alliance, count: int) -> None:
    for number in range(count):
        MembershipFactory(
            alliance=alliance,
            user__first_name=f"Zed{number:02}",
            user__last_name="Numbered",
            organisation_name=f"Member organisation {number:02}",
        )


def test_lists_every_member_with_role_and_organisation(cast):
    tree = members_page(cast.member, cast.alliance)
    rows = tree.xpath('//*[@data-testid="member-table"]/tbody/tr')
    assert len(rows) == 5
    secretary = cast.membership(cast.secretary)
    row = next(r for r in rows if str(cast.secretary) in r.text_content())
    assert "Secretary" in row.text_content()
    assert (secretary.organisation_name or "Personal member") in row.text_content()


def test_51_members_make_two_pages_of_50(cast):
    add_numbered_members(cast.alliance, 46)  # with the cast's five: 51
    first = members_page(cast.chair, cast.alliance)
    second = members_page(cast.chair, cast.alliance, page=2)
    assert len(names(first)) == 50 and len(names(second)) == 1
    assert set(names(first)).isdisjoint(names(second))
    assert "Page 1 of 2" in first.text_content()
    assert "Page 2 of 2" in second.text_content()


def test_search_by_name_or_organisation(cast):
    add_numbered_members(cast.alliance, 12)
    assert names(members_page(cast.chair, cast.alliance, q="Zed07")) == ["Zed07 Numbered"]
    # Words, not numbers: a number could also be part of a member's address (person111@…).
    museum = MembershipFactory(alliance=cast.alliance, organisation_name="Kalmar läns museum")
    by_organisation = members_page(cast.chair, cast.alliance, q="läns museum")
    assert names(by_organisation) == [str(museum.user)]
    # Every word must match, in any of the fields.
    assert names(members_page(cast.chair, cast.alliance, q="zed03 organisation")) == [
        "Zed03 Numbered"
    ]
    nothing = members_page(cast.chair, cast.alliance, q="nobody by that name")
    assert names(nothing) == []
    assert nothing.xpath('//*[@data-testid="no-match"]')


def test_search_finds_the_organisation_in_the_register(cast):
    MembershipFactory(
        alliance=cast.alliance,
        user__first_name="Registered",
        organisation=OrganisationFactory(name="Växjö folkhögskola"),
    )
    found = names(members_page(cast.chair, cast.alliance, q="folkhögskola"))
    assert len(found) == 1 and found[0].startswith("Registered")


def test_filter_by_role(cast):
    add_numbered_members(cast.alliance, 3)
    observers = members_page(cast.chair, cast.alliance, role=Role.OBSERVER)
    assert names(observers) == [str(cast.observer)]
    members = members_page(cast.chair, cast.alliance, role=Role.MEMBER)
    assert len(names(members)) == 4  # the cast's member and three more
    count = members.xpath('//*[@data-testid="result-count"]')[0].text_content()
    assert "4 members" in count


def test_manage_actions_are_for_those_who_manage_members(cast):
    InvitationFactory(alliance=cast.alliance, invited_by=cast.chair, email="new@example.org")
    ended = MembershipFactory(alliance=cast.alliance, user__first_name="Gone")
    services.membership_end(membership=ended, actor=cast.chair, reason="Moved away")

    chair = members_page(cast.chair, cast.alliance)
    chair_text = chair.text_content()
    assert chair.xpath(CHANGE_LINKS)
    assert chair.xpath(END_LINKS)
    assert "new@example.org" in chair_text
    assert chair.xpath("//button[starts-with(normalize-space(), 'Withdraw')]")
    assert "Former members" in chair_text and "Moved away" in chair_text
    assert chair.xpath("//a[normalize-space()='Invite a member']")
    assert chair.xpath("//a[normalize-space()='Hand over the chair']")

    member = members_page(cast.member, cast.alliance)
    member_text = member.text_content()
    assert not member.xpath(CHANGE_LINKS)
    assert not member.xpath(END_LINKS)
    assert "new@example.org" not in member_text and "Moved away" not in member_text
    assert "Invite a member" not in member_text and "Hand over the chair" not in member_text


def test_another_alliances_members_are_404(cast):
    url = reverse("alliances:members", args=[cast.other_alliance.pk])
    assert client_for(cast.chair).get(url).status_code == 404
    outsider = client_for(cast.outsider)
    own = reverse("alliances:members", args=[cast.alliance.pk])
    assert outsider.get(own).status_code == 404


def test_managing_a_member_returns_to_the_members_page(cast):
    membership = cast.membership(cast.member)
    response = client_for(cast.chair, reauthenticated=True).post(
        reverse("alliances:member_edit", args=[cast.alliance.pk, membership.pk]),
        {"role": Role.OBSERVER, "organisation_name": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("alliances:members", args=[cast.alliance.pk])
