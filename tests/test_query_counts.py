"""The key pages read their rows in a fixed number of queries.

Each page is fetched with its data at a small size and at ten times that size; both fetches must
take the same number of queries, and no more than the page's ceiling in CEILINGS. The per-app
tests look at single pages in more detail; this file keeps the key pages together.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans import services as plan_services
from agreements import services as agreement_services
from alliance_portal.permissions import Role
from alliances import services as alliance_services
from alliances.models import Alliance
from meetings import services as meeting_services
from meetings.models import Meeting, Participant, StandingItem

from .agreements.conftest import FACTS, sign_as
from .conftest import SHELL_QUERIES, client_for
from .factories import (
    MEETING_START,
    ContactFactory,
    GapFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    StakeholderFactory,
    make_action,
    make_goal,
    make_meeting,
    make_minutes,
    make_plan,
    make_published_agreement,
)
from .reports.conftest import alliance_of_size, pdf_text

SMALL, LARGE = 3, 30
# The report is a PDF of every section; fewer rows keep it quick to print.
REPORT_SMALL, REPORT_LARGE = 1, 10
MONTH = timedelta(days=30)

# The count each page takes today, at both sizes. A page that starts reading more fails here,
# so a new query is a decision someone makes, not an accident.
# HTML pages add what the shell around them reads (SHELL_QUERIES).
CEILINGS = {
    "dashboard:alliance": 15 + SHELL_QUERIES,
    "alliances:members": 8 + SHELL_QUERIES,
    "stakeholders:list": 7 + SHELL_QUERIES,
    "meetings:detail": 9 + SHELL_QUERIES,
    "meetings:minutes": 15 + SHELL_QUERIES,
    # With no row in the fragment cache; a page whose rows are all there makes two fewer.
    "actionplans:plan": 11 + SHELL_QUERIES,
    "agreements:board": 11 + SHELL_QUERIES,
    "reports:index": 3 + SHELL_QUERIES,
    "reports:report_pdf": 31,
}


def counted_get(client, url: str, name: str, assert_max_queries, data=None):
    """GET `url` as the client's user: the response and the number of queries it took. Fails
    when they pass the page's ceiling."""
    with (
        assert_max_queries(CEILINGS[name], info=name),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(url, data)
    assert response.status_code == 200, name
    return response, len(queries)


def page(response) -> str:
    return response.content.decode()


def mapped_organisation(alliance: Alliance, number: int):
    """An organisation in the alliance's mapping, with two contact people, one of them erased."""
    stakeholder = StakeholderFactory(
        alliance=alliance, organisation__name=f"Mapped organisation {number:02}"
    )
    ContactFactory(organisation=stakeholder.organisation)
    ContactFactory(organisation=stakeholder.organisation, erased_at=timezone.now())
    return stakeholder.organisation


def add_members(alliance: Alliance, count: int, *, start: int = 0) -> list:
    """Members with a seat, each representing an organisation of the register, numbered in their
    first names (Zed00, Zed01, ...) so a test can look for the last one on the page."""
    return [
        MembershipFactory(
            alliance=alliance,
            user__first_name=f"Zed{number:02}",
            organisation=OrganisationFactory(name=f"Member organisation {number:02}"),
        )
        for number in range(start, start + count)
    ]


# 1. The alliance dashboard ----------------------------------------------------------------------


def grow_membership(cast, start: int, count: int) -> None:
    """`count` new members, a third of whom leave again, and `count` pending invitations."""
    members = add_members(cast.alliance, count, start=start)
    for membership in members[: count // 3]:
        alliance_services.membership_end(membership=membership, actor=cast.chair)
    InvitationFactory.create_batch(count, alliance=cast.alliance, invited_by=cast.chair)


def test_alliance_dashboard_queries_do_not_grow_with_members(cast, django_assert_max_num_queries):
    # The chair sees everything the page can show. The members are counted by role on the
    # overview; they are listed on the members page (below).
    client = client_for(cast.chair)
    url = reverse("dashboard:alliance", args=[cast.alliance.pk])
    grow_membership(cast, 0, SMALL)
    _, small = counted_get(client, url, "dashboard:alliance", django_assert_max_num_queries)

    grow_membership(cast, SMALL, LARGE - SMALL)
    response, large = counted_get(client, url, "dashboard:alliance", django_assert_max_num_queries)

    assert small == large
    # The cast's five, and two thirds of the thirty who joined.
    assert response.context["member_count"] == 5 + LARGE - LARGE // 3
    assert "Zed29" not in page(response)


def test_members_page_queries_do_not_grow_with_members(cast, django_assert_max_num_queries):
    client = client_for(cast.chair)
    url = reverse("alliances:members", args=[cast.alliance.pk])
    grow_membership(cast, 0, SMALL)
    _, small = counted_get(client, url, "alliances:members", django_assert_max_num_queries)

    grow_membership(cast, SMALL, LARGE - SMALL)
    response, large = counted_get(client, url, "alliances:members", django_assert_max_num_queries)

    assert small == large
    assert "Zed29" in page(response)
    assert len(response.context["invitations"]) == LARGE
    assert len(response.context["former_members"]) == LARGE // 3


# 2. The stakeholder register --------------------------------------------------------------------


def test_stakeholder_list_queries_do_not_grow_with_stakeholders(
    cast, django_assert_max_num_queries
):
    # 20 rows stay on the register's first page (25 a page).
    small_size, large_size = 2, 20
    client = client_for(cast.coordinator)
    url = reverse("stakeholders:list", args=[cast.alliance.pk])
    for number in range(small_size):
        mapped_organisation(cast.alliance, number)
    _, small = counted_get(client, url, "stakeholders:list", django_assert_max_num_queries)

    for number in range(small_size, large_size):
        mapped_organisation(cast.alliance, number)
    response, large = counted_get(client, url, "stakeholders:list", django_assert_max_num_queries)

    assert small == large
    assert "Mapped organisation 19" in page(response)
    assert "20 organisations" in page(response)


# 3. The meeting page ----------------------------------------------------------------------------


def meetings_around(cast) -> None:
    """A meeting with minutes a month before MEETING_START and one a month after, so the pages
    measured have a previous and a next meeting to link to."""
    earlier = make_meeting(cast.alliance, cast.secretary, starts_at=MEETING_START - MONTH)
    make_minutes(earlier, cast.secretary)
    make_meeting(cast.alliance, cast.secretary, starts_at=MEETING_START + MONTH)


def add_topics(cast, meeting: Meeting, start: int, count: int) -> None:
    for number in range(start, start + count):
        meeting_services.agenda_item_add(
            meeting=meeting,
            actor=cast.secretary,
            fields={"title": f"Topic {number:02}", "presenter": "Anna", "duration_minutes": 5},
        )


def test_meeting_page_queries_do_not_grow_with_agenda_items(cast, django_assert_max_num_queries):
    meetings_around(cast)
    meeting = make_meeting(cast.alliance, cast.secretary)
    client = client_for(cast.secretary)
    url = reverse("meetings:detail", args=[cast.alliance.pk, meeting.pk])
    add_topics(cast, meeting, 0, SMALL)
    _, small = counted_get(client, url, "meetings:detail", django_assert_max_num_queries)

    add_topics(cast, meeting, SMALL, LARGE - SMALL)
    response, large = counted_get(client, url, "meetings:detail", django_assert_max_num_queries)

    assert small == large
    assert page(response).count('id="agenda-item-') == len(StandingItem) + LARGE
    assert "Topic 29" in page(response)


# 4. The minutes editor --------------------------------------------------------------------------


ATTENDANCE = (
    Participant.Attendance.PRESENT,
    Participant.Attendance.ABSENT,
    Participant.Attendance.EXCUSED,
)


def meeting_with_minutes(cast, size: int, starts_at) -> Meeting:
    """A meeting with `size` topics beyond the standing agenda, and draft minutes with text on
    every item and a decision on every topic, each for a member or a mapped organisation, and
    attendance recorded for everyone, a guest among them. The members and organisations are new,
    so the meeting's participants and the editor's lists of who can be responsible grow with
    `size` too."""
    members = add_members(cast.alliance, size, start=size)
    organisations = [mapped_organisation(cast.alliance, size + n) for n in range(size)]
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=starts_at)
    add_topics(cast, meeting, 0, size)
    meeting_services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="A guest", email="", present=True
    )
    meeting_services.attendance_record(
        meeting=meeting,
        actor=cast.secretary,
        attendance={
            person.pk: ATTENDANCE[number % len(ATTENDANCE)]
            for number, person in enumerate(meeting.participants.filter(user__isnull=False))
        },
    )
    minutes = make_minutes(meeting, cast.secretary)
    items = list(minutes.items.order_by("position"))
    meeting_services.minutes_save(
        minutes=minutes,
        actor=cast.secretary,
        base_version=minutes.version,
        comments={item.pk: f"<p>Discussed <strong>{item.title}</strong>.</p>" for item in items},
    )
    for number, item in enumerate(item for item in items if item.title.startswith("Topic")):
        meeting_services.decided_action_add(
            item=item,
            actor=cast.secretary,
            title=f"Follow up {item.title}",
            responsible_member=members[number] if number % 2 else None,
            responsible_organisation=None if number % 2 else organisations[number],
            due_date=timezone.localdate() + MONTH,
        )
    return meeting


