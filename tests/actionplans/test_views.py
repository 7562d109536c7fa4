"""Action-plan pages through HTTP: what people type and click, what is stored, what pages say.

Who may open which URL is tests/test_authorization_matrix.py; the rules behind each write are the
service tests next to this file. Here the pages are driven the way a browser drives them: the
drafting forms, the confirmation pages, the chair's review with its hash, and progress reports.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from actionplans import services
from actionplans.models import (
    ERR_DECIDE_STATUS,
    ERR_DONE_NEEDS_FULL,
    ERR_GOAL_DATE,
    ERR_GOAL_TARGET,
    ERR_GOAL_UNIT,
    ERR_PLAN_SUBMITTED,
    ERR_STALE_HASH,
    Action,
    ActionPlan,
    Goal,
    PlanVersion,
    ProgressUpdate,
)
from actionplans.services import (
    ERR_MOVE,
    ERR_PLAN_WAS_SUBMITTED,
    ERR_WRONG_PASSWORD,
)
from meetings import services as meeting_services
from meetings.models import StandingItem

from ..conftest import client_for
from ..demo_support import parse_page
from ..factories import (
    TEST_PASSWORD,
    GapFactory,
    OrganisationFactory,
    StakeholderFactory,
    approve_plan,
    make_action,
    make_approved_plan,
    make_goal,
    make_meeting,
    make_minutes,
    make_plan,
    make_submitted_plan,
)

pytestmark = pytest.mark.django_db

Status = ActionPlan.Status


# Helpers ----------------------------------------------------------------------------------------


def _url(name: str, plan: ActionPlan, *extra) -> str:
    return reverse(f"actionplans:{name}", args=[plan.alliance_id, plan.pk, *extra])


def _page(response) -> str:
    return response.content.decode()


def _shows(response, message) -> bool:
    """The message as the page prints it: autoescaped."""
    return escape(str(message)) in _page(response)


def _section(response, testid: str) -> str:
    """The HTML of the board's section marked with data-testid."""
    match = re.search(rf'data-testid="{testid}">(.*?)</section>', _page(response), re.S)
    assert match, testid
    return match.group(1)


