"""Action plans: the sign-off state machine and the freezing of approved versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from actionplans import selectors, services
from actionplans.models import (
    ERR_DECIDE_STATUS,
    ERR_PLAN_SUBMITTED,
    ERR_STALE_HASH,
    ERR_SUBMIT_STATUS,
    ERR_WITHDRAW_STATUS,
    MAX_TEXT_CHARS,
    Action,
    ActionPlan,
    Goal,
    PlanVersion,
)
from actionplans.services import (
    ERR_COMMENTS_REQUIRED,
    ERR_SUBMIT_EMPTY,
    ERR_WRONG_PASSWORD,
)
from alliance_portal.canonical import canonical_json, canonical_sha256
from alliance_portal.exceptions import InvalidTransition
from alliances.models import AuditEntry
from meetings import services as meeting_services
from meetings.models import StandingItem

from ..factories import (
    TEST_PASSWORD,
    GapFactory,
    approve_plan,
    make_action,
    make_goal,
    make_meeting,
    make_minutes,
    make_plan,
    make_submitted_plan,
)

pytestmark = pytest.mark.django_db

Status = ActionPlan.Status
STALE = "0" * 64


# Helpers ----------------------------------------------------------------------------------------


def _messages(exc_info) -> list[str]:
    return [str(message) for message in exc_info.value.messages]


def _audit_codes() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def _chair_password(cast) -> None:
    cast.chair.set_password(TEST_PASSWORD)
    cast.chair.save()


def _version(plan: ActionPlan, number: int | None = None) -> PlanVersion:
    plan.refresh_from_db()
    return PlanVersion.objects.get(plan=plan, number=number or plan.version)


def _return(cast, plan: ActionPlan, comments: str = "Add a budget for the venue.") -> PlanVersion:
    return services.plan_return(
        plan=plan, actor=cast.chair, shown_sha256=_version(plan).sha256, comments=comments
    )


def _plan_in(cast, status: str) -> ActionPlan:
    """A plan with one goal and two actions, brought to the status the way people do it."""
    if status == Status.DRAFT:
        plan = make_plan(cast.alliance, cast.coordinator)
        goal = make_goal(plan, cast.coordinator)
        make_action(plan, cast.coordinator, goals=[goal], title="Action 1")
        make_action(plan, cast.coordinator, goals=[goal], title="Action 2")
        return plan
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    if status == Status.RETURNED:
        _return(cast, plan)
    elif status == Status.APPROVED:
        approve_plan(plan, cast.chair)
    plan.refresh_from_db()
    assert plan.status == status
    return plan


def _raw_snapshot(version: PlanVersion) -> str:
    """The snapshot exactly as the database stores it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT snapshot FROM actionplans_planversion WHERE id = %s", [version.pk])
        return cursor.fetchone()[0]


def _state(plan: ActionPlan) -> tuple:
    """Everything a refused transition must leave as it was."""
    stored = ActionPlan.objects.get(pk=plan.pk)
    return (
        stored.status,
        stored.version,
        stored.updated_at,
        list(
            PlanVersion.objects.filter(plan=plan)
            .order_by("number")
            .values_list(
                "pk",
                "number",
                "sha256",
                "submitted_by",
                "submitted_at",
                "approved_by",
                "approved_at",
                "returned_by",
                "returned_at",
                "return_comments",
            )
        ),
        [canonical_json(v.snapshot) for v in PlanVersion.objects.filter(plan=plan)],
        canonical_json(selectors.plan_content(stored)),
        AuditEntry.objects.count(),
    )


# Submitting -------------------------------------------------------------------------------------


def test_submitting_freezes_the_content_as_version_one(cast):
    plan = _plan_in(cast, Status.DRAFT)
    before = timezone.now()
    version = services.plan_submit(plan=plan, actor=cast.coordinator)
    after = timezone.now()
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.SUBMITTED, 1)
    version = PlanVersion.objects.get(pk=version.pk)
    assert (version.plan, version.number, version.submitted_by) == (plan, 1, cast.coordinator)
    assert before <= version.submitted_at <= after
    assert version.snapshot == selectors.plan_content(stored)
    assert version.sha256 == canonical_sha256(version.snapshot)
    assert (version.approved_at, version.approved_by, version.returned_at) == (None, None, None)
    assert not version.is_approved
    assert [a["title"] for a in version.snapshot["actions"]] == ["Action 1", "Action 2"]
    entry = AuditEntry.objects.get(action="plan.submitted")
    assert entry.changes == {"version": 1, "sha256": version.sha256}
    assert (entry.actor, entry.alliance) == (cast.coordinator, cast.alliance)