def test_minutes_editor_queries_do_not_grow_with_items_and_decisions(
    cast, django_assert_max_num_queries
):
    # Minutes copy the agenda when they start, so the two sizes are two meetings, each with a
    # meeting with minutes before it and one after it.
    meetings_around(cast)
    client = client_for(cast.secretary)

    def url(meeting: Meeting) -> str:
        return reverse("meetings:minutes", args=[cast.alliance.pk, meeting.pk])

    small_meeting = meeting_with_minutes(cast, SMALL, MEETING_START)
    _, small = counted_get(
        client, url(small_meeting), "meetings:minutes", django_assert_max_num_queries
    )

    large_meeting = meeting_with_minutes(cast, LARGE, MEETING_START + timedelta(days=7))
    response, large = counted_get(
        client, url(large_meeting), "meetings:minutes", django_assert_max_num_queries
    )

    assert small == large
    assert response.context["editing"]
    assert page(response).count('data-testid="decided-action"') == LARGE
    assert "Follow up Topic 29" in page(response)
    # The editor holds each item's text escaped in its textarea.
    assert "Discussed &lt;strong&gt;Topic 29&lt;/strong&gt;" in page(response)


# 5. The action plan -----------------------------------------------------------------------------


def grow_plan(cast, plan, goal, start: int, count: int) -> None:
    """`count` rows written into the plan, each with three progress updates, for a member, a
    mapped organisation, both or nobody; `count` rows decided in minutes and adopted into the
    plan; and `count` decided in minutes that no plan has adopted yet, which the coordinator's
    page offers."""
    gap = GapFactory(alliance=cast.alliance)
    decisions = make_minutes(
        make_meeting(cast.alliance, cast.secretary, starts_at=MEETING_START - MONTH * (start + 2)),
        cast.secretary,
    ).items.get(kind=StandingItem.UPDATES)
    for number in range(start, start + count):
        member = add_members(cast.alliance, 1, start=number)[0]
        action = make_action(
            plan,
            cast.coordinator,
            goals=[goal],
            gaps=[gap],
            title=f"Row {number:02}",
            responsible_member=member if number % 2 else None,
            responsible_organisation=mapped_organisation(cast.alliance, number)
            if number % 3
            else None,
        )
        for percent in (10, 40, 70):
            plan_services.progress_record(
                action=action, actor=cast.coordinator, percent=percent, status="in_progress"
            )
        adopted, _unplanned = (
            meeting_services.decided_action_add(
                item=decisions, actor=cast.secretary, title=title, responsible_member=member
            )
            for title in (f"Adopted {number:02}", f"Decided {number:02}")
        )
        plan_services.action_adopt(plan=plan, action=adopted, actor=cast.coordinator)


