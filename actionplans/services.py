"""Writes to action plans: drafting, reordering, progress and the chair's sign-off.

Every change to what a plan promises goes through `_prepare_change`, which refuses it while the
plan waits for sign-off and opens a new draft version when the plan was approved. The approved
version's snapshot is never touched again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.canonical import canonical_sha256
from alliance_portal.exceptions import InvalidTransition
from alliance_portal.permissions import ConfirmedBy
from alliance_portal.services import assign_fields
from alliance_portal.tabular import ERR_PLAN_HAS_ERRORS
from alliances.audit import audit_record
from alliances.models import Alliance, Membership, User
from documents.services import document_store_when_committed
from stakeholders.models import Gap, Organisation

from . import selectors, tabular
from .models import (
    ERR_PLAN_SUBMITTED,
    MAX_TEXT_CHARS,
    Action,
    ActionPlan,
    Goal,
    PlanVersion,
    ProgressUpdate,
)

PLAN_FIELDS = ("title", "period_start", "period_end")
GOAL_FIELDS = ("title", "target_value", "unit", "current_value", "relevance", "due_date")
ACTION_FIELDS = (
    "title",
    "local_problem",
    "description",
    "budget_amount",
    "budget_currency",
    "resources",
    "responsible_organisation",
    "responsible_member",
    "start_date",
    "due_date",
    "obstacles",
    "obstacle_plan",
    "collaborators",
)

ERR_RESPONSIBLE_ELSEWHERE = _("Choose a member or a mapped organisation of this alliance.")
ERR_LINK_ELSEWHERE = _("Link only goals of this plan and gaps of this alliance.")
ERR_ALREADY_IN_PLAN = _("This action already belongs to a plan.")
ERR_NOT_IN_PLAN = _("This action does not belong to this plan.")
ERR_MOVE = _("That action cannot move further.")
ERR_SUBMIT_EMPTY = _(
    "A plan needs at least one goal and one action before it can be submitted for sign-off."
)
ERR_WRONG_PASSWORD = _("That is not your password. Nothing was approved.")
ERR_COMMENTS_REQUIRED = _("Say what should change, so the plan's authors know what to do.")
ERR_COMMENTS_TOO_LONG = _("At most %(max)d characters (this has %(length)d).")
ERR_PLAN_WAS_SUBMITTED = _(
    "A plan that has been submitted for sign-off is kept as a record and cannot be deleted."
)


def _prepare_change(plan: ActionPlan, actor: User) -> None:
    """Refuses changes while the plan waits for sign-off; an approved plan gets a new draft."""
    # Locking the plan makes two editors of an approved plan open one new version, not two.
    locked = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status, plan.version = locked.status, locked.version
    if plan.prepare_change():
        plan.save(update_fields=["status", "version", "updated_at"])
        audit_record(
            actor=actor,
            action="plan.new_version",
            obj=plan,
            changes={"version": plan.version},
        )


def _check_people(
    alliance: Alliance,
    member: Membership | None,
    organisation: Organisation | None,
    *,
    kept_member_id: int | None = None,
) -> None:
    """The responsible people must belong to the alliance. A member who has left may stay
    responsible for an action that already named them, but cannot be newly chosen."""
    if member is not None and member.pk == kept_member_id:
        member = None
    if member is not None and (member.alliance_id != alliance.pk or not member.is_active):
        raise ValidationError({"responsible_member": ERR_RESPONSIBLE_ELSEWHERE})
    if (
        organisation is not None
        and not alliance.stakeholders.filter(organisation=organisation).exists()
    ):
        raise ValidationError({"responsible_organisation": ERR_RESPONSIBLE_ELSEWHERE})


def _check_links(plan: ActionPlan, goals: Iterable[Goal], gaps: Iterable[Gap]) -> None:
    if any(goal.plan_id != plan.pk for goal in goals):
        raise ValidationError({"goals": ERR_LINK_ELSEWHERE})
    if any(gap.alliance_id != plan.alliance_id for gap in gaps):
        raise ValidationError({"gaps": ERR_LINK_ELSEWHERE})


def _next_number(queryset) -> int:
    return (queryset.aggregate(last=Max("number"))["last"] or 0) + 1


# Plans ------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, alliance: Alliance, actor: User, fields: dict[str, Any]) -> ActionPlan:
    plan = ActionPlan(alliance=alliance, created_by=actor)
    assign_fields(plan, fields, PLAN_FIELDS)
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="plan.created", obj=plan)
    return plan


@transaction.atomic
def plan_update(*, plan: ActionPlan, actor: User, fields: dict[str, Any]) -> ActionPlan:
    changed = assign_fields(plan, fields, PLAN_FIELDS)
    if not changed:
        return plan
    plan.full_clean()
    _prepare_change(plan, actor)
    plan.save()
    audit_record(
        actor=actor, action="plan.updated", obj=plan, changes={"fields": ", ".join(changed)}
    )
    return plan


@transaction.atomic
def plan_delete(*, plan: ActionPlan, actor: User) -> None:
    """Deletes a plan that was never submitted. Actions decided in minutes stay tracked."""
    if plan.versions.exists():
        raise ValidationError(ERR_PLAN_WAS_SUBMITTED)
    plan.actions.filter(decided_in__isnull=False).update(plan=None, number=None)
    plan.actions.all().delete()
    audit_record(actor=actor, action="plan.deleted", obj=plan)
    plan.delete()


# Goals ------------------------------------------------------------------------------------------


@transaction.atomic
def goal_add(*, plan: ActionPlan, actor: User, fields: dict[str, Any]) -> Goal:
    goal = Goal(plan=plan, number=_next_number(plan.goals))
    assign_fields(goal, fields, GOAL_FIELDS)
    goal.full_clean()
    _prepare_change(plan, actor)
    goal.save()
    audit_record(actor=actor, action="goal.added", obj=goal, alliance=plan.alliance)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, actor: User, fields: dict[str, Any]) -> Goal:
    changed = assign_fields(goal, fields, GOAL_FIELDS)
    if not changed:
        return goal
    goal.full_clean()
    _prepare_change(goal.plan, actor)
    goal.save()
    audit_record(
        actor=actor,
        action="goal.updated",
        obj=goal,
        alliance=goal.plan.alliance,
        changes={"fields": ", ".join(changed)},
    )
    return goal


@transaction.atomic
def goal_remove(*, goal: Goal, actor: User) -> None:
    plan = goal.plan
    _prepare_change(plan, actor)
    audit_record(actor=actor, action="goal.removed", obj=goal, alliance=plan.alliance)
    goal.delete()
    goals = list(plan.goals.order_by("number", "pk"))
    for number, remaining in enumerate(goals, start=1):
        remaining.number = number
    Goal.objects.bulk_update(goals, ["number"])


# Actions ----------------------------------------------------------------------------------------


def _links_differ(action: Action, goals: list[Goal] | None, gaps: list[Gap] | None) -> bool:
    pairs = ((action.goals, goals), (action.gaps, gaps))
    return any(
        wanted is not None
        and {item.pk for item in wanted} != set(manager.values_list("pk", flat=True))
        for manager, wanted in pairs
    )


def _set_links(action: Action, goals: list[Goal] | None, gaps: list[Gap] | None) -> None:
    """Replaces the action's goal and gap links; None leaves that kind of link as it is."""
    if goals is not None:
        action.goals.set(goals)
    if gaps is not None:
        action.gaps.set(gaps)


