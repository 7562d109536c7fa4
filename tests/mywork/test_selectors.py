"""What "My work" reads: each kind in the alliances where the role does it, never another
alliance's, and in a fixed number of queries however many alliances the person belongs to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import Action
from alliance_portal.permissions import Role
from alliances.models import Membership
from alliances.selectors import alliance_today
from alliances.services import user_set_language
from mywork import selectors
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, sign_agreement
from tests.mywork.support import KINDS_PER_BUSY_ALLIANCE, busy_alliance

pytestmark = pytest.mark.django_db


def _kinds(work) -> dict[str, list[str]]:
    return {group.kind: [item.alliance.name for item in group.items] for group in work.waiting}


def test_a_chair_sees_one_of_each_kind_in_their_alliance():
    chair = UserFactory()
    busy_alliance(chair, name="Kronoberg Alliance")
    work = selectors.my_work(chair)
    assert _kinds(work) == {kind.name: ["Kronoberg Alliance"] for kind in selectors.KINDS}
    assert work.total == KINDS_PER_BUSY_ALLIANCE == len(selectors.KINDS)
    assert selectors.waiting_count(chair) == work.total


def test_another_alliances_things_never_appear():
    chair, other_chair = UserFactory(), UserFactory()
    busy_alliance(chair, name="Kronoberg Alliance")
    busy_alliance(other_chair, name="Skåne Alliance")
    names = {name for names in _kinds(selectors.my_work(chair)).values() for name in names}
    assert names == {"Kronoberg Alliance"}
    assert selectors.waiting_count(chair) == KINDS_PER_BUSY_ALLIANCE


def test_a_member_sees_only_what_they_do_themselves():
    chair = UserFactory()
    alliance = busy_alliance(chair, name="Kronoberg Alliance")
    member = MembershipFactory(alliance=alliance, role=Role.MEMBER).user
    # Invited to nothing yet: joined after the meeting was set up.
    kinds = set(_kinds(selectors.my_work(member)))
    assert kinds == {selectors.SIGN_AGREEMENT, selectors.COMMENT_MINUTES}


def test_an_observer_signs_nothing_and_comments_nothing():
    chair = UserFactory()
    alliance = busy_alliance(chair, name="Kronoberg Alliance")
    observer = MembershipFactory(alliance=alliance, role=Role.OBSERVER).user
    assert selectors.my_work(observer).waiting == []
    assert selectors.waiting_count(observer) == 0


def test_answered_things_stop_waiting():
    chair = UserFactory()
    alliance = busy_alliance(chair, name="Kronoberg Alliance")
    seat = alliance.memberships.get(user=chair)
    version = alliance.agreement.versions.get()
    sign_agreement(version, seat)
    alliance.meetings.get(title__startswith="Plenary").participants.filter(user=chair).update(
        response="yes"
    )
    Action.objects.filter(alliance=alliance).update(status=Action.Status.DONE)
    kinds = set(_kinds(selectors.my_work(chair)))
    assert not kinds & {
        selectors.SIGN_AGREEMENT,
        selectors.ANSWER_MEETING,
        selectors.REPORT_PROGRESS,
    }
    assert selectors.waiting_count(chair) == KINDS_PER_BUSY_ALLIANCE - 3


def test_an_action_due_later_than_two_weeks_does_not_wait_yet_an_overdue_one_does():
    chair = UserFactory()
    alliance = busy_alliance(chair, name="Kronoberg Alliance")
    today = alliance_today(alliance)
    action = Action.objects.get(alliance=alliance)
    action.due_date = today + timedelta(days=15)
    action.save(update_fields=["due_date"])
    assert selectors.REPORT_PROGRESS not in _kinds(selectors.my_work(chair))
    action.due_date = today - timedelta(days=1)
    action.save(update_fields=["due_date"])
    (group,) = [g for g in selectors.my_work(chair).waiting if g.kind == selectors.REPORT_PROGRESS]
    assert group.items[0].overdue


def test_one_overdue_action_is_badged_in_the_singular_in_swedish():
    chair = user_set_language(user=UserFactory(), language="sv")
    alliance = busy_alliance(chair, name="Kronoberg Alliance")
    action = Action.objects.get(alliance=alliance)
    action.due_date = alliance_today(alliance) - timedelta(days=1)
    action.save(update_fields=["due_date"])

    page = client_for(chair).get(reverse("mywork:index")).content.decode()

    # "Försenade" (plural) heads the board's list of overdue actions; one action is "Försenad".
    assert '<span class="badge text-bg-danger">Försenad</span>' in page


def test_no_alliance_means_nothing_waits():
    loner = UserFactory()
    work = selectors.my_work(loner)
    assert not work.belongs_anywhere
    assert selectors.waiting_count(loner) == 0


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_the_reads_do_not_grow_with_alliances(django_assert_max_num_queries):
    one, three = UserFactory(), UserFactory()
    busy_alliance(one, name="Alliance A")
    for name in ("Alliance B", "Alliance C", "Alliance D"):
        busy_alliance(three, name=name)
    for_one = _queries(lambda: selectors.my_work(one))
    assert for_one <= 1 + len(selectors.KINDS)
    with django_assert_max_num_queries(for_one):
        work = selectors.my_work(three)
    assert work.total == 3 * KINDS_PER_BUSY_ALLIANCE
    # The top bar's count: the memberships, then every count in one query.
    with django_assert_max_num_queries(2):
        assert selectors.waiting_count(three) == 3 * KINDS_PER_BUSY_ALLIANCE
    # The top bar has the memberships already for its alliance switcher: one query then.
    memberships = list(Membership.objects.active().filter(user=three).select_related("alliance"))
    with django_assert_max_num_queries(1):
        assert selectors.waiting_count(three, memberships=memberships) == 27


def test_the_page_does_not_grow_with_alliances(django_assert_max_num_queries):
    one, three = UserFactory(), UserFactory()
    busy_alliance(one, name="Alliance A")
    for name in ("Alliance B", "Alliance C", "Alliance D"):
        busy_alliance(three, name=name)
    url = reverse("mywork:index")
    client_one, client_three = client_for(one), client_for(three)
    for_one = _queries(lambda: client_one.get(url))
    with django_assert_max_num_queries(for_one):
        response = client_three.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="work-item"') == 27