def test_action_plan_queries_do_not_grow_with_actions(cast, django_assert_max_num_queries):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    client = client_for(cast.coordinator)
    url = reverse("actionplans:plan", args=[cast.alliance.pk, plan.pk])
    grow_plan(cast, plan, goal, 0, SMALL)
    _, small = counted_get(client, url, "actionplans:plan", django_assert_max_num_queries)

    grow_plan(cast, plan, goal, SMALL, LARGE - SMALL)
    response, large = counted_get(client, url, "actionplans:plan", django_assert_max_num_queries)

    assert small == large
    assert page(response).count('data-testid="plan-action"') == 2 * LARGE
    assert len(response.context["unplanned"]) == LARGE
    _, cached = counted_get(client, url, "actionplans:plan", django_assert_max_num_queries)
    assert cached == large - 2
    assert "Row 29" in page(response)
    assert "Adopted 29" in page(response)
    assert "Decided 29" in page(response)


# 6. The agreement's status board ----------------------------------------------------------------


def answer_agreement(cast, version, start: int, count: int) -> None:
    """`count` new members answering the version in turn: signed and countersigned, declined,
    signed then withdrawn, and opened but not signed yet."""
    for number, membership in enumerate(add_members(cast.alliance, count, start=start)):
        user = membership.user
        match number % 4:
            case 0:
                signature = sign_as(cast, version, user)
                agreement_services.signature_countersign(
                    signature=signature, actor=cast.chair, typed_name="Chair", facts=FACTS
                )
            case 1:
                signature = agreement_services.signature_for_member(
                    version=version, membership=membership
                )
                agreement_services.signature_decline(
                    signature=signature, facts=FACTS, reason="Not yet."
                )
            case 2:
                signature = sign_as(cast, version, user)
                agreement_services.signature_withdraw(
                    signature=signature, facts=FACTS, reason="We left the project."
                )
            case 3:
                signature = agreement_services.signature_for_member(
                    version=version, membership=membership
                )
                agreement_services.signature_viewed(signature=signature, actor=user, facts=FACTS)