@transaction.atomic
def action_add(
    *,
    plan: ActionPlan,
    actor: User,
    fields: dict[str, Any],
    goals: Iterable[Goal] = (),
    gaps: Iterable[Gap] = (),
) -> Action:
    goals, gaps = list(goals), list(gaps)
    action = Action(
        alliance=plan.alliance,
        plan=plan,
        number=_next_number(plan.actions),
        created_by=actor,
        budget_currency=plan.alliance.currency,  # unless the fields give another
    )
    assign_fields(action, fields, ACTION_FIELDS)
    action.full_clean()
    _check_people(plan.alliance, action.responsible_member, action.responsible_organisation)
    _check_links(plan, goals, gaps)
    _prepare_change(plan, actor)
    action.save()
    _set_links(action, goals, gaps)
    audit_record(actor=actor, action="plan.action_added", obj=action)
    return action


@transaction.atomic
def action_update(
    *,
    action: Action,
    actor: User,
    fields: dict[str, Any],
    goals: Iterable[Goal] | None = None,
    gaps: Iterable[Gap] | None = None,
) -> Action:
    """Changes what the action promises; its progress is recorded with progress_record."""
    plan = action.plan
    goals = list(goals) if goals is not None else None
    gaps = list(gaps) if gaps is not None else None
    kept_member_id = action.responsible_member_id
    changed = assign_fields(action, fields, ACTION_FIELDS)
    action.full_clean()
    _check_people(
        action.alliance,
        action.responsible_member,
        action.responsible_organisation,
        kept_member_id=kept_member_id,
    )
    if plan is not None:
        _check_links(plan, goals or (), gaps or ())
    links_differ = plan is not None and _links_differ(action, goals, gaps)
    if not changed and not links_differ:
        return action
    if plan is not None:
        _prepare_change(plan, actor)
    action.save()
    if links_differ:
        _set_links(action, goals, gaps)
        changed.append("links")
    audit_record(
        actor=actor,
        action="plan.action_updated",
        obj=action,
        changes={"fields": ", ".join(changed)},
    )
    return action


