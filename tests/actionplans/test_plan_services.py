"""Action plans: drafting plans, SMART goals and actions, reordering, adopting decided actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from actionplans import selectors, services
from actionplans.models import (
    ERR_DUE_BEFORE_START,
    ERR_GOAL_DATE,
    ERR_GOAL_TARGET,
    ERR_GOAL_UNIT,
    ERR_PLAN_PERIOD,
    MAX_BUDGET,
    Action,
    ActionPlan,
    Goal,
)
from actionplans.services import (
    ERR_ALREADY_IN_PLAN,
    ERR_LINK_ELSEWHERE,
    ERR_MOVE,
    ERR_NOT_IN_PLAN,
    ERR_PLAN_WAS_SUBMITTED,
    ERR_RESPONSIBLE_ELSEWHERE,
)
from alliances.models import AuditEntry, Membership
from meetings import services as meeting_services
from meetings.models import StandingItem

from ..factories import (
    PLAN_START,
    GapFactory,
    OrganisationFactory,
    StakeholderFactory,
    make_action,
    make_goal,
    make_meeting,
    make_minutes,
    make_plan,
    make_submitted_plan,
)

pytestmark = pytest.mark.django_db


# Helpers ----------------------------------------------------------------------------------------


def _messages(exc_info) -> list[str]:
    return [str(message) for message in exc_info.value.messages]


def _field_errors(exc_info, name: str) -> list[str]:
    return [str(message) for message in exc_info.value.message_dict[name]]


def _audit_codes() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def _rows(plan: ActionPlan) -> list[tuple[str, int]]:
    """The plan's table as (title, number), in table order, read from the database."""
    return list(plan.actions.order_by("number", "pk").values_list("title", "number"))


def _plan_with_actions(cast, count: int = 3) -> ActionPlan:
    plan = make_plan(cast.alliance, cast.coordinator)
    for number in range(1, count + 1):
        make_action(plan, cast.coordinator, title=f"Action {number}")
    return plan


def _decided_action(cast, alliance=None, actor=None, title: str = "Book the hall", **kwargs):
    """An action decided under the updates item of a new meeting's minutes."""
    alliance = alliance or cast.alliance
    actor = actor or cast.secretary
    meeting = make_meeting(alliance, actor)
    minutes = make_minutes(meeting, actor)
    item = minutes.items.get(kind=StandingItem.UPDATES)
    return meeting_services.decided_action_add(item=item, actor=actor, title=title, **kwargs)


def _mapped_organisation(alliance, name: str = "Växjö municipality"):
    organisation = OrganisationFactory(name=name)
    StakeholderFactory(alliance=alliance, organisation=organisation)
    return organisation


# Plans ------------------------------------------------------------------------------------------


def test_a_plan_is_created_as_a_draft_of_version_one(cast):
    plan = make_plan(cast.alliance, cast.coordinator, title="Plan for the newcomers")
    plan = ActionPlan.objects.get(pk=plan.pk)
    assert (plan.alliance, plan.title, plan.period_start, plan.period_end) == (
        cast.alliance,
        "Plan for the newcomers",
        PLAN_START,
        date(2028, 6, 30),
    )
    assert (plan.status, plan.version, plan.created_by) == (
        ActionPlan.Status.DRAFT,
        1,
        cast.coordinator,
    )
    assert plan.is_draft
    assert not plan.versions.exists()
    entry = AuditEntry.objects.get(action="plan.created")
    assert (entry.alliance, entry.actor, entry.object_id) == (
        cast.alliance,
        cast.coordinator,
        str(plan.pk),
    )


@pytest.mark.parametrize("period_end", [date(2026, 12, 31), PLAN_START])
def test_a_plan_must_end_after_it_starts(cast, period_end):
    with pytest.raises(ValidationError) as exc_info:
        make_plan(cast.alliance, cast.coordinator, period_end=period_end)
    assert _field_errors(exc_info, "period_end") == [str(ERR_PLAN_PERIOD)]
    assert not ActionPlan.objects.exists()
    assert "plan.created" not in _audit_codes()