def _action_ids_on_page(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="action-(\d+)" data-testid', _page(response))]


def _shown_sha256(response) -> str:
    match = re.search(r'data-testid="review-sha256">([0-9a-f]{64})<', _page(response))
    assert match, "the review page shows no hash"
    return match.group(1)


def _numbers(plan: ActionPlan) -> list[tuple[int, int]]:
    return list(plan.actions.order_by("number", "pk").values_list("pk", "number"))


def _goal_form(**fields) -> dict:
    return {
        "title": "Families know where to turn",
        "target_value": "60",
        "unit": "%",
        "current_value": "20",
        "relevance": "The vision says everyone knows where to turn.",
        "due_date": "2028-01-31",
        **fields,
    }


def _action_form(**fields) -> dict:
    return {
        "title": "Open a weekly help desk",
        "local_problem": "Families do not know which office does what.",
        "description": "A desk at the library every Tuesday.",
        "budget_amount": "48000.50",
        "budget_currency": "sek",
        "resources": "Municipal integration grant",
        "responsible_organisation": "",
        "responsible_member": "",
        "start_date": "2027-02-01",
        "due_date": "2027-12-15",
        "obstacles": "Volunteers leave in summer.",
        "obstacle_plan": "Recruit a second group in spring.",
        "collaborators": "Library staff",
        "goals": [],
        "gaps": [],
        **fields,
    }


def _form_of(action: Action, **fields) -> dict:
    """The edit form as the page fills it for the action, with some fields changed."""
    current = {
        "title": action.title,
        "local_problem": action.local_problem,
        "description": action.description,
        "budget_amount": str(action.budget_amount or ""),
        "budget_currency": action.budget_currency,
        "resources": action.resources,
        "responsible_organisation": action.responsible_organisation_id or "",
        "responsible_member": action.responsible_member_id or "",
        "start_date": action.start_date.isoformat() if action.start_date else "",
        "due_date": action.due_date.isoformat() if action.due_date else "",
        "obstacles": action.obstacles,
        "obstacle_plan": action.obstacle_plan,
        "collaborators": action.collaborators,
        "goals": [goal.pk for goal in action.goals.all()],
        "gaps": [gap.pk for gap in action.gaps.all()],
    }
    return {**current, **fields}


def _decided_action(cast, title: str = "Ask the library for a room") -> Action:
    meeting = make_meeting(cast.alliance, cast.secretary)
    minutes = make_minutes(meeting, cast.secretary)
    item = minutes.items.get(kind=StandingItem.UPDATES)
    return meeting_services.decided_action_add(item=item, actor=cast.secretary, title=title)


def _mapped_organisation(cast, name: str = "Växjö Red Cross"):
    return StakeholderFactory(alliance=cast.alliance, organisation__name=name).organisation


def _state(plan: ActionPlan) -> tuple:
    """Everything the plan promises, and its sign-off state, as stored."""
    plan.refresh_from_db()
    return (
        plan.title,
        plan.period_start,
        plan.period_end,
        plan.status,
        plan.version,
        list(plan.goals.order_by("pk").values_list("pk", "number", "title", "target_value")),
        list(plan.actions.order_by("pk").values_list("pk", "number", "title", "budget_amount")),
        list(plan.versions.order_by("number").values_list("number", "sha256", "approved_at")),
    )


# Creating and drafting --------------------------------------------------------------------------


def test_a_new_plan_takes_the_alliance_period_as_its_default(cast):
    client = client_for(cast.coordinator)
    url = reverse("actionplans:plan_create", args=[cast.alliance.pk])

    form = client.get(url).context["form"]
    response = client.post(
        url,
        {
            "title": "Action plan 2026-2028",
            "period_start": form.initial["period_start"].isoformat(),
            "period_end": form.initial["period_end"].isoformat(),
        },
    )

    plan = ActionPlan.objects.get(alliance=cast.alliance)
    assert response.status_code == 302
    assert response["Location"] == _url("plan", plan)
    assert (plan.period_start, plan.period_end) == (
        cast.alliance.period_start,
        cast.alliance.period_end,
    )
    assert (plan.status, plan.version, plan.created_by) == (Status.DRAFT, 1, cast.coordinator)


def test_the_new_plan_form_shows_the_alliance_period(cast):
    response = client_for(cast.secretary).get(
        reverse("actionplans:plan_create", args=[cast.alliance.pk])
    )
    assert response.status_code == 200
    assert f'value="{cast.alliance.period_start.isoformat()}"' in _page(response)
    assert f'value="{cast.alliance.period_end.isoformat()}"' in _page(response)


def test_goals_are_added_through_the_smart_form_and_numbered(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    client = client_for(cast.coordinator)

    first = client.post(_url("goal_add", plan), _goal_form())
    second = client.post(_url("goal_add", plan), _goal_form(title="Mediators in every town"))

    goals = list(plan.goals.order_by("number"))
    assert [first.status_code, second.status_code] == [302, 302]
    assert [(goal.number, goal.title) for goal in goals] == [
        (1, "Families know where to turn"),
        (2, "Mediators in every town"),
    ]
    assert (goals[0].target_value, goals[0].unit, goals[0].due_date) == (
        Decimal("60"),
        "%",
        date(2028, 1, 31),
    )
    page = client.get(_url("plan", plan))
    assert "Mediators in every town" in _page(page)


def test_a_goal_without_target_unit_and_date_is_explained_and_not_saved(cast):
    plan = make_plan(cast.alliance, cast.coordinator)

    response = client_for(cast.coordinator).post(
        _url("goal_add", plan), _goal_form(target_value="", unit="  ", due_date="")
    )

    assert response.status_code == 200
    for message in (ERR_GOAL_TARGET, ERR_GOAL_UNIT, ERR_GOAL_DATE):
        assert _shows(response, message), message
    assert set(response.context["form"].errors) == {"target_value", "unit", "due_date"}
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("missing", "message"),
    [("target_value", ERR_GOAL_TARGET), ("unit", ERR_GOAL_UNIT), ("due_date", ERR_GOAL_DATE)],
)
def test_each_missing_smart_part_has_its_own_explanation(cast, missing, message):
    plan = make_plan(cast.alliance, cast.coordinator)

    response = client_for(cast.coordinator).post(
        _url("goal_add", plan), _goal_form(**{missing: ""})
    )

    assert response.status_code == 200
    assert _shows(response, message)
    assert list(response.context["form"].errors) == [missing]
    assert not Goal.objects.exists()


def test_an_action_is_added_with_its_organisation_person_goals_and_gaps(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    make_goal(plan, cast.coordinator, title="Another goal")
    gap = GapFactory(alliance=cast.alliance, problem_area="No interpreters at the clinic")
    organisation = _mapped_organisation(cast)
    member = cast.membership(cast.member)
    client = client_for(cast.coordinator)

    response = client.post(
        _url("action_add", plan),
        _action_form(
            responsible_organisation=organisation.pk,
            responsible_member=member.pk,
            goals=[goal.pk],
            gaps=[gap.pk],
        ),
    )

    action = Action.objects.get(plan=plan)
    assert response.status_code == 302
    assert response["Location"] == _url("plan", plan) + f"#action-{action.pk}"
    assert action.number == 1
    assert (action.responsible_organisation, action.responsible_member) == (organisation, member)
    assert (action.budget_amount, action.budget_currency) == (Decimal("48000.50"), "SEK")
    assert (action.start_date, action.due_date) == (date(2027, 2, 1), date(2027, 12, 15))
    assert list(action.goals.all()) == [goal]
    assert list(action.gaps.all()) == [gap]
    assert action.created_by == cast.coordinator
    page = client.get(_url("plan", plan))
    assert "Open a weekly help desk" in _page(page)
    assert escape(action.responsible_label) in _page(page)
    detail = client.get(_url("action", plan, action.pk))
    assert "No interpreters at the clinic" in _page(detail)
    assert escape(str(goal)) in _page(detail)


def test_an_organisation_the_alliance_has_not_mapped_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    unmapped = OrganisationFactory(name="Unmapped trust")

    response = client_for(cast.coordinator).post(
        _url("action_add", plan), _action_form(responsible_organisation=unmapped.pk)
    )

    assert response.status_code == 200
    assert "responsible_organisation" in response.context["form"].errors
    assert "Unmapped trust" not in _page(response)
    assert not Action.objects.exists()


def test_only_mapped_organisations_and_active_members_are_offered(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    mapped = _mapped_organisation(cast, "Mapped library")
    OrganisationFactory(name="Unmapped trust")

    form = client_for(cast.coordinator).get(_url("action_add", plan)).context["form"]

    assert list(form.fields["responsible_organisation"].queryset) == [mapped]
    offered = set(form.fields["responsible_member"].queryset)
    assert cast.membership(cast.member) in offered
    assert not any(member.alliance_id != cast.alliance.pk for member in offered)


def test_editing_an_action_of_an_approved_plan_starts_version_2(cast):
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair)
    action = plan.actions.get(number=1)
    client = client_for(cast.coordinator)

    response = client.post(
        _url("action_edit", plan, action.pk),
        _form_of(action, title="Action one, revised"),
        follow=True,
    )

    plan.refresh_from_db()
    action.refresh_from_db()
    assert response.status_code == 200
    assert (plan.version, plan.status) == (2, Status.DRAFT)
    assert action.title == "Action one, revised"
    assert "Your change started version 2 as a draft" in _page(response)
    assert "Version 1 stays approved as it was." in _page(response)
    assert plan.versions.get(number=1).is_approved


def test_a_second_edit_of_the_new_draft_stays_in_version_2(cast):
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair)
    action = plan.actions.get(number=1)
    client = client_for(cast.coordinator)
    # Following the redirect shows (and so consumes) the message about version 2.
    client.post(
        _url("action_edit", plan, action.pk), _form_of(action, title="Revised"), follow=True
    )

    action.refresh_from_db()
    response = client.post(
        _url("action_edit", plan, action.pk), _form_of(action, title="Revised twice"), follow=True
    )

    plan.refresh_from_db()
    assert (plan.version, plan.status) == (2, Status.DRAFT)
    assert "started version" not in _page(response)


# Ordering ---------------------------------------------------------------------------------------


def test_moving_actions_down_and_up_renumbers_the_rows(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    first, second, third = (
        make_action(plan, cast.coordinator, title=title) for title in ("First", "Second", "Third")
    )
    client = client_for(cast.coordinator)

    down = client.post(_url("action_move", plan, first.pk), {"direction": "down"})
    assert down.status_code == 302
    assert _numbers(plan) == [(second.pk, 1), (first.pk, 2), (third.pk, 3)]

    up = client.post(_url("action_move", plan, third.pk), {"direction": "up"})
    assert up.status_code == 302
    assert _numbers(plan) == [(second.pk, 1), (third.pk, 2), (first.pk, 3)]
    assert _action_ids_on_page(client.get(_url("plan", plan))) == [second.pk, third.pk, first.pk]


def test_the_first_action_cannot_move_up(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    first = make_action(plan, cast.coordinator, title="First")
    make_action(plan, cast.coordinator, title="Second")
    before = _numbers(plan)

    response = client_for(cast.coordinator).post(
        _url("action_move", plan, first.pk), {"direction": "up"}, follow=True
    )

    assert _shows(response, ERR_MOVE)
    assert _numbers(plan) == before


def test_renumber_closes_gaps_and_repeats_in_table_order(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    actions = [make_action(plan, cast.coordinator, title=f"Row {n}") for n in range(3)]
    # As an import might leave them: a repeat and a gap.
    for action, number in zip(actions, (4, 4, 9), strict=True):
        Action.objects.filter(pk=action.pk).update(number=number)
    client = client_for(cast.coordinator)

    response = client.post(_url("plan_renumber", plan), follow=True)

    assert _numbers(plan) == [(action.pk, n) for n, action in enumerate(actions, start=1)]
    assert "The actions were numbered 1, 2, 3" in _page(response)
    again = client.post(_url("plan_renumber", plan), follow=True)
    assert "The actions were already numbered in order." in _page(again)


def test_renumbering_an_approved_plan_in_order_opens_no_new_version(cast):
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair)

    client_for(cast.coordinator).post(_url("plan_renumber", plan))

    plan.refresh_from_db()
    assert (plan.version, plan.status) == (1, Status.APPROVED)


# Actions decided in meetings --------------------------------------------------------------------


def test_adopting_a_decided_action_moves_it_into_the_plan(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    make_action(plan, cast.coordinator, title="Planned already")
    decided = _decided_action(cast)
    client = client_for(cast.coordinator)
    before = client.get(_url("plan", plan))
    assert 'id="decided"' in _page(before)
    assert _url("action_adopt", plan, decided.pk) in _page(before)

    response = client.post(_url("action_adopt", plan, decided.pk), follow=True)

    decided.refresh_from_db()
    assert (decided.plan, decided.number) == (plan, 2)
    assert "is now action 2 of the plan" in _page(response)
    after = client.get(_url("plan", plan))
    assert decided.pk in _action_ids_on_page(after)
    assert 'id="decided"' not in _page(after)
    assert "Actions decided in meetings, not yet in a plan" not in _page(after)


def test_removing_a_decided_action_keeps_it_on_the_alliance_actions_page(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    decided = _decided_action(cast, "Book the town hall")
    services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
    client = client_for(cast.coordinator)

    confirm = client.get(_url("action_remove", plan, decided.pk))
    response = client.post(_url("action_remove", plan, decided.pk))

    assert confirm.status_code == 200
    assert "stays on the alliance" in _page(confirm)
    assert response.status_code == 302
    decided.refresh_from_db()
    assert (decided.plan, decided.number, decided.decided_in_id is not None) == (None, None, True)
    actions_page = client.get(reverse("actionplans:actions", args=[cast.alliance.pk]))
    assert "Book the town hall" in _page(actions_page)
    assert "Not in a plan" in _page(actions_page)
    plan_page = client.get(_url("plan", plan))
    assert decided.pk not in _action_ids_on_page(plan_page)
    assert 'id="decided"' in _page(plan_page)


def test_removing_a_drafted_action_deletes_it_and_renumbers(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    first, second = (make_action(plan, cast.coordinator, title=t) for t in ("One", "Two"))

    client_for(cast.coordinator).post(_url("action_remove", plan, first.pk))

    assert not Action.objects.filter(pk=first.pk).exists()
    assert _numbers(plan) == [(second.pk, 1)]


# Submitting and withdrawing ---------------------------------------------------------------------


def _draft_with_content(cast, actions: int = 2) -> ActionPlan:
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    for number in range(1, actions + 1):
        make_action(plan, cast.coordinator, goals=[goal], title=f"Action {number}")
    return plan


def test_submitting_asks_first_then_locks_the_plan(cast):
    plan = _draft_with_content(cast)
    action = plan.actions.get(number=1)
    goal = plan.goals.get()
    client = client_for(cast.coordinator)

    confirm = client.get(_url("plan_submit", plan))
    plan.refresh_from_db()
    assert confirm.status_code == 200
    assert "Submit version 1 for sign-off?" in _page(confirm)
    assert plan.status == Status.DRAFT

    response = client.post(_url("plan_submit", plan), follow=True)

    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED
    assert plan.versions.get().number == 1
    assert "Version 1 was submitted to the chair for sign-off." in _page(response)
    page = _page(client.get(_url("plan", plan)))
    for url in (
        _url("plan_edit", plan),
        _url("goal_add", plan),
        _url("goal_edit", plan, goal.pk),
        _url("action_add", plan),
        _url("action_edit", plan, action.pk),
        _url("action_remove", plan, action.pk),
        _url("action_move", plan, action.pk),
        _url("plan_renumber", plan),
        _url("plan_submit", plan),
        _url("plan_delete", plan),
    ):
        assert url not in page, url
    assert _url("plan_withdraw", plan) in page


def _edit_posts(plan: ActionPlan) -> list[tuple[str, str, dict]]:
    action = plan.actions.get(number=1)
    goal = plan.goals.get(number=1)
    return [
        (
            "plan_edit",
            _url("plan_edit", plan),
            {"title": "Renamed", "period_start": "2027-01-01", "period_end": "2028-06-30"},
        ),
        ("goal_add", _url("goal_add", plan), _goal_form(title="Sneaked in")),
        ("goal_edit", _url("goal_edit", plan, goal.pk), _goal_form(title="Changed goal")),
        ("action_add", _url("action_add", plan), _action_form(title="Sneaked in")),
        ("action_edit", _url("action_edit", plan, action.pk), _form_of(action, title="Changed")),
    ]


def test_edits_while_submitted_are_refused_with_an_explanation(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    before = _state(plan)
    client = client_for(cast.coordinator)

    for name, url, data in _edit_posts(plan):
        response = client.post(url, data)
        assert response.status_code == 200, name
        assert _shows(response, ERR_PLAN_SUBMITTED), name

    assert _state(plan) == before


@pytest.mark.parametrize("name", ["action_move", "goal_remove", "action_remove", "plan_renumber"])
def test_reordering_and_removing_while_submitted_is_refused(cast, name):
    plan = make_submitted_plan(cast.alliance, cast.coordinator, actions=3)
    Action.objects.filter(plan=plan, number=3).update(number=7)
    action = plan.actions.get(number=1)
    args = {
        "action_move": (action.pk,),
        "goal_remove": (plan.goals.get().pk,),
        "action_remove": (action.pk,),
        "plan_renumber": (),
    }[name]
    before = _state(plan)

    response = client_for(cast.coordinator).post(
        _url(name, plan, *args), {"direction": "down"}, follow=True
    )

    assert response.status_code == 200
    assert _shows(response, ERR_PLAN_SUBMITTED)
    assert _state(plan) == before


def test_withdrawing_makes_the_plan_a_draft_again(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    client = client_for(cast.coordinator)

    response = client.post(_url("plan_withdraw", plan), follow=True)

    plan.refresh_from_db()
    assert plan.status == Status.DRAFT
    assert "The submission was withdrawn" in _page(response)
    assert _url("action_add", plan) in _page(client.get(_url("plan", plan)))


# The chair's review and decision ----------------------------------------------------------------


def test_the_review_page_shows_the_full_hash_and_the_snapshot(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    version = plan.versions.get()

    response = client_for(cast.chair).get(_url("plan_review", plan))

    assert response.status_code == 200
    assert _shown_sha256(response) == version.sha256
    assert len(version.sha256) == 64
    snapshot = re.search(r'data-testid="snapshot">(.*)', _page(response), re.S).group(1)
    for title in ("Action 1", "Action 2", "Mediators trained in every municipality"):
        assert title in snapshot
    assert f'name="sha256" value="{version.sha256}"' in _page(response)


def test_the_chair_approves_with_password_and_the_hash_from_the_page(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    client = client_for(cast.chair)
    shown = _shown_sha256(client.get(_url("plan_review", plan)))

    response = client.post(
        _url("plan_approve", plan), {"sha256": shown, "password": TEST_PASSWORD}, follow=True
    )

    plan.refresh_from_db()
    version = plan.versions.get()
    assert plan.status == Status.APPROVED
    assert (version.approved_by, version.sha256) == (cast.chair, shown)
    assert "You approved version 1." in _page(response)
    assert shown in _page(client.get(_url("plan", plan)))


def test_a_wrong_password_approves_nothing(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    client = client_for(cast.chair)
    shown = _shown_sha256(client.get(_url("plan_review", plan)))

    response = client.post(_url("plan_approve", plan), {"sha256": shown, "password": "guess"})

    plan.refresh_from_db()
    assert response.status_code == 400
    assert _shows(response, ERR_WRONG_PASSWORD)
    assert plan.status == Status.SUBMITTED
    assert not plan.versions.get().is_approved


def test_a_hash_from_before_a_resubmission_approves_nothing(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    chair = client_for(cast.chair)
    coordinator = client_for(cast.coordinator)
    shown = _shown_sha256(chair.get(_url("plan_review", plan)))
    # Meanwhile the coordinator withdraws, changes an action and submits again.
    coordinator.post(_url("plan_withdraw", plan))
    action = plan.actions.get(number=1)
    coordinator.post(_url("action_edit", plan, action.pk), _form_of(action, title="Changed"))
    coordinator.post(_url("plan_submit", plan))
    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED
    assert plan.versions.get().sha256 != shown

    response = chair.post(_url("plan_approve", plan), {"sha256": shown, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == _url("plan_review", plan)
    assert _shows(chair.get(response["Location"]), ERR_STALE_HASH)
    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED
    assert not plan.versions.get().is_approved


def test_approving_a_plan_that_is_not_submitted_says_so_and_changes_nothing(cast):
    plan = _draft_with_content(cast)
    before = _state(plan)
    client = client_for(cast.chair)

    review = client.get(_url("plan_review", plan))
    response = client.post(
        _url("plan_approve", plan), {"sha256": "a" * 64, "password": TEST_PASSWORD}, follow=True
    )

    assert "There is nothing to sign off" in _page(review)
    assert _shows(response, ERR_DECIDE_STATUS)
    assert _state(plan) == before
    assert not PlanVersion.objects.exists()


def test_returning_with_comments_shows_them_on_the_plan(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    chair = client_for(cast.chair)
    shown = _shown_sha256(chair.get(_url("plan_review", plan)))

    response = chair.post(
        _url("plan_return", plan),
        {"sha256": shown, "comments": "Give action 2 a budget & a date."},
    )

    plan.refresh_from_db()
    version = plan.versions.get()
    assert response.status_code == 302
    assert plan.status == Status.RETURNED
    assert (version.returned_by, version.return_comments) == (
        cast.chair,
        "Give action 2 a budget & a date.",
    )
    page = client_for(cast.coordinator).get(_url("plan", plan))
    assert "Give action 2 a budget &amp; a date." in _page(page)
    assert _url("plan_submit", plan) in _page(page)


@pytest.mark.parametrize("comments", ["", "   \n "])
def test_returning_without_comments_is_refused(cast, comments):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    chair = client_for(cast.chair)
    shown = _shown_sha256(chair.get(_url("plan_review", plan)))

    response = chair.post(_url("plan_return", plan), {"sha256": shown, "comments": comments})

    plan.refresh_from_db()
    assert response.status_code == 400
    assert "comments" in response.context["return_form"].errors
    assert plan.status == Status.SUBMITTED
    assert plan.versions.get().returned_at is None


# Versions and differences -----------------------------------------------------------------------


def _approved_then_edited(cast) -> tuple[ActionPlan, Action]:
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair)
    action = plan.actions.get(number=1)
    client_for(cast.coordinator).post(
        _url("action_edit", plan, action.pk), _form_of(action, title="Action one for families")
    )
    plan.refresh_from_db()
    return plan, action


def test_the_versions_page_lists_every_submitted_version(cast):
    plan, _action = _approved_then_edited(cast)
    services.plan_submit(plan=plan, actor=cast.coordinator)

    response = client_for(cast.observer).get(_url("versions", plan))

    page = _page(response)
    assert response.status_code == 200
    assert page.count('data-testid="version-row"') == 2
    for version in plan.versions.all():
        assert version.sha256 in page
        assert _url("version", plan, version.number) in page
    assert "Waiting for sign-off" in page


def test_the_diff_marks_the_changed_action_title(cast):
    plan, _action = _approved_then_edited(cast)

    response = client_for(cast.member).get(_url("diff", plan), {"from": "1", "to": "current"})

    page = _page(response)
    assert response.status_code == 200
    assert re.search(r"<del>(<span[^>]*>[^<]*</span>)?1</del>", page)
    assert re.search(r"<ins>(<span[^>]*>[^<]*</span>)?one for families</ins>", page)


def test_the_diff_defaults_to_the_approved_version_and_the_current_plan(cast):
    plan, _action = _approved_then_edited(cast)

    response = client_for(cast.member).get(_url("diff", plan))

    assert (response.context["before_key"], response.context["after_key"]) == ("1", "current")
    assert "<ins>" in _page(response)
    assert "<del>" in _page(response)


def test_version_1_still_shows_the_old_title_after_an_edit(cast):
    plan, action = _approved_then_edited(cast)

    response = client_for(cast.member).get(_url("version", plan, 1))

    snapshot = re.search(r'data-testid="snapshot">(.*)', _page(response), re.S).group(1)
    assert response.status_code == 200
    assert "Action 1" in snapshot
    assert "Action one for families" not in snapshot
    action.refresh_from_db()
    assert action.title == "Action one for families"


# The tracking board -----------------------------------------------------------------------------


def test_the_board_groups_actions_and_draws_one_bar_each(cast):
    today = timezone.localdate()
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator, title="Everyone knows the help desk")
    organisation = _mapped_organisation(cast, "Växjö library")

    def add(title, start, due, **fields):
        return make_action(
            plan, cast.coordinator, title=title, start_date=start, due_date=due, **fields
        )

    overdue = add("Late leaflet", today - timedelta(days=60), today - timedelta(days=3))
    soon = add(
        "Soon workshop",
        today - timedelta(days=10),
        today + timedelta(days=5),
        responsible_organisation=organisation,
        goals=[goal],
    )
    later = add("Later survey", today, today + timedelta(days=100), goals=[goal])
    done_late = add("Finished flyer", today - timedelta(days=90), today - timedelta(days=30))
    services.progress_record(
        action=done_late, actor=cast.coordinator, percent=100, status=Action.Status.DONE
    )

    response = client_for(cast.observer).get(_url("board", plan))

    assert response.status_code == 200
    overdue_html = _section(response, "overdue")
    assert "Late leaflet" in overdue_html
    assert "Finished flyer" not in overdue_html
    assert "Soon workshop" not in overdue_html
    soon_html = _section(response, "due-soon")
    assert "Soon workshop" in soon_html
    assert "Later survey" not in soon_html
    partners = _section(response, "by-partner")
    assert "Växjö library" in partners
    assert "No one responsible yet" in partners
    by_goal = _section(response, "by-goal")
    assert escape(str(goal)) in by_goal
    assert "Not linked to a goal" in by_goal
    svg = re.search(r"<svg.*?</svg>", _page(response), re.S).group(0)
    assert svg.count('<rect class="status-') == 4
    for action in (overdue, soon, later, done_late):
        assert f"{action.number}. {action.title}" in svg


def test_the_board_of_a_plan_without_actions_says_so(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    response = client_for(cast.member).get(_url("board", plan))
    assert response.status_code == 200
    assert "nothing to track" in _page(response)
    assert "<svg" not in _page(response)


# Progress ---------------------------------------------------------------------------------------


def _progress_form(**fields) -> dict:
    return {
        "date": timezone.localdate().isoformat(),
        "status": Action.Status.IN_PROGRESS,
        "percent": "40",
        "note": "The room is booked.",
        **fields,
    }


def test_a_member_reports_progress_on_their_own_action(cast):
    plan = _draft_with_content(cast, actions=1)
    action = make_action(
        plan, cast.coordinator, title="Mine", responsible_member=cast.membership(cast.member)
    )
    client = client_for(cast.member)
    assert "Report progress" in _page(client.get(_url("plan", plan)))

    response = client.post(_url("progress_add", plan, action.pk), _progress_form(), follow=True)

    action.refresh_from_db()
    update = ProgressUpdate.objects.get(action=action)
    assert (action.status, action.progress_percent) == (Action.Status.IN_PROGRESS, 40)
    assert (update.author, update.note, update.percent) == (cast.member, "The room is booked.", 40)
    history = re.search(r'data-testid="progress-history">(.*?)</ol>', _page(response), re.S)
    assert history
    assert "The room is booked." in history.group(1)
    assert escape(str(cast.member)) in history.group(1)
    assert "40 %" in history.group(1)


def test_the_progress_form_behind_report_progress_saves_what_is_entered(cast):
    plan = _draft_with_content(cast, actions=1)
    action = make_action(
        plan, cast.coordinator, title="Mine", responsible_member=cast.membership(cast.member)
    )
    client = client_for(cast.member)
    link = re.search(r'href="([^"]+)#progress"', _page(client.get(_url("plan", plan))))
    assert link
    page_url = unescape(link.group(1))
    forms, _links = parse_page(page_url, _page(client.get(page_url)))
    [form] = [form for form in forms if form.method == "POST" and "percent" in form.data()]

    response = client.post(form.action, {**form.data(), **_progress_form(percent="30")})

    assert response.status_code == 302
    assert ProgressUpdate.objects.get(action=action).percent == 30
    action.refresh_from_db()
    assert action.progress_percent == 30


def test_a_progress_report_posted_to_the_action_page_is_refused_not_ignored(cast):
    plan = _draft_with_content(cast, actions=1)
    action = plan.actions.get()

    response = client_for(cast.coordinator).post(_url("action", plan, action.pk), _progress_form())

    assert response.status_code == 405
    assert not ProgressUpdate.objects.exists()


def test_progress_is_recorded_while_the_plan_waits_for_sign_off(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    action = plan.actions.get(number=1)

    response = client_for(cast.secretary).post(
        _url("progress_add", plan, action.pk), _progress_form(percent="10")
    )

    plan.refresh_from_db()
    assert response.status_code == 302
    assert ProgressUpdate.objects.filter(action=action, percent=10).exists()
    assert (plan.status, plan.version) == (Status.SUBMITTED, 1)


def test_a_member_cannot_report_on_someone_elses_action(cast):
    plan = _draft_with_content(cast, actions=1)
    other = cast.membership(cast.secretary)
    action = make_action(plan, cast.coordinator, title="Theirs", responsible_member=other)

    response = client_for(cast.member).post(_url("progress_add", plan, action.pk), _progress_form())

    action.refresh_from_db()
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()
    assert (action.status, action.progress_percent) == (Action.Status.NOT_STARTED, 0)


def test_done_needs_100_percent(cast):
    plan = _draft_with_content(cast, actions=1)
    action = plan.actions.get()

    response = client_for(cast.coordinator).post(
        _url("progress_add", plan, action.pk),
        _progress_form(status=Action.Status.DONE, percent="60"),
    )

    action.refresh_from_db()
    assert response.status_code == 400
    assert _shows(response, ERR_DONE_NEEDS_FULL)
    assert not ProgressUpdate.objects.exists()
    assert (action.status, action.progress_percent) == (Action.Status.NOT_STARTED, 0)


# Deleting a plan --------------------------------------------------------------------------------


def test_a_plan_never_submitted_is_deleted_after_confirmation(cast):
    plan = _draft_with_content(cast)
    decided = _decided_action(cast)
    services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
    client = client_for(cast.coordinator)

    confirm = client.get(_url("plan_delete", plan))
    assert confirm.status_code == 200
    assert ActionPlan.objects.filter(pk=plan.pk).exists()

    response = client.post(_url("plan_delete", plan))

    assert response.status_code == 302
    assert response["Location"] == reverse("actionplans:plans", args=[cast.alliance.pk])
    assert not ActionPlan.objects.filter(pk=plan.pk).exists()
    assert not Goal.objects.exists()
    # The drafted rows go with the plan; only the decided action stays tracked, unplanned.
    assert list(Action.objects.values_list("pk", "plan")) == [(decided.pk, None)]
    actions_page = _page(client.get(reverse("actionplans:actions", args=[cast.alliance.pk])))
    assert "Action 1" not in actions_page
    assert escape(decided.title) in actions_page


@pytest.mark.parametrize("withdrawn", [False, True])
def test_a_plan_once_submitted_is_kept(cast, withdrawn):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    if withdrawn:
        services.plan_withdraw(plan=plan, actor=cast.coordinator)
    before = _state(plan)
    client = client_for(cast.coordinator)
    assert _url("plan_delete", plan) not in _page(client.get(_url("plan", plan)))

    response = client.post(_url("plan_delete", plan), follow=True)

    assert _shows(response, ERR_PLAN_WAS_SUBMITTED)
    assert _state(plan) == before


# Query counts -----------------------------------------------------------------------------------


def _plan_with_rows(cast, count: int, tag: str, *, submitted: bool) -> ActionPlan:
    """A plan whose every row shows a person, an organisation, goals and gaps."""
    plan = make_plan(cast.alliance, cast.coordinator, title=f"Plan {tag}")
    goals = [make_goal(plan, cast.coordinator, title=f"Goal {tag} {n}") for n in range(2)]
    gaps = [GapFactory(alliance=cast.alliance) for _ in range(2)]
    organisation = _mapped_organisation(cast, f"Partner {tag}")
    member = cast.membership(cast.member)
    today = timezone.localdate()
    for number in range(count):
        action = make_action(
            plan,
            cast.coordinator,
            title=f"Row {tag} {number}",
            goals=goals[: number % 3],
            gaps=gaps[: (number + 1) % 3],
            responsible_member=member if number % 2 else None,
            responsible_organisation=organisation if number % 3 else None,
            start_date=today - timedelta(days=30),
            due_date=today + timedelta(days=number * 3 - 6),
        )
        services.progress_record(
            action=action, actor=cast.coordinator, percent=number * 4, status="in_progress"
        )
    if submitted:
        services.plan_submit(plan=plan, actor=cast.coordinator)
    return plan


@pytest.mark.parametrize(
    ("name", "role", "submitted"),
    [
        ("plan", "coordinator", False),
        ("plan", "member", True),
        ("board", "coordinator", False),
        ("plan_review", "chair", True),
    ],
)
def test_page_queries_do_not_grow_with_actions(
    cast, django_assert_max_num_queries, name, role, submitted
):
    small = _plan_with_rows(cast, 3, "small", submitted=submitted)
    large = _plan_with_rows(cast, 20, "large", submitted=submitted)
    _decided_action(cast)
    client = client_for(getattr(cast, role))
    assert client.get(_url(name, small)).status_code == 200  # warm the session
    # Both pages are measured with none of their rows rendered before (the fragment cache).
    cache.clear()

    with CaptureQueriesContext(connection) as measured:
        assert client.get(_url(name, small)).status_code == 200

    cache.clear()
    with django_assert_max_num_queries(len(measured)):
        response = client.get(_url(name, large))
    assert response.status_code == 200
    assert "Row large 19" in _page(response)


# Money and timelines read the same everywhere ---------------------------------------------------


def _in_swedish(user):
    user.preferred_language = "sv"
    user.save(update_fields=["preferred_language"])
    return client_for(user)


def test_the_diff_prints_the_budget_as_the_plan_table_does(cast):
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair)
    services.action_update(
        action=plan.actions.get(number=1),
        actor=cast.coordinator,
        fields={"budget_amount": Decimal("25000")},
    )
    client = _in_swedish(cast.member)

    table = _page(client.get(_url("plan", plan)))
    diff = _page(client.get(_url("diff", plan), {"from": "1", "to": "current"}))

    # A Swedish reader sees the krona's own symbol, in Swedish number format.
    assert "25\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr" in table
    ins = r"<ins>(<span[^>]*>[^<]*</span>)?25\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr</ins>"
    assert re.search(ins, diff)
    deleted = r"<del>(<span[^>]*>[^<]*</span>)?125\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}kr</del>"
    assert re.search(deleted, diff)
    assert "25000.00" not in diff and "125000.00" not in diff


def test_an_adopted_action_without_a_start_date_reads_by_its_due_date_everywhere(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    make_goal(plan, cast.coordinator)
    action = make_action(
        plan, cast.coordinator, start_date=None, due_date=date(2027, 1, 6), title="Open a café"
    )
    services.plan_submit(plan=plan, actor=cast.coordinator)
    approve_plan(plan, cast.chair)
    client = _in_swedish(cast.member)

    pages = {
        "plan": _page(client.get(_url("plan", plan))),
        "action": _page(client.get(_url("action", plan, action.pk))),
        "version": _page(client.get(_url("version", plan, 1))),
    }

    for name, page in pages.items():
        assert "Senast 6 januari 2027" in page, name
        # The old fallback printed a dash for the missing start before the range's own dash.
        assert not re.search(r"\N{EN DASH}\s+\N{EN DASH}", page), name
