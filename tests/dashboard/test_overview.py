"""The alliance overview: the guide's six steps as one row, and cards that show exactly what the
database holds (the next meeting, open actions, signatures, recent decisions, members)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Action, PlanVersion
from agreements.models import AgreementVersion, Signature, by_seated_members
from agreements.services import SIGNING_ROLES
from alliance_portal.permissions import Role
from alliances.models import Membership
from journey.rules import journey_for
from meetings.models import Meeting, Minutes
from tests.conftest import client_for
from tests.demo_support import demo_alliance, seed_demo_data
from tests.factories import make_meeting, make_published_agreement, sign_agreement
from tests.journey_support import complete_journey

pytestmark = pytest.mark.django_db


def overview(user, alliance):
    response = client_for(user).get(reverse("dashboard:alliance", args=[alliance.pk]))
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def one(tree, testid: str):
    found = tree.xpath(f'.//*[@data-testid="{testid}"]')
    assert len(found) == 1, testid
    return found[0]


def text(element) -> str:
    return " ".join(element.text_content().split())


def count_in(tree, testid: str) -> int:
    return int(text(one(one(tree, testid), "count")))


# The cards, against the database ---------------------------------------------------------------


@pytest.fixture
def demo():
    people = seed_demo_data()
    return demo_alliance(), people


def test_open_actions_card_counts_each_open_status_as_stored(demo):
    alliance, people = demo
    tree = overview(people[Role.CHAIR], alliance)
    card = one(tree, "card-open-actions")
    open_statuses = [s for s in Action.Status.values if s not in Action.CLOSED_STATUSES]
    stored = {
        status: Action.objects.filter(alliance=alliance, status=status).count()
        for status in open_statuses
    }
    assert sum(stored.values()) > 0, "the demo has open actions"
    for status, count in stored.items():
        row = one(card, f"open-actions-{status}")
        assert count_in(card, f"open-actions-{status}") == count
        # A status with actions in it links to them; an empty one has nothing to open.
        links = row.xpath(".//a/@href")
        filtered = reverse("actionplans:actions", args=[alliance.pk]) + f"?status={status}"
        assert links == ([filtered] if count else [])
    # Closed statuses are not listed.
    assert not card.xpath('.//*[@data-testid="open-actions-done"]')


def test_the_status_link_opens_the_actions_in_that_status(demo):
    alliance, people = demo
    client = client_for(people[Role.CHAIR])
    url = reverse("actionplans:actions", args=[alliance.pk])
    in_progress = Action.objects.filter(alliance=alliance, status=Action.Status.IN_PROGRESS)
    assert in_progress.exists()
    tree = lxml.html.fromstring(client.get(url, {"status": "in_progress"}).content.decode())
    rows = tree.xpath("//table/tbody/tr")
    assert len(rows) == min(in_progress.count(), 50)
    assert one(tree, "status-filter") is not None
    everything = lxml.html.fromstring(client.get(url, {"status": "nonsense"}).content.decode())
    assert not everything.xpath('//*[@data-testid="status-filter"]')


def test_signature_card_counts_the_current_version_as_the_board_does(demo):
    alliance, people = demo
    version = AgreementVersion.objects.current().get(agreement__alliance=alliance)
    counted = Signature.objects.filter(version=version).filter(by_seated_members())
    signed = counted.filter(status=Signature.Status.SIGNED).count()
    declined = counted.filter(status=Signature.Status.DECLINED).count()
    seats = Membership.objects.active().filter(alliance=alliance, role__in=SIGNING_ROLES).count()
    assert signed > 0

    tree = overview(people[Role.CHAIR], alliance)
    card = one(tree, "card-signatures")
    assert count_in(card, "signatures-signed") == signed
    assert count_in(card, "signatures-declined") == declined
    assert count_in(card, "signatures-waiting") == seats - signed - declined
    board = reverse("agreements:board", args=[alliance.pk, version.number])
    assert one(card, "status-board-link").get("href") == board

    # A plain member sees the counts but no link to the board, which they may not open.
    member_card = one(overview(people[Role.MEMBER], alliance), "card-signatures")
    assert count_in(member_card, "signatures-signed") == signed
    assert not member_card.xpath('.//*[@data-testid="status-board-link"]')


def test_next_meeting_card_shows_the_soonest_planned_meeting(demo):
    alliance, people = demo
    now = timezone.now()
    upcoming = (
        Meeting.objects.filter(alliance=alliance, status=Meeting.Status.PLANNED, ends_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    card = one(overview(people[Role.CHAIR], alliance), "card-next-meeting")
    if upcoming is None:
        assert "No meeting planned" in text(card)
    else:
        link = one(card, "next-meeting-link")
        assert text(link) == upcoming.title
        assert link.get("href") == reverse("meetings:detail", args=[alliance.pk, upcoming.pk])


def test_recent_decisions_are_the_latest_decided_actions_minutes_and_plans(demo):
    alliance, people = demo
    decided = [
        (action.created_at, action.title)
        for action in Action.objects.filter(alliance=alliance, decided_in__isnull=False)
    ]
    minutes = [
        (m.approved_at, m.meeting.title)
        for m in Minutes.objects.filter(meeting__alliance=alliance, approved_at__isnull=False)
    ]
    versions = [
        (v.approved_at, f"{v.plan.title}, version {v.number}")
        for v in PlanVersion.objects.approved().filter(plan__alliance=alliance)
    ]
    expected = [title for _, title in sorted(decided + minutes + versions, reverse=True)[:5]]
    assert expected, "the demo has decisions"

    card = one(overview(people[Role.MEMBER], alliance), "card-decisions")
    shown = [text(item.xpath(".//a")[0]) for item in card.xpath('.//*[@data-testid="decision"]')]
    assert shown == expected


def test_members_card_counts_members_by_role_and_links_to_the_members_page(demo):
    alliance, people = demo
    card = one(overview(people[Role.MEMBER], alliance), "card-members")
    active = Membership.objects.active().filter(alliance=alliance)
    for role in Role.values:
        stored = active.filter(role=role).count()
        if stored:
            assert count_in(card, f"members-{role}") == stored
        else:
            assert not card.xpath(f'.//*[@data-testid="members-{role}"]')
    # The demo's member reads the portal in Swedish: the heading starts with the number.
    assert text(card.xpath(".//h2")[0]).startswith(f"{active.count()} ")
    link = one(card, "all-members-link")
    assert link.get("href") == reverse("alliances:members", args=[alliance.pk])


def test_the_overview_no_longer_lists_every_member(cast):
    tree = overview(cast.chair, cast.alliance)
    assert not tree.xpath('//*[@data-testid="member-table"]')
    assert str(cast.observer) not in text(one(tree, "overview-cards"))


# The next meeting ------------------------------------------------------------------------------


def test_next_meeting_is_shown_in_the_alliances_time_zone(cast):
    cast.alliance.timezone = "America/New_York"
    cast.alliance.save()
    starts = datetime(2030, 3, 4, 18, 30, tzinfo=ZoneInfo("UTC"))
    make_meeting(cast.alliance, cast.secretary, title="Spring plenary", starts_at=starts)
    make_meeting(
        cast.alliance, cast.secretary, title="Later plenary", starts_at=starts + timedelta(days=9)
    )
    card = one(overview(cast.member, cast.alliance), "card-next-meeting")
    assert text(one(card, "next-meeting-link")) == "Spring plenary"
    # 18:30 UTC is 13:30 in New York in March (before daylight saving time starts).
    when = text(one(card, "next-meeting-when"))
    assert "March 4, 2030" in when and "13:30" in when and "America/New_York" in when
    assert "City library, room 2" in text(one(card, "next-meeting-place"))


def test_no_meeting_planned_offers_to_plan_one_to_those_who_may(cast):
    secretary_card = one(overview(cast.secretary, cast.alliance), "card-next-meeting")
    assert "No meeting planned" in text(secretary_card)
    plan = secretary_card.xpath(".//a[normalize-space()='Plan a meeting']")
    assert plan and plan[0].get("href") == reverse("meetings:create", args=[cast.alliance.pk])

    member_card = one(overview(cast.member, cast.alliance), "card-next-meeting")
    assert "No meeting planned" in text(member_card)
    assert not member_card.xpath(".//a[normalize-space()='Plan a meeting']")


def test_a_cancelled_or_past_meeting_is_not_the_next_one(cast):
    past = make_meeting(
        cast.alliance,
        cast.secretary,
        title="Last month",
        starts_at=timezone.now() - timedelta(days=30),
    )
    assert past.ends_at < timezone.now()
    card = one(overview(cast.member, cast.alliance), "card-next-meeting")
    assert "No meeting planned" in text(card)


def test_signatures_card_before_any_version_is_published(cast):
    card = one(overview(cast.chair, cast.alliance), "card-signatures")
    assert "No version of the agreement is published yet." in text(card)


def test_waiting_counts_members_who_have_not_answered(cast):
    version = make_published_agreement(cast.alliance, cast.coordinator)
    sign_agreement(version, cast.membership(cast.member))
    card = one(overview(cast.chair, cast.alliance), "card-signatures")
    # Chair, secretary, coordinator and member hold a signing seat; the observer does not.
    assert count_in(card, "signatures-signed") == 1
    assert count_in(card, "signatures-waiting") == 3
    assert count_in(card, "signatures-declined") == 0


# The six steps ---------------------------------------------------------------------------------


def test_the_steps_row_marks_done_next_and_to_do_as_the_journey_does(cast):
    cast.alliance.rules_of_operation = ""
    cast.alliance.save()
    journey = journey_for(cast.alliance)
    next_step = journey.next[0].number
    tree = overview(cast.coordinator, cast.alliance)
    row = one(tree, "step-row")
    assert row.tag == "ol"
    items = row.xpath("./li")
    assert len(items) == 6
    for step, item in zip(journey.steps, items, strict=True):
        expected = "done" if step.done else "next" if step.number == next_step else "todo"
        assert item.get("data-state") == expected, step.number
        label = {"done": "Done", "next": "Next", "todo": "To do"}[expected]
        assert text(one(item, "step-state")).endswith(label)
    current = tree.xpath('//*[@aria-current="step"]')
    assert len(current) == 1
    assert current[0].get("id") == f"step-{next_step}-toggle"


def test_the_next_steps_action_is_the_primary_button(cast):
    cast.alliance.rules_of_operation = ""
    cast.alliance.purpose = ""
    cast.alliance.save()
    tree = overview(cast.coordinator, cast.alliance)
    link = one(tree, "next-step-link")
    assert "btn-primary" in link.get("class")
    assert text(link) == "Write the purpose"
    assert link.get("href") == reverse("alliances:edit", args=[cast.alliance.pk])
    # One primary action on the page: the header offers no second one.
    assert len(tree.xpath('//a[contains(concat(" ", @class, " "), " btn-primary ")]')) == 1


def test_each_step_opens_its_checklist_with_why_it_is_not_done(cast):
    journey = journey_for(cast.alliance)
    tree = overview(cast.coordinator, cast.alliance)
    for step in journey.steps:
        toggle = tree.get_element_by_id(f"step-{step.number}-toggle")
        assert toggle.tag == "button"
        assert toggle.get("aria-expanded") == "false"
        target = toggle.get("aria-controls")
        checklist = tree.get_element_by_id(target)
        assert checklist.get("data-testid") == f"checklist-{step.number}"
        for check in step.checks:
            line = one(checklist, f"check-{check.key}")
            assert check.label in text(line)
            summary = text(line.xpath(".//summary")[0])
            if check.done:
                assert summary.startswith("How is this decided?")
            else:
                assert summary.startswith("Why is this not done?")
            assert check.rule in text(line)


def test_a_member_sees_the_next_step_but_no_primary_button(cast):
    cast.alliance.rules_of_operation = ""
    cast.alliance.save()
    tree = overview(cast.member, cast.alliance)
    assert not tree.xpath('//*[@data-testid="next-step-link"]')
    assert "The alliance's chair or coordinators can do this." in text(one(tree, "next-step"))
    assert not tree.xpath('//a[contains(@class, "btn-primary")]')


# The header ------------------------------------------------------------------------------------


def test_secondary_actions_are_in_the_more_actions_menu(cast):
    tree = overview(cast.chair, cast.alliance)
    menu = one(tree, "more-actions").getparent()
    items = [text(a) for a in menu.xpath(".//a[@class='dropdown-item']")]
    for label in ("Edit alliance", "See all members", "Reminders", "Reports", "Audit log"):
        assert label in items


def test_a_plain_member_has_no_management_actions(cast):
    tree = overview(cast.member, cast.alliance)
    menu = one(tree, "more-actions").getparent()
    items = [text(a) for a in menu.xpath(".//a[@class='dropdown-item']")]
    assert items == ["See all members"]
    page = text(tree)
    assert "Invite a member" not in page and "Audit log" not in page


def test_when_every_step_is_done_inviting_is_the_primary_action(cast):
    complete_journey(
        cast.alliance, chair=cast.chair, secretary=cast.secretary, coordinator=cast.coordinator
    )
    tree = overview(cast.chair, cast.alliance)
    primary = tree.xpath('//a[contains(concat(" ", @class, " "), " btn-primary ")]')
    assert [text(a) for a in primary] == ["Invite a member"]
    assert "Every step of the guide is done." in text(one(tree, "next-step"))