@transaction.atomic
def action_remove(*, action: Action, actor: User) -> None:
    """Removes an action from its plan. An action decided in minutes stays tracked, unplanned."""
    plan = action.plan
    if plan is None:
        raise ValidationError(ERR_NOT_IN_PLAN)
    _prepare_change(plan, actor)
    audit_record(actor=actor, action="plan.action_removed", obj=action)
    if action.decided_in_id:
        action.plan, action.number = None, None
        action.save(update_fields=["plan", "number", "updated_at"])
        action.goals.clear()
    else:
        action.delete()
    _renumber(plan, list(plan.actions.order_by("number", "pk").values_list("pk", flat=True)))


@transaction.atomic
def action_adopt(*, plan: ActionPlan, action: Action, actor: User) -> Action:
    """Takes an action decided in a meeting's minutes into the plan, as its last row."""
    if action.alliance_id != plan.alliance_id:
        raise ValidationError(ERR_NOT_IN_PLAN)
    if action.plan_id is not None:
        raise ValidationError(ERR_ALREADY_IN_PLAN)
    _prepare_change(plan, actor)
    action.plan = plan
    action.number = _next_number(plan.actions)
    action.save(update_fields=["plan", "number", "updated_at"])
    audit_record(actor=actor, action="plan.action_adopted", obj=action)
    return action


def _renumber(plan: ActionPlan, ordered_ids: list[int]) -> bool:
    """Numbers the plan's actions 1, 2, 3 … in the given order; True when a number changed."""
    actions = {action.pk: action for action in plan.actions.all()}
    changed = []
    for number, action_id in enumerate(ordered_ids, start=1):
        action = actions[action_id]
        if action.number != number:
            action.number = number
            changed.append(action)
    Action.objects.bulk_update(changed, ["number"])
    return bool(changed)


@transaction.atomic
def action_move(*, action: Action, actor: User, offset: int) -> None:
    """Moves the action up (negative offset) or down the plan's table, renumbering the rows."""
    plan = action.plan
    if plan is None:
        raise ValidationError(ERR_NOT_IN_PLAN)
    ids = list(plan.actions.order_by("number", "pk").values_list("pk", flat=True))
    index = ids.index(action.pk)
    target = index + offset
    if not 0 <= target < len(ids):
        raise ValidationError(ERR_MOVE)
    _prepare_change(plan, actor)
    ids.insert(target, ids.pop(index))
    _renumber(plan, ids)
    audit_record(actor=actor, action="plan.reordered", obj=plan)