@pytest.mark.parametrize(
    ("goals", "actions"), [(0, 1), (1, 0), (0, 0)], ids=["no-goals", "no-actions", "empty"]
)
def test_a_plan_without_goals_or_actions_cannot_be_submitted(cast, goals, actions):
    plan = make_plan(cast.alliance, cast.coordinator)
    for _number in range(goals):
        make_goal(plan, cast.coordinator)
    for _number in range(actions):
        make_action(plan, cast.coordinator)
    with pytest.raises(ValidationError) as exc_info:
        services.plan_submit(plan=plan, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_SUBMIT_EMPTY)]
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.DRAFT
    assert not PlanVersion.objects.exists()
    assert "plan.submitted" not in _audit_codes()


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED])
def test_a_plan_that_is_not_a_draft_cannot_be_submitted(cast, status):
    plan = _plan_in(cast, status)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_submit(plan=plan, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_SUBMIT_STATUS)]
    assert _state(plan) == before


# Withdrawing ------------------------------------------------------------------------------------


def test_withdrawing_makes_the_plan_a_draft_again_and_keeps_the_version_row(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    version = _version(plan)
    services.plan_withdraw(plan=plan, actor=cast.coordinator)
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.DRAFT, 1)
    assert list(plan.versions.values_list("pk", "sha256")) == [(version.pk, version.sha256)]
    entry = AuditEntry.objects.get(action="plan.withdrawn")
    assert (entry.changes, entry.actor) == ({"version": 1}, cast.coordinator)

    # A withdrawn draft is edited in place: no new version opens.
    services.action_update(
        action=plan.actions.get(number=1), actor=cast.coordinator, fields={"title": "Edited"}
    )
    stored.refresh_from_db()
    assert (stored.status, stored.version) == (Status.DRAFT, 1)
    assert "plan.new_version" not in _audit_codes()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.APPROVED])
def test_only_a_submitted_plan_can_be_withdrawn(cast, status):
    plan = _plan_in(cast, status)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_withdraw(plan=plan, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_WITHDRAW_STATUS)]
    assert _state(plan) == before


def test_a_withdrawn_plan_cannot_be_withdrawn_twice(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    services.plan_withdraw(plan=plan, actor=cast.coordinator)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_withdraw(plan=plan, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_WITHDRAW_STATUS)]
    assert _state(plan) == before


# Approving and returning: refusals --------------------------------------------------------------


def _shown_hash(plan: ActionPlan) -> str:
    """The hash a chair's page would show: the latest version's, or none for a fresh draft."""
    version = plan.versions.order_by("-number").first()
    return version.sha256 if version else ""


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.APPROVED])
def test_only_a_submitted_plan_can_be_approved(cast, status):
    plan = _plan_in(cast, status)
    _chair_password(cast)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_approve(
            plan=plan, actor=cast.chair, shown_sha256=_shown_hash(plan), password=TEST_PASSWORD
        )
    assert _messages(exc_info) == [str(ERR_DECIDE_STATUS)]
    assert _state(plan) == before


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.APPROVED])
def test_only_a_submitted_plan_can_be_returned(cast, status):
    plan = _plan_in(cast, status)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_return(
            plan=plan, actor=cast.chair, shown_sha256=_shown_hash(plan), comments="Not now."
        )
    assert _messages(exc_info) == [str(ERR_DECIDE_STATUS)]
    assert _state(plan) == before