def test_a_plan_update_saves_the_changed_fields_and_audits_them(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    services.plan_update(
        plan=plan,
        actor=cast.chair,
        fields={"title": "Renamed plan", "period_end": date(2028, 12, 31)},
    )
    plan.refresh_from_db()
    assert (plan.title, plan.period_end, plan.status, plan.version) == (
        "Renamed plan",
        date(2028, 12, 31),
        ActionPlan.Status.DRAFT,
        1,
    )
    entry = AuditEntry.objects.get(action="plan.updated")
    assert entry.changes == {"fields": "title, period_end"}
    assert entry.actor == cast.chair


def test_an_update_that_changes_nothing_is_not_saved_or_audited(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    updated_at = ActionPlan.objects.get(pk=plan.pk).updated_at
    services.plan_update(plan=plan, actor=cast.coordinator, fields={"title": plan.title})
    assert ActionPlan.objects.get(pk=plan.pk).updated_at == updated_at
    assert "plan.updated" not in _audit_codes()


def test_a_plan_update_with_a_bad_period_is_refused_and_nothing_is_saved(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        services.plan_update(
            plan=plan,
            actor=cast.coordinator,
            fields={"title": "Renamed", "period_end": date(2026, 1, 1)},
        )
    assert _field_errors(exc_info, "period_end") == [str(ERR_PLAN_PERIOD)]
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.title, stored.period_end) == (
        "Regional action plan 2027-2028",
        date(2028, 6, 30),
    )
    assert "plan.updated" not in _audit_codes()


def test_a_plan_field_outside_the_allowed_ones_is_a_programming_error(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValueError, match="status cannot be set here"):
        services.plan_update(plan=plan, actor=cast.coordinator, fields={"status": "approved"})
    assert ActionPlan.objects.get(pk=plan.pk).status == ActionPlan.Status.DRAFT


def test_deleting_a_draft_plan_removes_its_goals(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    make_action(plan, cast.coordinator, goals=[goal])
    services.plan_delete(plan=plan, actor=cast.chair)
    assert not ActionPlan.objects.exists()
    assert not Goal.objects.exists()
    entry = AuditEntry.objects.get(action="plan.deleted")
    assert (entry.actor, entry.alliance, entry.object_label) == (
        cast.chair,
        cast.alliance,
        "Regional action plan 2027-2028",
    )


def test_deleting_a_draft_plan_deletes_its_own_actions(cast):
    """The plan's own rows go with it; only actions decided in minutes stay tracked.

    Action.plan is on_delete=SET_NULL, so unless plan_delete deletes its own rows they survive
    as orphans: no plan, no decision, still numbered, listed among the alliance's actions.
    """
    plan = make_plan(cast.alliance, cast.coordinator)
    own = make_action(plan, cast.coordinator, title="Own row")
    services.plan_delete(plan=plan, actor=cast.chair)
    assert list(Action.objects.filter(pk=own.pk).values_list("plan", "number")) == []
    assert list(selectors.action_list(alliance=cast.alliance)) == []


def test_deleting_a_draft_plan_keeps_its_decided_actions_tracked(cast):
    decided = _decided_action(cast)
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
    services.action_update(action=decided, actor=cast.coordinator, fields={}, goals=[goal])
    services.plan_delete(plan=plan, actor=cast.chair)
    decided.refresh_from_db()
    assert (decided.plan_id, decided.number, decided.alliance) == (None, None, cast.alliance)
    assert decided.decided_in is not None
    assert list(decided.goals.all()) == []
    assert selectors.unplanned_decided_actions(cast.alliance) == [decided]


@pytest.mark.parametrize("withdraw", [False, True], ids=["submitted", "withdrawn"])
def test_a_plan_that_was_ever_submitted_cannot_be_deleted(cast, withdraw):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    if withdraw:
        services.plan_withdraw(plan=plan, actor=cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        services.plan_delete(plan=plan, actor=cast.chair)
    assert _messages(exc_info) == [str(ERR_PLAN_WAS_SUBMITTED)]
    assert ActionPlan.objects.filter(pk=plan.pk).exists()
    assert plan.actions.count() == 2
    assert plan.goals.count() == 1
    assert plan.versions.count() == 1
    assert "plan.deleted" not in _audit_codes()


# Goals ------------------------------------------------------------------------------------------


def test_goals_are_numbered_in_the_order_they_are_added(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    first = make_goal(plan, cast.coordinator, title="First")
    second = make_goal(plan, cast.coordinator, title="Second")
    third = make_goal(plan, cast.coordinator, title="Third")
    assert [(g.pk, g.number) for g in selectors.plan_goals(plan)] == [
        (first.pk, 1),
        (second.pk, 2),
        (third.pk, 3),
    ]
    stored = Goal.objects.get(pk=first.pk)
    assert (
        stored.plan,
        stored.title,
        stored.target_value,
        stored.unit,
        stored.current_value,
        stored.due_date,
    ) == (plan, "First", Decimal("60"), "mediators", Decimal("12"), date(2028, 3, 31))
    entries = AuditEntry.objects.filter(action="goal.added")
    assert entries.count() == 3
    assert {entry.alliance for entry in entries} == {cast.alliance}


def test_goal_numbers_continue_after_the_highest_even_with_a_gap(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    Goal.objects.filter(pk=goal.pk).update(number=5)
    assert make_goal(plan, cast.coordinator, title="Next").number == 6


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("target_value", None, ERR_GOAL_TARGET),
        ("unit", "", ERR_GOAL_UNIT),
        ("unit", "   ", ERR_GOAL_UNIT),
        ("due_date", None, ERR_GOAL_DATE),
    ],
)
def test_a_goal_that_is_not_smart_is_refused(cast, field, value, error):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        make_goal(plan, cast.coordinator, **{field: value})
    assert exc_info.value.message_dict == {field: [str(error)]}
    assert not Goal.objects.exists()
    assert "goal.added" not in _audit_codes()


def test_a_goal_missing_everything_measurable_gets_every_explanation(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        make_goal(plan, cast.coordinator, target_value=None, unit="", due_date=None)
    assert exc_info.value.message_dict == {
        "target_value": [str(ERR_GOAL_TARGET)],
        "unit": [str(ERR_GOAL_UNIT)],
        "due_date": [str(ERR_GOAL_DATE)],
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target_value", Decimal("-1")),
        ("current_value", Decimal("-0.01")),
        ("target_value", Decimal(MAX_BUDGET) + 1),
    ],
)
def test_a_goal_value_out_of_range_is_refused(cast, field, value):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        make_goal(plan, cast.coordinator, **{field: value})
    assert list(exc_info.value.message_dict) == [field]
    assert not Goal.objects.exists()


def test_a_goal_update_saves_and_audits_the_changed_fields(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    services.goal_update(
        goal=goal,
        actor=cast.secretary,
        fields={"target_value": Decimal("75"), "unit": "mediators", "current_value": None},
    )
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.target_value, stored.unit, stored.current_value) == (
        Decimal("75"),
        "mediators",
        None,
    )
    entry = AuditEntry.objects.get(action="goal.updated")
    assert entry.changes == {"fields": "target_value, current_value"}
    assert (entry.actor, entry.alliance) == (cast.secretary, cast.alliance)


def test_a_goal_update_that_changes_nothing_is_not_audited(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    services.goal_update(goal=goal, actor=cast.coordinator, fields={"title": goal.title})
    assert "goal.updated" not in _audit_codes()


def test_a_goal_update_that_breaks_smart_is_refused_and_nothing_is_saved(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        services.goal_update(
            goal=goal, actor=cast.coordinator, fields={"title": "Renamed", "due_date": None}
        )
    assert exc_info.value.message_dict == {"due_date": [str(ERR_GOAL_DATE)]}
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.title, stored.due_date) == (
        "Mediators trained in every municipality",
        date(2028, 3, 31),
    )


def test_removing_a_goal_renumbers_the_rest_and_unlinks_its_actions(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    first = make_goal(plan, cast.coordinator, title="First")
    second = make_goal(plan, cast.coordinator, title="Second")
    third = make_goal(plan, cast.coordinator, title="Third")
    action = make_action(plan, cast.coordinator, goals=[first, second, third])
    second_pk = second.pk
    services.goal_remove(goal=second, actor=cast.coordinator)
    assert list(plan.goals.order_by("number").values_list("title", "number")) == [
        ("First", 1),
        ("Third", 2),
    ]
    assert set(action.goals.values_list("pk", flat=True)) == {first.pk, third.pk}
    assert selectors.plan_content(plan)["actions"][0]["goals"] == [1, 2]
    entry = AuditEntry.objects.get(action="goal.removed")
    assert (entry.object_id, entry.alliance) == (str(second_pk), cast.alliance)
    assert not Goal.objects.filter(pk=second_pk).exists()


# Actions ----------------------------------------------------------------------------------------


def test_an_action_is_added_as_the_plans_last_row_with_its_links(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    gap = GapFactory(alliance=cast.alliance, problem_area="Housing advice")
    membership = cast.membership(cast.member)
    organisation = _mapped_organisation(cast.alliance)
    make_action(plan, cast.coordinator, title="First")
    action = make_action(
        plan,
        cast.coordinator,
        goals=[goal],
        gaps=[gap],
        title="Second",
        description="Two sessions a year.",
        resources="Municipal integration grant",
        responsible_member=membership,
        responsible_organisation=organisation,
        obstacles="Volunteers leave.",
        obstacle_plan="Pay a small fee.",
        collaborators="Libraries",
    )
    stored = Action.objects.get(pk=action.pk)
    assert (stored.alliance, stored.plan, stored.number, stored.created_by) == (
        cast.alliance,
        plan,
        2,
        cast.coordinator,
    )
    assert (
        stored.title,
        stored.local_problem,
        stored.description,
        stored.budget_amount,
        stored.budget_currency,
        stored.resources,
        stored.responsible_member,
        stored.responsible_organisation,
        stored.start_date,
        stored.due_date,
        stored.obstacles,
        stored.obstacle_plan,
        stored.collaborators,
    ) == (
        "Second",
        "Newly arrived families do not know where to turn.",
        "Two sessions a year.",
        Decimal("125000.00"),
        "SEK",
        "Municipal integration grant",
        membership,
        organisation,
        date(2027, 2, 1),
        date(2027, 11, 30),
        "Volunteers leave.",
        "Pay a small fee.",
        "Libraries",
    )
    assert (stored.status, stored.progress_percent, stored.decided_in) == (
        Action.Status.NOT_STARTED,
        0,
        None,
    )
    assert list(stored.goals.all()) == [goal]
    assert list(stored.gaps.all()) == [gap]
    assert stored.responsible_label == f"{cast.member} (Växjö municipality)"
    entries = AuditEntry.objects.filter(action="plan.action_added").order_by("pk")
    assert [(e.object_id, e.alliance_id) for e in entries] == [
        (str(plan.actions.get(number=1).pk), cast.alliance.pk),
        (str(action.pk), cast.alliance.pk),
    ]


def test_a_responsible_member_of_another_alliance_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    elsewhere = Membership.objects.get(alliance=cast.other_alliance, user=cast.other_chair)
    with pytest.raises(ValidationError) as exc_info:
        make_action(plan, cast.coordinator, responsible_member=elsewhere)
    assert exc_info.value.message_dict == {"responsible_member": [str(ERR_RESPONSIBLE_ELSEWHERE)]}
    assert not Action.objects.exists()
    assert "plan.action_added" not in _audit_codes()


def test_a_former_member_cannot_be_made_responsible(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    membership = cast.membership(cast.member)
    membership.end(by=cast.chair, reason="Moved away")
    membership.save()
    with pytest.raises(ValidationError) as exc_info:
        make_action(plan, cast.coordinator, responsible_member=membership)
    assert exc_info.value.message_dict == {"responsible_member": [str(ERR_RESPONSIBLE_ELSEWHERE)]}
    assert not Action.objects.exists()


def test_an_organisation_not_mapped_by_this_alliance_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    theirs = _mapped_organisation(cast.other_alliance, name="Malmö municipality")
    unmapped = OrganisationFactory(name="Nobody's partner")
    for organisation in (theirs, unmapped):
        with pytest.raises(ValidationError) as exc_info:
            make_action(plan, cast.coordinator, responsible_organisation=organisation)
        assert exc_info.value.message_dict == {
            "responsible_organisation": [str(ERR_RESPONSIBLE_ELSEWHERE)]
        }
    assert not Action.objects.exists()


def test_an_organisation_mapped_by_this_alliance_can_be_responsible(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    organisation = _mapped_organisation(cast.alliance, name="Red Cross Växjö")
    action = make_action(plan, cast.coordinator, responsible_organisation=organisation)
    stored = Action.objects.get(pk=action.pk)
    assert stored.responsible_organisation == organisation
    assert stored.responsible_label == str(organisation)
    assert selectors.plan_content(plan)["actions"][0]["responsible_organisation"] == (
        "Red Cross Växjö"
    )


def test_a_goal_of_another_plan_cannot_be_linked(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    other_plan = make_plan(cast.alliance, cast.coordinator, title="Another plan")
    foreign_goal = make_goal(other_plan, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        make_action(plan, cast.coordinator, goals=[foreign_goal])
    assert exc_info.value.message_dict == {"goals": [str(ERR_LINK_ELSEWHERE)]}
    assert not Action.objects.exists()


def test_a_gap_of_another_alliance_cannot_be_linked(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    own_gap = GapFactory(alliance=cast.alliance)
    foreign_gap = GapFactory(alliance=cast.other_alliance)
    with pytest.raises(ValidationError) as exc_info:
        make_action(plan, cast.coordinator, gaps=[own_gap, foreign_gap])
    assert exc_info.value.message_dict == {"gaps": [str(ERR_LINK_ELSEWHERE)]}
    assert not Action.objects.exists()


def test_a_due_date_before_the_start_date_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        make_action(plan, cast.coordinator, start_date=date(2027, 5, 1), due_date=date(2027, 4, 30))
    assert exc_info.value.message_dict == {"due_date": [str(ERR_DUE_BEFORE_START)]}
    assert not Action.objects.exists()


def test_an_action_may_be_due_on_the_day_it_starts_or_have_no_dates(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    same_day = make_action(
        plan, cast.coordinator, start_date=date(2027, 5, 1), due_date=date(2027, 5, 1)
    )
    undated = make_action(plan, cast.coordinator, start_date=None, due_date=None)
    assert list(Action.objects.order_by("pk").values_list("pk", "start_date", "due_date")) == [
        (same_day.pk, date(2027, 5, 1), date(2027, 5, 1)),
        (undated.pk, None, None),
    ]


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("-1"),
        Decimal("-0.01"),
        Decimal(MAX_BUDGET - 1) + Decimal("0.01"),
        Decimal(MAX_BUDGET),
        Decimal("1e12"),
        Decimal("1e20"),
    ],
    ids=["minus-one", "minus-a-cent", "just-over", "max-budget", "1e12", "1e20"],
)
def test_a_negative_or_huge_budget_is_refused(cast, amount):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        make_action(plan, cast.coordinator, budget_amount=amount)
    assert list(exc_info.value.message_dict) == ["budget_amount"]
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    "amount", [None, Decimal("0"), Decimal("0.01"), Decimal(MAX_BUDGET - 1)], ids=str
)
def test_a_budget_from_nothing_to_the_limit_is_accepted(cast, amount):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator, budget_amount=amount)
    assert Action.objects.get(pk=action.pk).budget_amount == amount


@pytest.mark.parametrize("currency", ["sek", "EURO", "E1R", "SE", "", "S K", "SEK\n"])
def test_a_currency_that_is_not_a_three_letter_code_is_refused(cast, currency):
    plan = make_plan(cast.alliance, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        make_action(plan, cast.coordinator, budget_currency=currency)
    assert list(exc_info.value.message_dict) == ["budget_currency"]
    assert not Action.objects.exists()


def test_another_currency_code_is_accepted(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator, budget_currency="EUR")
    assert Action.objects.get(pk=action.pk).budget_currency == "EUR"


def test_an_action_update_saves_the_fields_and_audits_them(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator)
    services.action_update(
        action=action,
        actor=cast.secretary,
        fields={"title": "Train twenty mediators", "due_date": date(2027, 12, 15)},
    )
    stored = Action.objects.get(pk=action.pk)
    assert (stored.title, stored.due_date) == ("Train twenty mediators", date(2027, 12, 15))
    entry = AuditEntry.objects.get(action="plan.action_updated")
    assert entry.changes == {"fields": "title, due_date"}
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.secretary,
        cast.alliance,
        str(action.pk),
    )


def test_an_action_update_replaces_links_only_when_given(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    first = make_goal(plan, cast.coordinator, title="First")
    second = make_goal(plan, cast.coordinator, title="Second")
    gap = GapFactory(alliance=cast.alliance)
    action = make_action(plan, cast.coordinator, goals=[first], gaps=[gap])

    services.action_update(action=action, actor=cast.coordinator, fields={}, goals=[second])
    assert list(action.goals.all()) == [second]
    assert list(action.gaps.all()) == [gap]
    assert AuditEntry.objects.get(action="plan.action_updated").changes == {"fields": "links"}

    services.action_update(action=action, actor=cast.coordinator, fields={}, gaps=[])
    assert list(action.goals.all()) == [second]
    assert list(action.gaps.all()) == []

    services.action_update(
        action=action, actor=cast.coordinator, fields={"title": "New"}, goals=[first, second]
    )
    assert set(action.goals.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert [
        entry.changes
        for entry in AuditEntry.objects.filter(action="plan.action_updated").order_by("pk")
    ] == [{"fields": "links"}, {"fields": "links"}, {"fields": "title, links"}]


def test_an_action_update_with_the_same_values_and_links_is_not_audited(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    action = make_action(plan, cast.coordinator, goals=[goal])
    services.action_update(
        action=action,
        actor=cast.coordinator,
        fields={"title": action.title, "budget_amount": Decimal("125000")},
        goals=[goal],
        gaps=[],
    )
    assert "plan.action_updated" not in _audit_codes()


def test_an_action_update_to_another_alliances_member_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator)
    elsewhere = Membership.objects.get(alliance=cast.other_alliance, user=cast.other_chair)
    with pytest.raises(ValidationError) as exc_info:
        services.action_update(
            action=action,
            actor=cast.coordinator,
            fields={"title": "Changed", "responsible_member": elsewhere},
        )
    assert exc_info.value.message_dict == {"responsible_member": [str(ERR_RESPONSIBLE_ELSEWHERE)]}
    stored = Action.objects.get(pk=action.pk)
    assert (stored.title, stored.responsible_member) == ("Train community mediators", None)
    assert "plan.action_updated" not in _audit_codes()


def test_an_action_update_to_an_unmapped_organisation_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator)
    theirs = _mapped_organisation(cast.other_alliance, name="Malmö municipality")
    with pytest.raises(ValidationError) as exc_info:
        services.action_update(
            action=action, actor=cast.coordinator, fields={"responsible_organisation": theirs}
        )
    assert exc_info.value.message_dict == {
        "responsible_organisation": [str(ERR_RESPONSIBLE_ELSEWHERE)]
    }
    assert Action.objects.get(pk=action.pk).responsible_organisation is None


def test_an_action_update_linking_elsewhere_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    action = make_action(plan, cast.coordinator, goals=[goal])
    foreign_goal = make_goal(make_plan(cast.alliance, cast.coordinator), cast.coordinator)
    foreign_gap = GapFactory(alliance=cast.other_alliance)
    with pytest.raises(ValidationError) as exc_info:
        services.action_update(
            action=action, actor=cast.coordinator, fields={}, goals=[foreign_goal]
        )
    assert exc_info.value.message_dict == {"goals": [str(ERR_LINK_ELSEWHERE)]}
    with pytest.raises(ValidationError) as exc_info:
        services.action_update(action=action, actor=cast.coordinator, fields={}, gaps=[foreign_gap])
    assert exc_info.value.message_dict == {"gaps": [str(ERR_LINK_ELSEWHERE)]}
    assert list(action.goals.all()) == [goal]
    assert list(action.gaps.all()) == []


def test_an_action_update_with_the_due_date_before_the_start_is_refused(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        services.action_update(
            action=action, actor=cast.coordinator, fields={"due_date": date(2027, 1, 31)}
        )
    assert exc_info.value.message_dict == {"due_date": [str(ERR_DUE_BEFORE_START)]}
    assert Action.objects.get(pk=action.pk).due_date == date(2027, 11, 30)


@pytest.mark.parametrize(
    ("field", "value"),
    [("budget_amount", Decimal("-5")), ("budget_currency", "kr")],
)
def test_an_action_update_with_a_bad_budget_is_refused(cast, field, value):
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        services.action_update(action=action, actor=cast.coordinator, fields={field: value})
    assert list(exc_info.value.message_dict) == [field]
    stored = Action.objects.get(pk=action.pk)
    assert (stored.budget_amount, stored.budget_currency) == (Decimal("125000.00"), "SEK")


def test_removing_an_action_deletes_it_and_closes_the_gap_in_the_numbers(cast):
    plan = _plan_with_actions(cast, 4)
    second = plan.actions.get(number=2)
    second_pk = second.pk
    services.action_remove(action=second, actor=cast.coordinator)
    assert not Action.objects.filter(pk=second_pk).exists()
    assert _rows(plan) == [("Action 1", 1), ("Action 3", 2), ("Action 4", 3)]
    entry = AuditEntry.objects.get(action="plan.action_removed")
    assert (entry.object_id, entry.object_label, entry.alliance) == (
        str(second_pk),
        "Action 2",
        cast.alliance,
    )


def test_an_action_outside_any_plan_cannot_be_removed_from_one(cast):
    decided = _decided_action(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.action_remove(action=decided, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_NOT_IN_PLAN)]
    assert Action.objects.filter(pk=decided.pk).exists()


# Reordering -------------------------------------------------------------------------------------


def test_moving_an_action_down_and_up_renumbers_the_table(cast):
    plan = _plan_with_actions(cast, 3)
    first = plan.actions.get(number=1)
    services.action_move(action=first, actor=cast.coordinator, offset=1)
    assert _rows(plan) == [("Action 2", 1), ("Action 1", 2), ("Action 3", 3)]
    services.action_move(action=first, actor=cast.coordinator, offset=1)
    assert _rows(plan) == [("Action 2", 1), ("Action 3", 2), ("Action 1", 3)]
    services.action_move(action=plan.actions.get(title="Action 3"), actor=cast.chair, offset=-1)
    assert _rows(plan) == [("Action 3", 1), ("Action 2", 2), ("Action 1", 3)]
    entries = AuditEntry.objects.filter(action="plan.reordered").order_by("pk")
    assert [(e.object_id, e.actor) for e in entries] == [
        (str(plan.pk), cast.coordinator),
        (str(plan.pk), cast.coordinator),
        (str(plan.pk), cast.chair),
    ]


def test_an_action_can_move_several_rows_at_once(cast):
    plan = _plan_with_actions(cast, 4)
    services.action_move(action=plan.actions.get(number=4), actor=cast.coordinator, offset=-3)
    assert _rows(plan) == [("Action 4", 1), ("Action 1", 2), ("Action 2", 3), ("Action 3", 4)]


@pytest.mark.parametrize(("number", "offset"), [(1, -1), (3, 1), (2, -2), (2, 2), (1, 5)], ids=str)
def test_an_action_cannot_move_past_the_ends_of_the_table(cast, number, offset):
    plan = _plan_with_actions(cast, 3)
    before = _rows(plan)
    with pytest.raises(ValidationError) as exc_info:
        services.action_move(
            action=plan.actions.get(number=number), actor=cast.coordinator, offset=offset
        )
    assert _messages(exc_info) == [str(ERR_MOVE)]
    assert _rows(plan) == before
    assert "plan.reordered" not in _audit_codes()


def test_an_action_outside_any_plan_cannot_be_moved(cast):
    decided = _decided_action(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.action_move(action=decided, actor=cast.coordinator, offset=1)
    assert _messages(exc_info) == [str(ERR_NOT_IN_PLAN)]


def test_renumbering_closes_gaps_and_repeats_and_keeps_the_order(cast):
    plan = _plan_with_actions(cast, 4)
    numbers = {"Action 1": 2, "Action 2": 2, "Action 3": 7, "Action 4": 12}
    for title, number in numbers.items():
        Action.objects.filter(plan=plan, title=title).update(number=number)
    assert services.plan_renumber(plan=plan, actor=cast.coordinator) is True
    assert _rows(plan) == [("Action 1", 1), ("Action 2", 2), ("Action 3", 3), ("Action 4", 4)]
    assert AuditEntry.objects.get(action="plan.reordered").object_id == str(plan.pk)


def test_renumbering_a_well_numbered_plan_changes_nothing(cast):
    plan = _plan_with_actions(cast, 3)
    assert services.plan_renumber(plan=plan, actor=cast.coordinator) is False
    assert _rows(plan) == [("Action 1", 1), ("Action 2", 2), ("Action 3", 3)]
    assert "plan.reordered" not in _audit_codes()


def test_new_actions_follow_the_highest_number(cast):
    plan = _plan_with_actions(cast, 2)
    Action.objects.filter(plan=plan, title="Action 2").update(number=9)
    assert make_action(plan, cast.coordinator, title="Late").number == 10


# Actions decided in minutes ---------------------------------------------------------------------


def test_adopting_a_decided_action_makes_it_the_plans_last_row(cast):
    plan = _plan_with_actions(cast, 2)
    membership = cast.membership(cast.member)
    decided = _decided_action(
        cast, title="Book the hall", responsible_member=membership, due_date=date(2027, 3, 1)
    )
    assert selectors.unplanned_decided_actions(cast.alliance) == [decided]
    services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
    stored = Action.objects.get(pk=decided.pk)
    assert (stored.plan, stored.number, stored.decided_in_id) == (
        plan,
        3,
        decided.decided_in_id,
    )
    assert (stored.title, stored.responsible_member, stored.due_date) == (
        "Book the hall",
        membership,
        date(2027, 3, 1),
    )
    assert selectors.unplanned_decided_actions(cast.alliance) == []
    row = selectors.plan_content(plan)["actions"][2]
    assert (row["key"], row["number"], row["title"], row["decided_at"]) == (
        decided.pk,
        3,
        "Book the hall",
        str(decided.decided_in.minutes.meeting),
    )
    entry = AuditEntry.objects.get(action="plan.action_adopted")
    assert (entry.object_id, entry.alliance, entry.actor) == (
        str(decided.pk),
        cast.alliance,
        cast.coordinator,
    )


def test_another_alliances_decided_action_cannot_be_adopted(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    theirs = _decided_action(cast, alliance=cast.other_alliance, actor=cast.other_chair)
    with pytest.raises(ValidationError) as exc_info:
        services.action_adopt(plan=plan, action=theirs, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_NOT_IN_PLAN)]
    stored = Action.objects.get(pk=theirs.pk)
    assert (stored.plan_id, stored.number, stored.alliance) == (None, None, cast.other_alliance)
    assert not plan.actions.exists()
    assert "plan.action_adopted" not in _audit_codes()


def test_an_action_already_in_a_plan_cannot_be_adopted_again(cast):
    first_plan = make_plan(cast.alliance, cast.coordinator)
    second_plan = make_plan(cast.alliance, cast.coordinator, title="Second plan")
    decided = _decided_action(cast)
    services.action_adopt(plan=first_plan, action=decided, actor=cast.coordinator)
    for plan in (first_plan, second_plan):
        with pytest.raises(ValidationError) as exc_info:
            services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
        assert _messages(exc_info) == [str(ERR_ALREADY_IN_PLAN)]
    stored = Action.objects.get(pk=decided.pk)
    assert (stored.plan, stored.number) == (first_plan, 1)
    assert not second_plan.actions.exists()
    assert _audit_codes().count("plan.action_adopted") == 1


def test_a_plans_own_action_cannot_be_adopted_into_another_plan(cast):
    plan = _plan_with_actions(cast, 1)
    other = make_plan(cast.alliance, cast.coordinator, title="Other plan")
    own = plan.actions.get()
    with pytest.raises(ValidationError) as exc_info:
        services.action_adopt(plan=other, action=own, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_ALREADY_IN_PLAN)]
    assert Action.objects.get(pk=own.pk).plan == plan


def test_removing_a_decided_action_from_the_plan_keeps_it_tracked(cast):
    plan = _plan_with_actions(cast, 1)
    goal = make_goal(plan, cast.coordinator)
    gap = GapFactory(alliance=cast.alliance)
    decided = _decided_action(cast)
    services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
    make_action(plan, cast.coordinator, title="After the decision")
    services.action_update(
        action=decided, actor=cast.coordinator, fields={}, goals=[goal], gaps=[gap]
    )

    services.action_remove(action=decided, actor=cast.coordinator)

    stored = Action.objects.get(pk=decided.pk)
    assert (stored.plan_id, stored.number, stored.decided_in_id, stored.alliance) == (
        None,
        None,
        decided.decided_in_id,
        cast.alliance,
    )
    assert list(stored.goals.all()) == []
    assert _rows(plan) == [("Action 1", 1), ("After the decision", 2)]
    assert selectors.unplanned_decided_actions(cast.alliance) == [stored]
    assert decided.pk in [a.pk for a in selectors.action_list(alliance=cast.alliance)]
    assert AuditEntry.objects.get(action="plan.action_removed").object_id == str(decided.pk)

    # Unplanned again, it can be adopted again, as the last row.
    services.action_adopt(plan=plan, action=stored, actor=cast.coordinator)
    assert _rows(plan) == [("Action 1", 1), ("After the decision", 2), ("Book the hall", 3)]


# The audit trail --------------------------------------------------------------------------------


def test_every_change_to_a_draft_plan_is_audited_in_order(cast):
    decided = _decided_action(cast)
    # The cast's and the meeting's own entries come before this point.
    start_plan = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    action = make_action(plan, cast.coordinator, goals=[goal])
    make_action(plan, cast.coordinator, title="Second")
    services.action_update(action=action, actor=cast.coordinator, fields={"title": "Renamed"})
    services.action_move(action=action, actor=cast.coordinator, offset=1)
    services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
    services.action_remove(action=decided, actor=cast.coordinator)
    services.goal_update(goal=goal, actor=cast.coordinator, fields={"unit": "people"})
    services.goal_remove(goal=goal, actor=cast.coordinator)
    services.plan_update(plan=plan, actor=cast.coordinator, fields={"title": "Final"})
    services.plan_delete(plan=plan, actor=cast.chair)

    entries = list(AuditEntry.objects.filter(pk__gt=start_plan).order_by("pk"))
    assert [entry.action for entry in entries] == [
        "plan.created",
        "goal.added",
        "plan.action_added",
        "plan.action_added",
        "plan.action_updated",
        "plan.reordered",
        "plan.action_adopted",
        "plan.action_removed",
        "goal.updated",
        "goal.removed",
        "plan.updated",
        "plan.deleted",
    ]
    assert {entry.alliance_id for entry in entries} == {cast.alliance.pk}
    assert [entry.object_type for entry in entries] == [
        "actionplans.actionplan",
        "actionplans.goal",
        "actionplans.action",
        "actionplans.action",
        "actionplans.action",
        "actionplans.actionplan",
        "actionplans.action",
        "actionplans.action",
        "actionplans.goal",
        "actionplans.goal",
        "actionplans.actionplan",
        "actionplans.actionplan",
    ]
    assert [entry.actor for entry in entries] == [cast.coordinator] * 11 + [cast.chair]