@transaction.atomic
def plan_renumber(*, plan: ActionPlan, actor: User) -> bool:
    """Closes gaps and repeats in the action numbers (after an import, say); True if any moved."""
    rows = list(plan.actions.order_by("number", "pk").values_list("pk", "number"))
    if [number for _pk, number in rows] == list(range(1, len(rows) + 1)):
        return False
    ids = [pk for pk, _number in rows]
    _prepare_change(plan, actor)
    _renumber(plan, ids)
    audit_record(actor=actor, action="plan.reordered", obj=plan)
    return True


@transaction.atomic
def actions_export_record(*, plan: ActionPlan, actor: User, file_format: str, rows: int) -> None:
    """Records that someone took the plan's actions out of the portal."""
    audit_record(
        actor=actor,
        action="plan.actions_exported",
        obj=plan,
        changes={"format": file_format, "rows": rows},
    )


# Progress ---------------------------------------------------------------------------------------


@transaction.atomic
def progress_record(
    *,
    action: Action,
    actor: User,
    percent: int,
    status: str,
    note: str = "",
    on: date | None = None,
) -> ProgressUpdate:
    """Adds a progress update; the action takes the status and percent of its latest update.

    Progress is not a promise of the plan, so it needs no new version and is allowed in any
    state of the plan.
    """
    update = ProgressUpdate(
        action=action,
        date=on or timezone.localdate(),
        percent=percent,
        status=status,
        note=note.strip(),
        author=actor,
    )
    update.full_clean()
    update.save()
    latest = action.progress_updates.order_by("-date", "-pk").first()
    action.record_progress(latest)
    action.save(update_fields=["status", "progress_percent", "updated_at"])
    audit_record(
        actor=actor,
        action="action.progress",
        obj=action,
        changes={"percent": update.percent, "status": update.status},
    )
    return update


# Sign-off ---------------------------------------------------------------------------------------


def _lock_plan(plan: ActionPlan) -> ActionPlan:
    locked = ActionPlan.objects.select_for_update().select_related("alliance").get(pk=plan.pk)
    plan.status, plan.version = locked.status, locked.version
    return plan


@transaction.atomic
def plan_submit(*, plan: ActionPlan, actor: User) -> PlanVersion:
    """Freezes the draft's content as the version the chair will review."""
    _lock_plan(plan)
    if plan.is_draft and not (plan.goals.exists() and plan.actions.exists()):
        raise ValidationError(ERR_SUBMIT_EMPTY)
    plan.submit()
    content = selectors.plan_content(plan)
    version, _created = PlanVersion.objects.update_or_create(
        plan=plan,
        number=plan.version,
        defaults={
            "snapshot": content,
            "sha256": canonical_sha256(content),
            "submitted_by": actor,
            "submitted_at": timezone.now(),
            # A resubmission after a return starts a fresh decision; the audit log keeps
            # the earlier return and its comments.
            "returned_by": None,
            "returned_at": None,
            "return_comments": "",
        },
    )
    plan.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="plan.submitted",
        obj=plan,
        changes={"version": version.number, "sha256": version.sha256},
    )
    return version


@transaction.atomic
def plan_withdraw(*, plan: ActionPlan, actor: User) -> ActionPlan:
    _lock_plan(plan)
    plan.withdraw()
    plan.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="plan.withdrawn", obj=plan, changes={"version": plan.version})
    return plan