def test_agreement_board_queries_do_not_grow_with_signatures(cast, django_assert_max_num_queries):
    version = make_published_agreement(cast.alliance, cast.coordinator, countersignature=True)
    client = client_for(cast.coordinator)
    url = reverse("agreements:board", args=[cast.alliance.pk, version.number])
    answer_agreement(cast, version, 0, SMALL)
    _, small = counted_get(client, url, "agreements:board", django_assert_max_num_queries)

    answer_agreement(cast, version, SMALL, LARGE - SMALL)
    response, large = counted_get(client, url, "agreements:board", django_assert_max_num_queries)

    assert small == large
    # The cast's chair, secretary, coordinator and member hold seats and have not answered; the
    # observer holds none.
    seats = 4
    assert page(response).count('data-testid="board-row"') == seats + LARGE
    assert "Zed29" in page(response)


# 7. The coordinator report ----------------------------------------------------------------------


def reporting_alliance(size: int):
    """A new alliance with `size` of everything the report lists, and its coordinator."""
    alliance = alliance_of_size(size)
    return alliance, alliance.memberships.get(role=Role.COORDINATOR).user


@pytest.mark.parametrize("name", ["reports:index", "reports:report_pdf"])
def test_coordinator_report_queries_do_not_grow_with_the_alliance(
    db, name, django_assert_max_num_queries
):
    # furnish publishes the agreement and approves a plan, which an alliance does once, so each
    # size is an alliance of its own rather than the cast's.
    today = timezone.localdate()
    # Every meeting furnish holds is in the last 10 + size days, inside this period.
    period = {"start": (today - timedelta(days=60)).isoformat(), "end": today.isoformat()}
    counts, responses = [], []
    for size in (REPORT_SMALL, REPORT_LARGE):
        alliance, coordinator = reporting_alliance(size)
        response, count = counted_get(
            client_for(coordinator),
            reverse(name, args=[alliance.pk]),
            name,
            django_assert_max_num_queries,
            period if name == "reports:report_pdf" else None,
        )
        counts.append(count)
        responses.append(response)

    assert counts[0] == counts[1]
    if name == "reports:report_pdf":
        text = pdf_text(responses[1].content)
        assert f"Plenary {REPORT_LARGE}" in text
        assert f"Audience {REPORT_LARGE}" in text
    else:
        # The page holds only the form that chooses the period; the PDF prints the rows.
        assert alliance.name in page(responses[1])