def test_a_withdrawn_version_cannot_be_approved_with_its_old_hash(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    shown = _version(plan).sha256
    services.plan_withdraw(plan=plan, actor=cast.coordinator)
    _chair_password(cast)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_approve(
            plan=plan, actor=cast.chair, shown_sha256=shown, password=TEST_PASSWORD
        )
    assert _messages(exc_info) == [str(ERR_DECIDE_STATUS)]
    assert _state(plan) == before


def test_approving_with_a_stale_hash_approves_nothing(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    seen = _version(plan).sha256
    # The authors withdraw, change a row and submit again while the chair's page is open.
    services.plan_withdraw(plan=plan, actor=cast.coordinator)
    services.action_update(
        action=plan.actions.get(number=2), actor=cast.coordinator, fields={"title": "Changed"}
    )
    services.plan_submit(plan=plan, actor=cast.coordinator)
    current = _version(plan)
    assert current.sha256 != seen
    _chair_password(cast)
    before = _state(plan)
    for shown in (seen, STALE, ""):
        with pytest.raises(InvalidTransition) as exc_info:
            services.plan_approve(
                plan=plan, actor=cast.chair, shown_sha256=shown, password=TEST_PASSWORD
            )
        assert _messages(exc_info) == [str(ERR_STALE_HASH)]
        assert exc_info.value.code == "stale"
    assert _state(plan) == before
    current.refresh_from_db()
    assert (current.approved_at, current.approved_by) == (None, None)
    assert "plan.approved" not in _audit_codes()


def test_returning_with_a_stale_hash_records_nothing(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_return(plan=plan, actor=cast.chair, shown_sha256=STALE, comments="Fix it.")
    assert _messages(exc_info) == [str(ERR_STALE_HASH)]
    assert exc_info.value.code == "stale"
    assert _state(plan) == before


@pytest.mark.parametrize("password", ["wrong-password", "", TEST_PASSWORD.upper()])
def test_approving_with_a_wrong_password_approves_nothing(cast, password):
    plan = _plan_in(cast, Status.SUBMITTED)
    _chair_password(cast)
    before = _state(plan)
    with pytest.raises(ValidationError) as exc_info:
        services.plan_approve(
            plan=plan, actor=cast.chair, shown_sha256=_version(plan).sha256, password=password
        )
    assert exc_info.value.message_dict == {"password": [str(ERR_WRONG_PASSWORD)]}
    assert _state(plan) == before


@pytest.mark.parametrize("comments", ["", "   ", "\n\t "])
def test_returning_needs_comments(cast, comments):
    plan = _plan_in(cast, Status.SUBMITTED)
    before = _state(plan)
    with pytest.raises(ValidationError) as exc_info:
        services.plan_return(
            plan=plan, actor=cast.chair, shown_sha256=_version(plan).sha256, comments=comments
        )
    assert exc_info.value.message_dict == {"comments": [str(ERR_COMMENTS_REQUIRED)]}
    assert _state(plan) == before


def test_return_comments_longer_than_the_limit_are_refused(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    before = _state(plan)
    with pytest.raises(ValidationError) as exc_info:
        services.plan_return(
            plan=plan,
            actor=cast.chair,
            shown_sha256=_version(plan).sha256,
            comments="x" * (MAX_TEXT_CHARS + 1),
        )
    assert list(exc_info.value.message_dict) == ["comments"]
    assert _state(plan) == before


# Approving and returning ------------------------------------------------------------------------


def test_approval_records_the_approver_and_the_time(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    version = _version(plan)
    sha = version.sha256
    _chair_password(cast)
    before = timezone.now()
    services.plan_approve(plan=plan, actor=cast.chair, shown_sha256=sha, password=TEST_PASSWORD)
    after = timezone.now()
    version.refresh_from_db()
    assert version.approved_by == cast.chair
    assert before <= version.approved_at <= after
    assert version.is_approved
    assert (version.sha256, version.number, version.submitted_by) == (sha, 1, cast.coordinator)
    assert version.sha256 == canonical_sha256(version.snapshot)
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.APPROVED, 1)
    assert selectors.latest_approved_version(stored) == version
    entry = AuditEntry.objects.get(action="plan.approved")
    assert entry.changes == {"version": 1, "sha256": sha, "confirmed_by": "password"}
    assert version.approval_confirmed_by == "password"
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.chair,
        cast.alliance,
        str(plan.pk),
    )


def test_returning_records_who_returned_it_and_why(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    before = timezone.now()
    version = services.plan_return(
        plan=plan,
        actor=cast.chair,
        shown_sha256=_version(plan).sha256,
        comments="  Add a budget for the venue.  ",
    )
    after = timezone.now()
    version.refresh_from_db()
    assert (version.returned_by, version.return_comments) == (
        cast.chair,
        "Add a budget for the venue.",
    )
    assert before <= version.returned_at <= after
    assert (version.approved_at, version.approved_by) == (None, None)
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.RETURNED
    assert selectors.latest_approved_version(plan) is None
    entry = AuditEntry.objects.get(action="plan.returned")
    assert entry.changes == {"version": 1, "sha256": version.sha256}


def test_a_returned_plan_is_edited_and_resubmitted_in_the_same_version_row(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    first = _version(plan)
    _return(cast, plan)
    services.action_update(
        action=plan.actions.get(number=1),
        actor=cast.coordinator,
        fields={"budget_amount": Decimal("150000")},
    )
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.RETURNED, 1)
    assert "plan.new_version" not in _audit_codes()

    resubmitted = services.plan_submit(plan=plan, actor=cast.secretary)

    assert PlanVersion.objects.filter(plan=plan).count() == 1
    resubmitted.refresh_from_db()
    assert (resubmitted.pk, resubmitted.number) == (first.pk, 1)
    assert resubmitted.sha256 != first.sha256
    assert resubmitted.sha256 == canonical_sha256(resubmitted.snapshot)
    assert resubmitted.snapshot["actions"][0]["budget_amount"] == "150000.00"
    assert first.snapshot["actions"][0]["budget_amount"] == "125000.00"
    assert resubmitted.submitted_by == cast.secretary
    assert resubmitted.submitted_at >= first.submitted_at
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.SUBMITTED

    # The chair approves the resubmitted content; the first hash no longer works.
    _chair_password(cast)
    with pytest.raises(InvalidTransition):
        services.plan_approve(
            plan=plan, actor=cast.chair, shown_sha256=first.sha256, password=TEST_PASSWORD
        )
    services.plan_approve(
        plan=plan, actor=cast.chair, shown_sha256=resubmitted.sha256, password=TEST_PASSWORD
    )
    assert _version(plan).approved_by == cast.chair


# Changes while waiting for sign-off -------------------------------------------------------------


def _decided_action(cast) -> Action:
    meeting = make_meeting(cast.alliance, cast.secretary)
    minutes = make_minutes(meeting, cast.secretary)
    item = minutes.items.get(kind=StandingItem.UPDATES)
    return meeting_services.decided_action_add(item=item, actor=cast.secretary, title="Decided")


def _first_action(plan: ActionPlan) -> Action:
    return plan.actions.get(number=1)


def _first_goal(plan: ActionPlan) -> Goal:
    return plan.goals.get(number=1)


def _gap_link(cast, plan):
    gap = GapFactory(alliance=cast.alliance)
    return lambda: services.action_update(
        action=_first_action(plan), actor=cast.coordinator, fields={}, goals=[], gaps=[gap]
    )


def _adoption(cast, plan):
    decided = _decided_action(cast)
    return lambda: services.action_adopt(plan=plan, action=decided, actor=cast.coordinator)


# Each prepares what it needs, then returns the change to try.
CHANGES = {
    "plan_update": lambda cast, plan: (
        lambda: services.plan_update(plan=plan, actor=cast.coordinator, fields={"title": "Renamed"})
    ),
    "goal_add": lambda cast, plan: lambda: make_goal(plan, cast.coordinator, title="Another"),
    "goal_update": lambda cast, plan: (
        lambda: services.goal_update(
            goal=_first_goal(plan), actor=cast.coordinator, fields={"unit": "people"}
        )
    ),
    "goal_remove": lambda cast, plan: (
        lambda: services.goal_remove(goal=_first_goal(plan), actor=cast.coordinator)
    ),
    "action_add": lambda cast, plan: lambda: make_action(plan, cast.coordinator, title="New"),
    "action_update": lambda cast, plan: (
        lambda: services.action_update(
            action=_first_action(plan), actor=cast.coordinator, fields={"title": "Renamed"}
        )
    ),
    "action_update_links": _gap_link,
    "action_remove": lambda cast, plan: (
        lambda: services.action_remove(action=_first_action(plan), actor=cast.coordinator)
    ),
    "action_adopt": _adoption,
    "action_move": lambda cast, plan: (
        lambda: services.action_move(action=_first_action(plan), actor=cast.coordinator, offset=1)
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_submitted_plan_cannot_be_changed(cast, change):
    plan = _plan_in(cast, Status.SUBMITTED)
    version = _version(plan)
    raw = _raw_snapshot(version)
    attempt = CHANGES[change](cast, plan)
    before = _state(plan)
    rows = (
        list(Action.objects.order_by("pk").values_list("pk", "plan", "number", "title")),
        list(Goal.objects.order_by("pk").values_list("pk", "number", "title", "unit")),
        list(Action.goals.through.objects.order_by("pk").values_list("action", "goal")),
        list(Action.gaps.through.objects.order_by("pk").values_list("action", "gap")),
    )
    with pytest.raises(InvalidTransition) as exc_info:
        attempt()
    assert _messages(exc_info) == [str(ERR_PLAN_SUBMITTED)]
    assert exc_info.value.code == "submitted"
    # Nothing was saved: the content is still exactly what the chair reviews.
    assert _state(plan) == before
    assert (
        list(Action.objects.order_by("pk").values_list("pk", "plan", "number", "title")),
        list(Goal.objects.order_by("pk").values_list("pk", "number", "title", "unit")),
        list(Action.goals.through.objects.order_by("pk").values_list("action", "goal")),
        list(Action.gaps.through.objects.order_by("pk").values_list("action", "gap")),
    ) == rows
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version, stored.title) == (
        Status.SUBMITTED,
        1,
        "Regional action plan 2027-2028",
    )
    assert selectors.plan_content(stored) == version.snapshot
    assert canonical_sha256(selectors.plan_content(stored)) == version.sha256
    assert _raw_snapshot(version) == raw


def test_a_submitted_plan_cannot_be_renumbered(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    Action.objects.filter(plan=plan, title="Action 2").update(number=5)
    before = _state(plan)
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_renumber(plan=plan, actor=cast.coordinator)
    assert _messages(exc_info) == [str(ERR_PLAN_SUBMITTED)]
    assert exc_info.value.code == "submitted"
    assert _state(plan) == before
    assert list(plan.actions.order_by("number").values_list("number", flat=True)) == [1, 5]


def test_an_edit_through_a_stale_copy_of_a_submitted_plan_is_refused(cast):
    """The state is read from the database, not from the caller's copy of the plan."""
    plan = _plan_in(cast, Status.DRAFT)
    stale_copy = ActionPlan.objects.get(pk=plan.pk)
    services.plan_submit(plan=plan, actor=cast.coordinator)
    assert stale_copy.status == Status.DRAFT
    with pytest.raises(InvalidTransition) as exc_info:
        services.plan_update(plan=stale_copy, actor=cast.coordinator, fields={"title": "Sneaky"})
    assert exc_info.value.code == "submitted"
    assert ActionPlan.objects.get(pk=plan.pk).title == "Regional action plan 2027-2028"


def test_progress_can_be_recorded_while_the_plan_waits_for_sign_off(cast):
    plan = _plan_in(cast, Status.SUBMITTED)
    version = _version(plan)
    action = _first_action(plan)
    services.progress_record(
        action=action, actor=cast.member, percent=30, status="in_progress", on=date(2026, 6, 1)
    )
    action.refresh_from_db()
    assert (action.status, action.progress_percent) == (Action.Status.IN_PROGRESS, 30)
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.SUBMITTED, 1)
    assert canonical_sha256(selectors.plan_content(stored)) == version.sha256


# Version freezing -------------------------------------------------------------------------------


EDITS = {
    "action": lambda cast, plan: services.action_update(
        action=_first_action(plan), actor=cast.coordinator, fields={"title": "Edited action"}
    ),
    "goal": lambda cast, plan: services.goal_update(
        goal=_first_goal(plan), actor=cast.coordinator, fields={"title": "Edited goal"}
    ),
    "plan_title": lambda cast, plan: services.plan_update(
        plan=plan, actor=cast.coordinator, fields={"title": "Edited plan"}
    ),
    "action_added": lambda cast, plan: make_action(plan, cast.coordinator, title="New row"),
    "action_removed": lambda cast, plan: services.action_remove(
        action=_first_action(plan), actor=cast.coordinator
    ),
    "action_moved": lambda cast, plan: services.action_move(
        action=_first_action(plan), actor=cast.coordinator, offset=1
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_editing_an_approved_plan_opens_version_two_as_a_draft(cast, edit):
    plan = _plan_in(cast, Status.APPROVED)
    approved = _version(plan)
    EDITS[edit](cast, plan)
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.DRAFT, 2)
    assert list(PlanVersion.objects.filter(plan=plan).values_list("pk", flat=True)) == [approved.pk]
    entry = AuditEntry.objects.get(action="plan.new_version")
    assert (entry.changes, entry.actor, entry.object_id) == (
        {"version": 2},
        cast.coordinator,
        str(plan.pk),
    )
    assert selectors.latest_approved_version(stored) == approved
    assert selectors.plan_content(stored)["plan"]["version"] == 2


def test_several_edits_after_approval_open_exactly_one_new_version(cast):
    plan = _plan_in(cast, Status.APPROVED)
    for edit in EDITS.values():
        edit(cast, plan)
    # Two more copies of the plan that still think it is approved.
    for copy in (ActionPlan.objects.get(pk=plan.pk), ActionPlan.objects.get(pk=plan.pk)):
        copy.status = Status.APPROVED
        copy.version = 1
        services.plan_update(plan=copy, actor=cast.chair, fields={"title": f"By copy {copy.pk}"})
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.DRAFT, 2)
    assert _audit_codes().count("plan.new_version") == 1
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_an_edit_that_changes_nothing_does_not_open_a_new_version(cast):
    plan = _plan_in(cast, Status.APPROVED)
    action = _first_action(plan)
    goal = _first_goal(plan)
    services.plan_update(plan=plan, actor=cast.coordinator, fields={"title": plan.title})
    services.goal_update(goal=goal, actor=cast.coordinator, fields={"unit": goal.unit})
    services.action_update(
        action=action, actor=cast.coordinator, fields={"title": action.title}, goals=[goal]
    )
    assert services.plan_renumber(plan=plan, actor=cast.coordinator) is False
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.APPROVED, 1)
    assert "plan.new_version" not in _audit_codes()


def test_a_refused_edit_of_an_approved_plan_does_not_open_a_new_version(cast):
    plan = _plan_in(cast, Status.APPROVED)
    with pytest.raises(ValidationError):
        services.action_update(
            action=_first_action(plan),
            actor=cast.coordinator,
            fields={"due_date": date(2026, 1, 1)},
        )
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.APPROVED, 1)
    assert "plan.new_version" not in _audit_codes()


def test_the_approved_snapshot_never_changes_after_later_edits(cast):
    plan = _plan_in(cast, Status.APPROVED)
    approved = _version(plan)
    raw, sha = _raw_snapshot(approved), approved.sha256
    frozen = canonical_json(approved.snapshot)
    assert canonical_sha256(approved.snapshot) == sha

    for edit in EDITS.values():
        edit(cast, plan)
    make_goal(plan, cast.coordinator, title="A second goal")
    services.progress_record(
        action=_first_action(plan),
        actor=cast.coordinator,
        percent=100,
        status="done",
        on=date(2026, 6, 1),
    )
    services.plan_submit(plan=plan, actor=cast.coordinator)
    second = _version(plan, 2)
    services.plan_approve(
        plan=plan, actor=cast.chair, shown_sha256=second.sha256, password=TEST_PASSWORD
    )

    approved.refresh_from_db()
    assert _raw_snapshot(approved) == raw
    assert canonical_json(approved.snapshot) == frozen
    assert approved.sha256 == sha
    assert canonical_sha256(approved.snapshot) == approved.sha256
    assert approved.snapshot["plan"]["title"] == "Regional action plan 2027-2028"
    assert approved.snapshot["plan"]["version"] == 1
    assert [a["title"] for a in approved.snapshot["actions"]] == ["Action 1", "Action 2"]
    assert len(approved.snapshot["goals"]) == 1

    second.refresh_from_db()
    assert second.number == 2
    assert second.sha256 != sha
    assert canonical_sha256(second.snapshot) == second.sha256
    assert second.snapshot["plan"]["title"] == "Edited plan"
    assert second.snapshot["plan"]["version"] == 2
    assert len(second.snapshot["goals"]) == 2
    assert selectors.latest_approved_version(plan) == second
    diff = selectors.version_diff(approved.snapshot, second.snapshot)
    assert not diff.is_empty
    assert [change.label for change in diff.plan] == ["Title"]


def test_progress_on_an_approved_plan_does_not_open_a_new_version(cast):
    plan = _plan_in(cast, Status.APPROVED)
    approved = _version(plan)
    raw = _raw_snapshot(approved)
    for number, (percent, status) in enumerate(
        [(40, "in_progress"), (60, "blocked"), (100, "done")], start=1
    ):
        services.progress_record(
            action=_first_action(plan),
            actor=cast.member,
            percent=percent,
            status=status,
            on=date(2026, 6, number),
        )
    services.progress_record(
        action=plan.actions.get(number=2), actor=cast.member, percent=0, status="dropped"
    )
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.version) == (Status.APPROVED, 1)
    assert PlanVersion.objects.filter(plan=plan).count() == 1
    assert "plan.new_version" not in _audit_codes()
    assert _audit_codes().count("action.progress") == 4
    assert canonical_sha256(selectors.plan_content(stored)) == approved.sha256
    assert _raw_snapshot(approved) == raw
    assert list(plan.actions.order_by("number").values_list("status", "progress_percent")) == [
        ("done", 100),
        ("dropped", 0),
    ]
