"""The app shell around every page: the top bar (alliance switcher, "My work" with its count, the
person's menu) and, inside an alliance, the side navigation of its sections with the current one
marked and breadcrumbs below a section's first page."""

from __future__ import annotations

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Membership, Role
from alliances.permissions import get_alliance_for_user
from dashboard import context_processors
from dashboard.context_processors import SECTIONS
from tests.conftest import client_for
from tests.factories import (
    AllianceFactory,
    MembershipFactory,
    make_action,
    make_meeting,
    make_plan,
)

SIDE_NAV = "//nav[@aria-label='Sections of the alliance']"


def _page(user, url: str):
    response = client_for(user).get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content)


def _marked(tree) -> dict[str, str]:
    """The side navigation's links that carry aria-current, by their text."""
    return {
        link.text_content().strip(): link.get("aria-current")
        for link in tree.xpath(f"{SIDE_NAV}//a[@aria-current]")
    }


def _section_links(tree) -> list[str]:
    return [link.text_content().strip() for link in tree.xpath(f"{SIDE_NAV}//ul//a")]


@pytest.mark.parametrize(
    ("url_name", "label"),
    [
        ("dashboard:alliance", "Overview"),
        ("stakeholders:list", "Stakeholders"),
        ("meetings:list", "Meetings"),
        ("actionplans:plans", "Action plans"),
        ("agreements:detail", "Agreement"),
        ("outreach:communication", "Outreach"),
        ("sustainability:swots", "Evaluation and sustainability"),
        ("reports:index", "Reports"),
        ("alliances:members", "Members"),
    ],
)
def test_a_sections_first_page_is_marked_as_the_current_page(cast, url_name, label):
    tree = _page(cast.coordinator, reverse(url_name, args=[cast.alliance.pk]))
    assert _marked(tree) == {label: "page"}
    assert tree.xpath("//nav[@aria-label='Breadcrumb']") == []


def test_a_deeper_page_marks_its_section_as_the_location_and_has_breadcrumbs(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, title="Second plenary")
    tree = _page(cast.member, reverse("meetings:detail", args=[cast.alliance.pk, meeting.pk]))
    assert _marked(tree) == {"Meetings": "location"}
    crumbs = tree.xpath("//nav[@aria-label='Breadcrumb']//a")
    assert [(a.text_content().strip(), a.get("href")) for a in crumbs] == [
        ("Kronoberg Alliance", reverse("dashboard:alliance", args=[cast.alliance.pk])),
        ("Meetings", reverse("meetings:list", args=[cast.alliance.pk])),
    ]


def test_an_actions_breadcrumbs_lead_back_through_its_plan(cast):
    plan = make_plan(cast.alliance, cast.coordinator, title="Regional action plan")
    action = make_action(plan, cast.coordinator, title="Train mediators")
    url = reverse("actionplans:action", args=[cast.alliance.pk, plan.pk, action.pk])
    tree = _page(cast.member, url)
    crumbs = tree.xpath("//nav[@aria-label='Breadcrumb']//a")
    assert [a.text_content().strip() for a in crumbs] == [
        "Kronoberg Alliance",
        "Action plans",
        "Regional action plan",
    ]
    assert crumbs[-1].get("href") == reverse("actionplans:plan", args=[cast.alliance.pk, plan.pk])


@pytest.mark.parametrize("role", ["observer", "member", "secretary", "coordinator", "chair"])
def test_each_role_sees_the_sections_it_may_open(cast, role):
    user = getattr(cast, role)
    access = get_alliance_for_user(user, cast.alliance.pk)
    expected = [
        str(section.label)
        for section in SECTIONS
        if not section.capability or access.can(section.capability)
    ]
    tree = _page(user, reverse("dashboard:alliance", args=[cast.alliance.pk]))
    assert _section_links(tree) == expected
    for link in tree.xpath(f"{SIDE_NAV}//ul//a"):
        assert client_for(user).get(link.get("href")).status_code == 200


def test_a_member_does_not_see_the_coordinators_sections(cast):
    tree = _page(cast.member, reverse("dashboard:alliance", args=[cast.alliance.pk]))
    assert "Reminders" not in _section_links(tree)
    assert "Audit log" not in _section_links(tree)


def test_the_alliance_switcher_lists_the_persons_own_alliances_only(cast):
    second = AllianceFactory(name="Blekinge Alliance")
    MembershipFactory(alliance=second, user=cast.member, role=Role.MEMBER)
    ended = AllianceFactory(name="Gotland Alliance")
    membership = MembershipFactory(alliance=ended, user=cast.member, role=Role.MEMBER)
    Membership.objects.filter(pk=membership.pk).update(ended_at=timezone.now())
    tree = _page(cast.member, reverse("dashboard:alliance", args=[cast.alliance.pk]))
    menu = tree.xpath("//ul[contains(@class, 'alliance-switcher-menu')]//a")
    names = [a.text_content().strip() for a in menu]
    assert names == ["Blekinge Alliance", "Kronoberg Alliance", "All my alliances"]
    current = [a.text_content().strip() for a in menu if a.get("aria-current")]
    assert current == ["Kronoberg Alliance"]
    assert "Skåne Alliance" not in tree.text_content()


@pytest.mark.parametrize(("waiting", "shown"), [(0, None), (1, "1"), (12, "12")])
def test_my_work_shows_how_many_things_wait(cast, monkeypatch, waiting, shown):
    monkeypatch.setattr(context_processors, "waiting_count", lambda user, **_: waiting)
    tree = _page(cast.member, reverse("alliances:list"))
    (link,) = tree.xpath("//a[@data-testid='my-work-link']")
    badges = link.xpath(".//span[contains(@class, 'waiting-badge')]")
    assert [badge.text_content() for badge in badges] == ([shown] if shown else [])
    if shown:
        assert f"({waiting} waiting)" in link.text_content()


def test_my_work_is_marked_as_the_current_page_on_my_work(cast):
    tree = _page(cast.member, reverse("mywork:index"))
    (link,) = tree.xpath("//a[@data-testid='my-work-link']")
    assert link.get("aria-current") == "page"


def test_a_visitor_sees_no_alliance_switcher_and_no_sections(client):
    tree = lxml.html.fromstring(client.get(reverse("login")).content)
    assert tree.xpath("//*[@data-testid='alliance-switcher']") == []
    assert tree.xpath(SIDE_NAV) == []
    assert tree.xpath(f"//a[@href='{reverse('login')}']")


def test_pages_outside_an_alliance_have_no_side_navigation(cast):
    tree = _page(cast.member, reverse("alliances:list"))
    assert tree.xpath(SIDE_NAV) == []
    assert tree.xpath("//*[@data-testid='alliance-switcher']")


def test_the_shell_reads_the_same_number_of_queries_for_one_alliance_or_many(
    cast, django_assert_max_num_queries
):
    url = reverse("alliances:list")
    client = client_for(cast.member)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(4):
        MembershipFactory(alliance=AllianceFactory(name=f"Alliance {number}"), user=cast.member)
    with django_assert_max_num_queries(len(one)):
        client.get(url)