def _decide(
    plan: ActionPlan, actor: User, *, action: str, version_fields: list[str], decide, **changes
) -> PlanVersion:
    """Applies the chair's decision on the version waiting for sign-off, under a lock.

    `decide(version)` is the plan's transition; it refuses a plan that is not waiting and a hash
    other than the waiting version's, so nothing is saved in either case.
    """
    _lock_plan(plan)
    version = None
    if plan.status == ActionPlan.Status.SUBMITTED:
        version = PlanVersion.objects.select_for_update().get(plan=plan, number=plan.version)
    decide(version)
    version.save(update_fields=version_fields)
    plan.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=plan,
        changes={"version": version.number, "sha256": version.sha256, **changes},
    )
    return version


@transaction.atomic
def plan_approve(
    *,
    plan: ActionPlan,
    actor: User,
    shown_sha256: str,
    password: str = "",
    confirmed_by: str = "",
) -> PlanVersion:
    """The chair's sign-off of the submitted version whose hash their page showed. The chair
    proves it is them again, so that an unattended, logged-in browser cannot sign:
    `confirmed_by` says how they just did (a code, a passkey, a fresh login at their provider:
    alliances.signin), else their password is checked here. Either is kept with the approval.
    """
    if not confirmed_by:
        if not actor.check_password(password):
            raise ValidationError({"password": ERR_WRONG_PASSWORD})
        confirmed_by = ConfirmedBy.PASSWORD

    def approve(version):
        plan.approve(version=version, by=actor, shown_sha256=shown_sha256)
        version.approval_confirmed_by = confirmed_by

    version = _decide(
        plan,
        actor,
        action="plan.approved",
        version_fields=["approved_by", "approved_at", "approval_confirmed_by"],
        decide=approve,
        confirmed_by=str(confirmed_by),
    )
    document_store_when_committed("plan_version", version)
    return version


@transaction.atomic
def plan_return(*, plan: ActionPlan, actor: User, shown_sha256: str, comments: str) -> PlanVersion:
    """The chair sends the submitted version back to its authors with comments."""
    comments = comments.strip()
    if not comments:
        raise ValidationError({"comments": ERR_COMMENTS_REQUIRED})
    if len(comments) > MAX_TEXT_CHARS:
        raise ValidationError(
            {"comments": ERR_COMMENTS_TOO_LONG % {"max": MAX_TEXT_CHARS, "length": len(comments)}}
        )
    return _decide(
        plan,
        actor,
        action="plan.returned",
        version_fields=["returned_by", "returned_at", "return_comments"],
        decide=lambda version: plan.return_with_comments(
            version=version, by=actor, shown_sha256=shown_sha256, comments=comments
        ),
    )


# Imports ----------------------------------------------------------------------------------------


@transaction.atomic
def actions_import(
    *,
    plan: ActionPlan,
    actor: User,
    columns: list[str],
    rows: list[dict[str, str]],
    filename: str = "",
) -> tabular.ImportPlan:
    """Plans the rows again against the current plan and writes them all, or nothing.

    Raises InvalidTransition while the plan waits for sign-off, ValidationError when a row has
    an error. An approved plan gets a new draft version, as for any other change.
    """
    locked = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status, plan.version = locked.status, locked.version
    result = tabular.plan_import(plan=plan, columns=columns, rows=rows)
    if plan.status == ActionPlan.Status.SUBMITTED and result.changes_anything:
        raise InvalidTransition(ERR_PLAN_SUBMITTED, code="submitted")
    if not result.is_valid:
        raise ValidationError(ERR_PLAN_HAS_ERRORS)
    for row in result.rows:
        if row.action == "new":
            action_add(
                plan=plan,
                actor=actor,
                fields=row.fields,
                goals=row.goals or (),
                gaps=row.gaps or (),
            )
        elif row.action == "update":
            row.existing.plan = plan
            action_update(
                action=row.existing, actor=actor, fields=row.fields, goals=row.goals, gaps=row.gaps
            )
    audit_record(
        actor=actor,
        action="plan.actions_imported",
        obj=plan,
        changes={
            "file": filename,
            "rows": len(result.rows),
            "new": result.count("new"),
            "updated": result.count("update"),
            "version": plan.version,
        },
    )
    return result
