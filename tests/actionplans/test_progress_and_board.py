"""Action plans: progress history, the canonical content, version diffs, the board and chart."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actionplans import selectors, services
from actionplans.models import (
    ERR_DONE_NEEDS_FULL,
    ERR_UPDATE_IN_FUTURE,
    MAX_TEXT_CHARS,
    Action,
    ActionPlan,
    ProgressUpdate,
)
from actionplans.selectors import (
    CHART_BAR_HEIGHT,
    CHART_BAR_WIDTH,
    CHART_GAP,
    CHART_LABEL_WIDTH,
    DUE_SOON_DAYS,
    FieldChange,
    RowChange,
)
from alliance_portal.canonical import canonical_json, canonical_sha256
from alliances.models import AuditEntry, Membership
from meetings import services as meeting_services
from meetings.models import StandingItem

from ..factories import (
    GapFactory,
    OrganisationFactory,
    StakeholderFactory,
    make_action,
    make_goal,
    make_meeting,
    make_minutes,
    make_plan,
)

pytestmark = pytest.mark.django_db

Status = Action.Status
# Progress updates cannot be dated in the future, so the history uses past dates.
JAN, FEB, MAR = date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)
# The board is always read at an explicit day.
TODAY = date(2027, 6, 1)


# Helpers ----------------------------------------------------------------------------------------


def _field_errors(exc_info) -> dict[str, list[str]]:
    return {
        name: [str(message) for message in messages]
        for name, messages in exc_info.value.message_dict.items()
    }


def _record(cast, action: Action, percent: int, status: str, on: date | None = JAN, **kwargs):
    return services.progress_record(
        action=action, actor=cast.coordinator, percent=percent, status=status, on=on, **kwargs
    )


def _stored(action: Action) -> tuple[str, int]:
    action.refresh_from_db()
    return action.status, action.progress_percent


def _plan_with_action(cast) -> tuple[ActionPlan, Action]:
    plan = make_plan(cast.alliance, cast.coordinator)
    return plan, make_action(plan, cast.coordinator)


def _titles(actions) -> list[str]:
    return [action.title for action in actions]


def _mapped_organisation(alliance, name: str):
    organisation = OrganisationFactory(name=name)
    StakeholderFactory(alliance=alliance, organisation=organisation)
    return organisation


def _decided_action(cast, title: str) -> Action:
    meeting = make_meeting(cast.alliance, cast.secretary)
    minutes = make_minutes(meeting, cast.secretary)
    item = minutes.items.get(kind=StandingItem.UPDATES)
    return meeting_services.decided_action_add(
        item=item,
        actor=cast.secretary,
        title=title,
        responsible_member=cast.membership(cast.secretary),
        due_date=date(2027, 4, 1),
    )


# Progress ---------------------------------------------------------------------------------------


def test_a_progress_update_is_kept_and_the_action_takes_its_values(cast):
    _plan, action = _plan_with_action(cast)
    update = services.progress_record(
        action=action,
        actor=cast.member,
        percent=25,
        status="in_progress",
        note="  First workshop held.  ",
        on=JAN,
    )
    stored = ProgressUpdate.objects.get(pk=update.pk)
    assert (stored.action, stored.date, stored.percent, stored.status, stored.note) == (
        action,
        JAN,
        25,
        Status.IN_PROGRESS,
        "First workshop held.",
    )
    assert stored.author == cast.member
    assert _stored(action) == (Status.IN_PROGRESS, 25)
    entry = AuditEntry.objects.get(action="action.progress")
    assert entry.changes == {"percent": 25, "status": "in_progress"}
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.member,
        cast.alliance,
        str(action.pk),
    )


def test_a_progress_update_without_a_date_is_dated_today(cast):
    _plan, action = _plan_with_action(cast)
    update = _record(cast, action, 10, "in_progress", on=None)
    assert ProgressUpdate.objects.get(pk=update.pk).date == timezone.localdate()


def test_every_progress_update_is_kept_newest_first(cast):
    _plan, action = _plan_with_action(cast)
    _record(cast, action, 10, "in_progress", on=JAN)
    _record(cast, action, 30, "blocked", on=FEB, note="The venue fell through.")
    _record(cast, action, 100, "done", on=MAR)
    history = selectors.progress_history(action)
    assert [(u.date, u.percent, u.status, u.note) for u in history] == [
        (MAR, 100, "done", ""),
        (FEB, 30, "blocked", "The venue fell through."),
        (JAN, 10, "in_progress", ""),
    ]
    assert {u.author for u in history} == {cast.coordinator}
    assert _stored(action) == (Status.DONE, 100)
    assert AuditEntry.objects.filter(action="action.progress").count() == 3


def test_a_back_dated_update_added_later_does_not_replace_the_latest(cast):
    _plan, action = _plan_with_action(cast)
    _record(cast, action, 60, "in_progress", on=MAR)
    _record(cast, action, 20, "blocked", on=JAN)
    assert _stored(action) == (Status.IN_PROGRESS, 60)
    assert [u.date for u in selectors.progress_history(action)] == [MAR, JAN]
    _record(cast, action, 40, "in_progress", on=FEB)
    assert _stored(action) == (Status.IN_PROGRESS, 60)
    assert action.progress_updates.count() == 3


def test_of_two_updates_on_one_day_the_later_one_counts(cast):
    _plan, action = _plan_with_action(cast)
    _record(cast, action, 50, "in_progress", on=FEB)
    _record(cast, action, 45, "blocked", on=FEB)
    assert _stored(action) == (Status.BLOCKED, 45)


def test_progress_can_go_back_down(cast):
    _plan, action = _plan_with_action(cast)
    _record(cast, action, 100, "done", on=JAN)
    _record(cast, action, 80, "in_progress", on=FEB, note="One session was cancelled.")
    assert _stored(action) == (Status.IN_PROGRESS, 80)
    assert action.is_open


@pytest.mark.parametrize("percent", [0, 50, 99])
def test_done_needs_one_hundred_percent(cast, percent):
    _plan, action = _plan_with_action(cast)
    _record(cast, action, 30, "in_progress")
    with pytest.raises(ValidationError) as exc_info:
        _record(cast, action, percent, "done", on=FEB)
    assert _field_errors(exc_info) == {"percent": [str(ERR_DONE_NEEDS_FULL)]}
    assert action.progress_updates.count() == 1
    assert _stored(action) == (Status.IN_PROGRESS, 30)
    assert AuditEntry.objects.filter(action="action.progress").count() == 1


def test_done_at_one_hundred_percent_closes_the_action(cast):
    _plan, action = _plan_with_action(cast)
    _record(cast, action, 100, "done")
    assert _stored(action) == (Status.DONE, 100)
    assert not action.is_open


def test_a_progress_update_dated_in_the_future_is_refused(cast):
    _plan, action = _plan_with_action(cast)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc_info:
        _record(cast, action, 20, "in_progress", on=tomorrow)
    assert _field_errors(exc_info) == {"date": [str(ERR_UPDATE_IN_FUTURE)]}
    assert not ProgressUpdate.objects.exists()
    assert _stored(action) == (Status.NOT_STARTED, 0)


def test_a_progress_update_dated_today_is_accepted(cast):
    _plan, action = _plan_with_action(cast)
    _record(cast, action, 20, "in_progress", on=timezone.localdate())
    assert _stored(action) == (Status.IN_PROGRESS, 20)


def test_done_in_the_future_gets_both_explanations(cast):
    _plan, action = _plan_with_action(cast)
    with pytest.raises(ValidationError) as exc_info:
        _record(cast, action, 90, "done", on=timezone.localdate() + timedelta(days=30))
    assert _field_errors(exc_info) == {
        "percent": [str(ERR_DONE_NEEDS_FULL)],
        "date": [str(ERR_UPDATE_IN_FUTURE)],
    }


@pytest.mark.parametrize(
    ("percent", "status", "note", "field"),
    [
        (101, "in_progress", "", "percent"),
        (1000, "in_progress", "", "percent"),
        (-1, "in_progress", "", "percent"),
        (50, "finished", "", "status"),
        (50, "", "", "status"),
        (50, "in_progress", "x" * (MAX_TEXT_CHARS + 1), "note"),
    ],
    ids=["101", "1000", "negative", "unknown-status", "no-status", "long-note"],
)
def test_a_bad_progress_update_is_refused(cast, percent, status, note, field):
    _plan, action = _plan_with_action(cast)
    with pytest.raises(ValidationError) as exc_info:
        _record(cast, action, percent, status, note=note)
    assert list(exc_info.value.message_dict) == [field]
    assert not ProgressUpdate.objects.exists()
    assert _stored(action) == (Status.NOT_STARTED, 0)
    assert not AuditEntry.objects.filter(action="action.progress").exists()


# The canonical content --------------------------------------------------------------------------


def test_the_content_lists_what_the_plan_promises(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    first = make_goal(plan, cast.coordinator, title="First", current_value=None)
    second = make_goal(plan, cast.coordinator, title="Second", target_value=Decimal("7.5"))
    housing = GapFactory(alliance=cast.alliance, problem_area="Housing")
    advice = GapFactory(alliance=cast.alliance, problem_area="Advice")
    membership = cast.membership(cast.member)
    organisation = _mapped_organisation(cast.alliance, "Red Cross")
    action = make_action(
        plan,
        cast.coordinator,
        goals=[second, first],
        gaps=[housing, advice],
        responsible_member=membership,
        responsible_organisation=organisation,
        budget_amount=Decimal("1234.5"),
        description="Two sessions.",
    )
    undated = make_action(
        plan,
        cast.coordinator,
        title="Undated",
        budget_amount=None,
        start_date=None,
        due_date=None,
    )
    content = selectors.plan_content(plan)
    assert content["plan"] == {
        "alliance": "Kronoberg Alliance",
        "title": "Regional action plan 2027-2028",
        "vision": cast.alliance.vision,
        "period_start": "2027-01-01",
        "period_end": "2028-06-30",
        "version": 1,
    }
    assert content["goals"] == [
        {
            "key": first.pk,
            "number": 1,
            "title": "First",
            "target_value": "60.00",
            "unit": "mediators",
            "current_value": None,
            "relevance": "Families reach services through people they trust.",
            "due_date": "2028-03-31",
        },
        {
            "key": second.pk,
            "number": 2,
            "title": "Second",
            "target_value": "7.50",
            "unit": "mediators",
            "current_value": "12.00",
            "relevance": "Families reach services through people they trust.",
            "due_date": "2028-03-31",
        },
    ]
    assert content["actions"][0] == {
        "key": action.pk,
        "number": 1,
        "title": "Train community mediators",
        "local_problem": "Newly arrived families do not know where to turn.",
        "description": "Two sessions.",
        "budget_amount": "1234.50",
        "budget_currency": "SEK",
        "resources": "",
        "responsible_organisation": "Red Cross",
        "responsible_person": str(cast.member),
        "start_date": "2027-02-01",
        "due_date": "2027-11-30",
        "obstacles": "",
        "obstacle_plan": "",
        "collaborators": "",
        "goals": [1, 2],
        "gaps": ["Advice", "Housing"],
        "decided_at": None,
    }
    row = content["actions"][1]
    assert (row["key"], row["number"], row["budget_amount"], row["start_date"]) == (
        undated.pk,
        2,
        None,
        None,
    )
    assert (row["due_date"], row["goals"], row["gaps"], row["responsible_person"]) == (
        None,
        [],
        [],
        "",
    )
    # The content is plain JSON: it serialises one way only.
    assert canonical_json(content) == canonical_json(selectors.plan_content(plan))


def test_the_content_leaves_out_progress_so_progress_does_not_change_the_hash(cast):
    plan, action = _plan_with_action(cast)
    make_goal(plan, cast.coordinator)
    before = selectors.plan_content(plan)
    sha = canonical_sha256(before)
    for row in before["actions"]:
        assert not {"status", "progress_percent", "progress", "updates"} & set(row)
    _record(cast, action, 40, "in_progress", on=JAN, note="Going well.")
    _record(cast, action, 100, "done", on=FEB)
    assert _stored(action) == (Status.DONE, 100)
    after = selectors.plan_content(ActionPlan.objects.get(pk=plan.pk))
    assert after == before
    assert canonical_sha256(after) == sha


def test_the_content_names_the_meeting_that_decided_an_action(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    decided = _decided_action(cast, "Book the hall")
    services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)
    row = selectors.plan_content(plan)["actions"][0]
    meeting = decided.decided_in.minutes.meeting
    assert (row["title"], row["decided_at"], row["responsible_person"]) == (
        "Book the hall",
        f"#{meeting.number} {meeting.title}",
        str(cast.secretary),
    )


# Diffs between versions -------------------------------------------------------------------------


def _plan_for_diff(cast) -> tuple[ActionPlan, list[Action]]:
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator, title="Mediators trained")
    actions = [
        make_action(plan, cast.coordinator, goals=[goal], title=title)
        for title in ("Train community mediators", "Open a helpdesk", "Print leaflets")
    ]
    return plan, actions


def test_identical_content_has_an_empty_diff(cast):
    plan, _actions = _plan_for_diff(cast)
    content = selectors.plan_content(plan)
    diff = selectors.version_diff(content, selectors.plan_content(plan))
    assert (diff.plan, diff.goals, diff.actions) == ([], [], [])
    assert diff.is_empty


def test_progress_alone_leaves_the_diff_empty(cast):
    plan, actions = _plan_for_diff(cast)
    before = selectors.plan_content(plan)
    _record(cast, actions[0], 100, "done")
    assert selectors.version_diff(before, selectors.plan_content(plan)).is_empty


def test_a_changed_plan_title_is_diffed_word_by_word(cast):
    plan, _actions = _plan_for_diff(cast)
    before = selectors.plan_content(plan)
    services.plan_update(
        plan=plan, actor=cast.coordinator, fields={"title": "Regional action plan 2027-2029"}
    )
    diff = selectors.version_diff(before, selectors.plan_content(plan))
    assert diff.plan == [
        FieldChange(
            "Title",
            [
                ("equal", "Regional action plan"),
                ("delete", "2027-2028"),
                ("insert", "2027-2029"),
            ],
        )
    ]
    assert (diff.goals, diff.actions) == ([], [])
    assert not diff.is_empty


def test_a_changed_action_lists_its_changed_fields_in_table_order(cast):
    plan, actions = _plan_for_diff(cast)
    before = selectors.plan_content(plan)
    services.action_update(
        action=actions[1],
        actor=cast.coordinator,
        fields={
            "title": "Open a weekly helpdesk",
            "budget_amount": Decimal("130000"),
            "due_date": None,
        },
    )
    diff = selectors.version_diff(before, selectors.plan_content(plan))
    assert diff.actions == [
        RowChange(
            "changed",
            "2. Open a weekly helpdesk",
            [
                FieldChange(
                    "Action",
                    [
                        ("equal", "Open a"),
                        ("insert", "weekly"),
                        ("equal", "helpdesk"),
                    ],
                ),
                FieldChange(
                    "Estimated budget",
                    # The amount and its currency's code are one word, joined by a no-break space.
                    [
                        ("delete", "SEK\N{NO-BREAK SPACE}125,000"),
                        ("insert", "SEK\N{NO-BREAK SPACE}130,000"),
                    ],
                ),
                FieldChange("Due date", [("delete", "Nov. 30, 2027")]),
            ],
        )
    ]
    assert (diff.plan, diff.goals) == ([], [])


def test_added_removed_and_renumbered_actions_are_all_listed(cast):
    plan, actions = _plan_for_diff(cast)
    before = selectors.plan_content(plan)
    services.action_remove(action=actions[0], actor=cast.coordinator)
    make_action(plan, cast.coordinator, title="Hold a fair")
    diff = selectors.version_diff(before, selectors.plan_content(plan))
    assert diff.actions == [
        RowChange(
            "changed",
            "1. Open a helpdesk",
            [FieldChange("Number", [("delete", "2"), ("insert", "1")])],
        ),
        RowChange(
            "changed",
            "2. Print leaflets",
            [FieldChange("Number", [("delete", "3"), ("insert", "2")])],
        ),
        RowChange("added", "3. Hold a fair"),
        RowChange("removed", "1. Train community mediators"),
    ]
    assert [row.changes for row in diff.actions if row.kind != "changed"] == [[], []]


def test_goal_changes_and_links_are_diffed(cast):
    plan, actions = _plan_for_diff(cast)
    first_goal = plan.goals.get()
    before = selectors.plan_content(plan)
    services.goal_update(
        goal=first_goal,
        actor=cast.coordinator,
        fields={"target_value": Decimal("75"), "unit": "trained mediators"},
    )
    second_goal = make_goal(plan, cast.coordinator, title="Helpdesk open")
    services.action_update(
        action=actions[1], actor=cast.coordinator, fields={}, goals=[first_goal, second_goal]
    )
    diff = selectors.version_diff(before, selectors.plan_content(plan))
    assert diff.goals == [
        RowChange(
            "changed",
            "1. Mediators trained",
            [
                FieldChange("Target", [("delete", "60"), ("insert", "75")]),
                FieldChange("Unit", [("insert", "trained"), ("equal", "mediators")]),
            ],
        ),
        RowChange("added", "2. Helpdesk open"),
    ]
    assert diff.actions == [
        RowChange(
            "changed",
            "2. Open a helpdesk",
            [FieldChange("Goals", [("delete", "1"), ("insert", "1, 2")])],
        )
    ]


def test_a_removed_goal_is_listed_as_removed(cast):
    plan, _actions = _plan_for_diff(cast)
    extra = make_goal(plan, cast.coordinator, title="Extra goal")
    before = selectors.plan_content(plan)
    services.goal_remove(goal=extra, actor=cast.coordinator)
    diff = selectors.version_diff(before, selectors.plan_content(plan))
    assert diff.goals == [RowChange("removed", "2. Extra goal")]
    assert diff.actions == []


def test_diffing_against_nothing_lists_every_row_as_added(cast):
    plan, _actions = _plan_for_diff(cast)
    diff = selectors.version_diff({}, selectors.plan_content(plan))
    assert [(row.kind, row.label) for row in diff.goals] == [("added", "1. Mediators trained")]
    assert [(row.kind, row.label) for row in diff.actions] == [
        ("added", "1. Train community mediators"),
        ("added", "2. Open a helpdesk"),
        ("added", "3. Print leaflets"),
    ]
    assert [change.label for change in diff.plan] == [
        "Title",
        "Vision",
        "Period start",
        "Period end",
    ]


# The tracking board -----------------------------------------------------------------------------


@pytest.fixture
def board_plan(cast):
    """A plan read on TODAY: actions overdue, due soon, closed, undated and later."""
    plan = make_plan(cast.alliance, cast.coordinator)
    mediators = make_goal(plan, cast.coordinator, title="Mediators")
    language = make_goal(plan, cast.coordinator, title="Language")
    make_goal(plan, cast.coordinator, title="Unused")
    Membership.objects.filter(pk=cast.membership(cast.member).pk).update(
        organisation_name="Folk high school"
    )
    member = cast.membership(cast.member)
    organisation = _mapped_organisation(cast.alliance, "Adult education centre")

    def add(title, due, *, goals=(), member_=None, organisation_=None, progress=None):
        action = make_action(
            plan,
            cast.coordinator,
            title=title,
            goals=goals,
            start_date=None,
            due_date=due,
            responsible_member=member_,
            responsible_organisation=organisation_,
        )
        if progress:
            _record(cast, action, *progress)
        return action

    add(
        "Overdue open",
        date(2027, 5, 31),
        goals=[mediators],
        member_=member,
        progress=(40, "in_progress"),
    )
    add("Overdue done", date(2027, 5, 1), goals=[mediators], member_=member, progress=(100, "done"))
    add("Overdue dropped", date(2027, 5, 15), organisation_=organisation, progress=(0, "dropped"))
    add("Undated", None, goals=[language])
    add("Due today", TODAY, goals=[mediators, language], organisation_=organisation)
    add("Due in 14 days", TODAY + timedelta(days=14), member_=member, progress=(10, "in_progress"))
    add("Due in 15 days", TODAY + timedelta(days=15), goals=[language])
    add("Done soon", date(2027, 6, 10), organisation_=organisation, progress=(100, "done"))
    add("Overdue blocked", date(2027, 4, 1), goals=[language], progress=(20, "blocked"))
    return plan


def test_overdue_lists_open_dated_actions_before_today_oldest_first(board_plan):
    board = selectors.tracking_board(board_plan, today=TODAY)
    assert _titles(board.overdue) == ["Overdue blocked", "Overdue open"]


def test_due_soon_covers_today_to_fourteen_days_inclusive(board_plan):
    assert DUE_SOON_DAYS == 14
    board = selectors.tracking_board(board_plan, today=TODAY)
    assert _titles(board.due_soon) == ["Due today", "Due in 14 days"]


def test_the_board_moves_with_the_day_it_is_read(board_plan):
    board = selectors.tracking_board(board_plan, today=TODAY + timedelta(days=1))
    assert _titles(board.overdue) == ["Overdue blocked", "Overdue open", "Due today"]
    assert _titles(board.due_soon) == ["Due in 14 days", "Due in 15 days"]
    early = selectors.tracking_board(board_plan, today=date(2027, 3, 1))
    assert early.overdue == []
    assert _titles(early.due_soon) == []


def test_the_board_lists_every_action_in_table_order(board_plan):
    board = selectors.tracking_board(board_plan, today=TODAY)
    assert [action.number for action in board.actions] == list(range(1, 10))
    assert board.average_percent == round((40 + 100 + 0 + 0 + 0 + 10 + 0 + 100 + 20) / 9)


def test_the_board_groups_actions_by_who_is_responsible(cast, board_plan):
    board = selectors.tracking_board(board_plan, today=TODAY)
    person = f"{cast.member} (Folk high school)"
    organisation = "Adult education centre (Växjö)"
    nobody = "No one responsible yet"
    groups = {group.label: group for group in board.by_partner}
    assert [group.label for group in board.by_partner] == sorted(
        [person, organisation, nobody], key=str.casefold
    )
    assert _titles(groups[person].actions) == ["Overdue open", "Overdue done", "Due in 14 days"]
    assert _titles(groups[organisation].actions) == ["Overdue dropped", "Due today", "Done soon"]
    assert _titles(groups[nobody].actions) == ["Undated", "Due in 15 days", "Overdue blocked"]
    assert (groups[person].done, groups[person].average_percent) == (1, 50)
    assert (groups[organisation].done, groups[organisation].average_percent) == (1, 33)
    assert (groups[nobody].done, groups[nobody].average_percent) == (0, 7)


def test_the_board_groups_actions_by_goal_with_the_unlinked_last(board_plan):
    board = selectors.tracking_board(board_plan, today=TODAY)
    assert [(group.label, _titles(group.actions)) for group in board.by_goal] == [
        ("1. Mediators", ["Overdue open", "Overdue done", "Due today"]),
        ("2. Language", ["Undated", "Due today", "Due in 15 days", "Overdue blocked"]),
        ("3. Unused", []),
        ("Not linked to a goal", ["Overdue dropped", "Due in 14 days", "Done soon"]),
    ]
    assert board.by_goal[2].average_percent == 0


def test_the_board_counts_every_status(board_plan):
    board = selectors.tracking_board(board_plan, today=TODAY)
    assert [(value, str(label), count) for value, label, count in board.status_counts] == [
        ("not_started", "Not started", 3),
        ("in_progress", "In progress", 2),
        ("done", "Done", 2),
        ("blocked", "Blocked", 1),
        ("dropped", "Dropped", 1),
    ]


def test_without_unlinked_actions_there_is_no_unlinked_group(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator, title="Only goal")
    make_action(plan, cast.coordinator, goals=[goal])
    board = selectors.tracking_board(plan, today=TODAY)
    assert [group.label for group in board.by_goal] == ["1. Only goal"]


def test_the_board_of_an_empty_plan(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    make_goal(plan, cast.coordinator, title="Only goal")
    board = selectors.tracking_board(plan, today=TODAY)
    assert (board.actions, board.overdue, board.due_soon, board.by_partner) == ([], [], [], [])
    assert [(group.label, group.actions) for group in board.by_goal] == [("1. Only goal", [])]
    assert [count for _value, _label, count in board.status_counts] == [0, 0, 0, 0, 0]
    assert board.average_percent == 0


# The progress chart -----------------------------------------------------------------------------


def test_the_chart_draws_one_bar_per_action_sized_by_progress(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    long_title = "Train community mediators in every one of the eight municipalities"
    for title, progress in [
        ("Nothing yet", None),
        ("A third", (33, "in_progress")),
        ("Half", (50, "blocked")),
        ("All", (100, "done")),
        (long_title, (37, "in_progress")),
    ]:
        action = make_action(plan, cast.coordinator, title=title)
        if progress:
            _record(cast, action, *progress)
    chart = selectors.progress_chart(selectors.plan_actions(plan))
    step = CHART_BAR_HEIGHT + CHART_GAP
    assert [(bar.y, bar.percent, bar.width, bar.status) for bar in chart.bars] == [
        (CHART_GAP, 0, 0, "not_started"),
        (CHART_GAP + step, 33, 132, "in_progress"),
        (CHART_GAP + 2 * step, 50, 200, "blocked"),
        (CHART_GAP + 3 * step, 100, CHART_BAR_WIDTH, "done"),
        (CHART_GAP + 4 * step, 37, 148, "in_progress"),
    ]
    assert [bar.label for bar in chart.bars[:4]] == [
        "1. Nothing yet",
        "2. A third",
        "3. Half",
        "4. All",
    ]
    assert [str(bar.status_label) for bar in chart.bars[:4]] == [
        "Not started",
        "In progress",
        "Blocked",
        "Done",
    ]
    shortened = chart.bars[4].label
    assert len(shortened) == 38
    assert shortened == f"5. {long_title}"[:37] + "\N{HORIZONTAL ELLIPSIS}"
    assert chart.height == 5 * step + CHART_GAP
    assert chart.width == CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 60


def test_an_empty_chart_keeps_the_height_of_one_bar(cast):
    chart = selectors.progress_chart([])
    assert chart.bars == []
    assert chart.height == CHART_BAR_HEIGHT + 2 * CHART_GAP


# Query counts -----------------------------------------------------------------------------------


def _full_plan(cast, size: int, tag: str) -> ActionPlan:
    """A plan of `size` rows with people, links and decided actions on every kind of row."""
    plan = make_plan(cast.alliance, cast.coordinator, title=f"Plan {tag}")
    goals = [make_goal(plan, cast.coordinator, title=f"Goal {n}") for n in range(1, 3)]
    gaps = [GapFactory(alliance=cast.alliance) for _n in range(2)]
    organisation = _mapped_organisation(cast.alliance, f"Partner {tag}")
    member = cast.membership(cast.member)
    decided = max(1, size // 5)
    for number in range(size - decided):
        action = make_action(
            plan,
            cast.coordinator,
            title=f"Row {number}",
            goals=goals[: number % 3],
            gaps=gaps[: number % 3],
            responsible_member=member if number % 2 else None,
            responsible_organisation=organisation if number % 3 else None,
        )
        _record(cast, action, (number * 7) % 100, "in_progress")
    for number in range(decided):
        action = _decided_action(cast, f"Decided {tag} {number}")
        services.action_adopt(plan=plan, action=action, actor=cast.coordinator)
        services.action_update(
            action=action, actor=cast.coordinator, fields={}, goals=goals[:1], gaps=gaps[1:]
        )
    assert plan.actions.count() == size
    return plan


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context)


def test_the_content_needs_no_more_queries_for_more_rows(cast, django_assert_max_num_queries):
    small = _full_plan(cast, 3, "small")
    large = _full_plan(cast, 15, "large")
    measured = _queries(lambda: selectors.plan_content(ActionPlan.objects.get(pk=small.pk)))
    assert measured <= 6, measured
    fresh = ActionPlan.objects.get(pk=large.pk)
    with django_assert_max_num_queries(measured):
        content = selectors.plan_content(fresh)
    assert len(content["actions"]) == 15
    assert sum(1 for row in content["actions"] if row["decided_at"]) == 3


def test_the_board_needs_no_more_queries_for_more_rows(cast, django_assert_max_num_queries):
    small = _full_plan(cast, 3, "small")
    large = _full_plan(cast, 15, "large")
    measured = _queries(
        lambda: selectors.tracking_board(ActionPlan.objects.get(pk=small.pk), today=TODAY)
    )
    assert measured <= 6, measured
    fresh = ActionPlan.objects.get(pk=large.pk)
    with django_assert_max_num_queries(measured):
        board = selectors.tracking_board(fresh, today=TODAY)
        chart = selectors.progress_chart(board.actions)
        labels = [group.label for group in board.by_partner]
    assert len(board.actions) == len(chart.bars) == 15
    assert len(labels) == 5  # member with and without partner, partner, secretary, nobody
