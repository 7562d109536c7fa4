"""On the demo, "My work" shows every person exactly what waits for them, and each link opens
the page where they do it.

The expected items are worked out here from the rows themselves, one rule at a time in plain
Python, not with the selectors the page uses.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Action, ActionPlan
from agreements.models import AgreementVersion, Signature
from alliance_portal.permissions import Role
from alliances.models import Membership, User
from alliances.selectors import alliance_today
from alliances.services import user_set_language
from demo.management.commands.seed_demo import DEMO_ALLIANCES
from meetings.models import Meeting, Minutes, MinutesComment, Participant
from reminders.models import Delivery
from tests.conftest import client_for
from tests.demo_support import seed_demo_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEATED = {Role.CHAIR, Role.SECRETARY, Role.COORDINATOR, Role.MEMBER}
LEADERS = {Role.CHAIR, Role.COORDINATOR}
MINUTE_TAKERS = {Role.CHAIR, Role.SECRETARY, Role.COORDINATOR}

# What the page a link opens must offer for the thing to be done there: a piece of its HTML.
DONE_THERE = {
    "sign_agreement": lambda url: 'name="consent"',
    "answer_meeting": lambda url: f'action="{url}answer/"',
    "comment_minutes": lambda url: "/comments/",
    "report_progress": lambda url: f'action="{url.split("#")[0]}progress/"',
    "sign_off_plan": lambda url: 'name="password"',
    "start_minutes": lambda url: f'action="{url}minutes/start/"',
    "circulate_minutes": lambda url: f"{url}status/circulate/",
    "failed_reminders": lambda url: f'action="{url.split("?")[0]}retry-failed/"',
    "link_representatives": lambda url: 'name="organisation"',
}


class _WorkPage(HTMLParser):
    """The kinds and links of a "My work" page: {(kind, href)}."""

    def __init__(self):
        super().__init__()
        self.kind = None
        self.links: set[tuple[str, str]] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        testid = attrs.get("data-testid", "")
        if tag == "section" and testid.startswith("work-"):
            self.kind = testid.removeprefix("work-")
        elif tag == "a" and testid == "work-link":
            self.links.add((self.kind, attrs["href"]))


def _page_links(user: User) -> tuple[set[tuple[str, str]], str]:
    response = client_for(user).get(reverse("mywork:index"))
    assert response.status_code == 200
    html = response.content.decode()
    parser = _WorkPage()
    parser.feed(html)
    return parser.links, html


def _seats(user: User) -> list[Membership]:
    return [m for m in Membership.objects.select_related("alliance") if m.user_id == user.pk]


def _expected(user: User) -> set[tuple[str, str]]:
    """Every waiting thing in the database, each rule written out on its own."""
    now = timezone.now()
    expected = set()
    for seat in _seats(user):
        if seat.ended_at is not None:
            continue
        alliance = seat.alliance
        a = alliance.pk
        role = seat.role
        if role in SEATED:
            for version in AgreementVersion.objects.filter(agreement__alliance=alliance):
                if version.superseded_at is not None:
                    continue
                own = [s for s in version.signatures.all() if s.membership_id == seat.pk]
                if not own or own[0].status == Signature.Status.PENDING:
                    expected.add(("sign_agreement", reverse("agreements:sign", args=[a])))
            for minutes in Minutes.objects.filter(meeting__alliance=alliance):
                commented = MinutesComment.objects.filter(
                    item__minutes=minutes, author=user
                ).exists()
                if minutes.status == Minutes.Status.CIRCULATED and not commented:
                    url = reverse("meetings:minutes", args=[a, minutes.meeting_id])
                    expected.add(("comment_minutes", url))
            soon = alliance_today(alliance) + timedelta(days=14)
            for action in Action.objects.filter(alliance=alliance, responsible_member=seat):
                open_ = action.status not in ("done", "dropped")
                if open_ and action.plan_id and action.due_date and action.due_date <= soon:
                    url = reverse("actionplans:action", args=[a, action.plan_id, action.pk])
                    expected.add(("report_progress", f"{url}#progress"))
        for participant in Participant.objects.filter(user=user, meeting__alliance=alliance):
            meeting = participant.meeting
            if meeting.status == "planned" and meeting.starts_at > now and not participant.response:
                url = reverse("meetings:detail", args=[a, meeting.pk])
                expected.add(("answer_meeting", url))
        if role == Role.CHAIR:
            for plan in ActionPlan.objects.filter(alliance=alliance, status="submitted"):
                url = reverse("actionplans:plan_review", args=[a, plan.pk])
                expected.add(("sign_off_plan", url))
        if role in MINUTE_TAKERS:
            for meeting in Meeting.objects.filter(alliance=alliance):
                held = meeting.status == "held" or (
                    meeting.status == "planned" and meeting.ends_at <= now
                )
                minutes = Minutes.objects.filter(meeting=meeting).first()
                if held and minutes is None:
                    url = reverse("meetings:detail", args=[a, meeting.pk])
                    expected.add(("start_minutes", url))
                if minutes and minutes.status == "draft" and meeting.starts_at <= now:
                    url = reverse("meetings:minutes", args=[a, meeting.pk])
                    expected.add(("circulate_minutes", url))
        if role in LEADERS:
            if Delivery.objects.filter(alliance=alliance, status="failed").exists():
                url = reverse("reminders:alliance", args=[a])
                expected.add(("failed_reminders", f"{url}?status=failed"))
            for other in Membership.objects.filter(alliance=alliance, ended_at__isnull=True):
                if (
                    other.role != Role.OBSERVER
                    and other.organisation_name
                    and not other.organisation_id
                ):
                    url = reverse("stakeholders:member_link", args=[a, other.pk])
                    expected.add(("link_representatives", url))
    return expected


def _demo_people() -> list[User]:
    emails = [person.email for demo in DEMO_ALLIANCES for person in demo.people]
    return list(User.objects.filter(email__in=emails).order_by("email"))


def test_every_demo_person_sees_exactly_what_waits_for_them_and_can_do_it_there():
    seed_demo_data()
    people = _demo_people()
    assert len(people) == sum(len(demo.people) for demo in DEMO_ALLIANCES)
    roles_seen, kinds_seen = set(), set()
    for person in people:
        expected = _expected(person)
        links, html = _page_links(person)
        assert links == expected, person.email
        own_alliances = {m.alliance_id for m in _seats(person)}
        for kind, url in links:
            assert int(url.split("/")[2]) in own_alliances, (person.email, url)
            page = client_for(person).get(url)
            assert page.status_code == 200, (person.email, url)
            assert DONE_THERE[kind](url) in page.content.decode(), (person.email, kind, url)
        if not expected:
            assert "Nothing is waiting for you" in html, person.email
        roles_seen |= {m.role for m in _seats(person)}
        kinds_seen |= {kind for kind, _url in links}
    assert roles_seen == set(Role.values)
    # The demo shows something of most kinds; the test would prove little on an empty demo.
    assert len(kinds_seen) >= 3, kinds_seen


def test_every_demo_role_sees_each_kind_the_database_holds_for_it():
    """The same check, with one more of each kind added to the demo so no group is empty."""
    from tests.mywork.support import busy_alliance

    people = seed_demo_data()
    chair = people["chair"]
    busy_alliance(chair, name="A second alliance of the demo chair")
    links, _html = _page_links(chair)
    assert links == _expected(chair)
    assert {kind for kind, _url in links} == set(DONE_THERE)
    for kind, url in links:
        page = client_for(chair).get(url)
        assert page.status_code == 200, url
        assert DONE_THERE[kind](url) in page.content.decode(), (kind, url)


def test_a_person_with_nothing_waiting_sees_the_empty_state():
    seed_demo_data()
    observer = user_set_language(user=User.objects.get(email__startswith="karin."), language="en")
    # An observer only answers invitations; once they have, nothing waits for them.
    Participant.objects.filter(user=observer).update(response=Participant.Response.YES)
    links, html = _page_links(observer)
    assert links == _expected(observer) == set()
    assert "Nothing is waiting for you" in html
    assert reverse("alliances:list") in html


def test_a_person_in_no_alliance_is_told_membership_comes_by_invitation():
    links, html = _page_links(UserFactory())
    assert links == set()
    assert "You are not a member of any alliance yet." in html
    assert "invitation arrives by email" in html
