"""Drafting a plan: the plan itself, its goals and actions, their order, and progress."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.forms import message_service_errors, saved_by_service
from alliance_portal.fragments import render_rows
from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user

from .. import selectors, services, table_rows
from ..forms import ActionForm, GoalForm, PlanForm, ProgressForm
from ..models import Action, ActionPlan
from ..permissions import (
    can_record_progress,
    get_action_for_progress,
    get_adoptable_action_for_user,
    get_goal_for_user,
    get_plan_action_for_user,
    get_plan_for_user,
)

PAGE_SIZE = 50
MOVES = {"up": -1, "down": 1}


def plan_context(access, plan: ActionPlan, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "plan": plan, **extra}


def plan_url(plan: ActionPlan, anchor: str = "") -> str:
    url = reverse("actionplans:plan", args=[plan.alliance_id, plan.pk])
    return f"{url}#{anchor}" if anchor else url


def _new_version_message(request, plan: ActionPlan, version_before: int) -> None:
    if plan.version != version_before:
        messages.info(
            request,
            _(
                "Version %(approved)d stays approved as it was. Your change started version "
                "%(number)d as a draft; submit it for sign-off when it is ready."
            )
            % {"approved": version_before, "number": plan.version},
        )


def _change(request, plan: ActionPlan, change) -> tuple[bool, object]:
    """Runs a change of what the plan promises: (True, its result), or (False, None) after
    showing the service's refusal as a message."""
    version_before = plan.version
    try:
        result = change()
    except ValidationError as exc:
        message_service_errors(request, exc)
        return False, None
    _new_version_message(request, plan, version_before)
    return True, result


def _form_page(request, access, plan: ActionPlan, form, save, *, title, cancel_url):
    """A drafting form: a valid POST calls save(), which returns (message, anchor), and leads
    back to the plan; the service's refusals are shown on the form, which keeps the input."""
    version_before = plan.version
    saved = saved_by_service(request, form, lambda data: save(), lambda saved: saved[0])
    if saved:
        _new_version_message(request, plan, version_before)
        return redirect(plan_url(plan, saved[1]))
    return render(
        request,
        "actionplans/form.html",
        plan_context(access, plan, form=form, title=title, cancel_url=cancel_url),
    )


def _confirm_page(request, access, plan: ActionPlan, **context):
    return render(request, "actionplans/confirm.html", plan_context(access, plan, **context))


# Actions of the alliance ------------------------------------------------------------------------


@login_required
@require_safe
def action_list(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_PLANS)
    actions = selectors.action_list(alliance=access.alliance)
    # The alliance overview links each open status to the actions in it; an unknown status
    # shows them all.
    status = request.GET.get("status")
    status_filter = Action.Status(status) if status in Action.Status.values else None
    if status_filter is not None:
        actions = actions.filter(status=status_filter)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "actionplans/action_list.html",
        {
            "access": access,
            "alliance": access.alliance,
            "page": page,
            "status_filter": status_filter,
        },
    )


# Plans ------------------------------------------------------------------------------------------


@login_required
@require_safe
def plan_list(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_PLANS)
    page = Paginator(selectors.plan_list(alliance=access.alliance), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "actionplans/plan_list.html",
        {"access": access, "alliance": access.alliance, "page": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_PLANS)
    alliance = access.alliance
    form = PlanForm(
        request.POST or None,
        initial={"period_start": alliance.period_start, "period_end": alliance.period_end},
        submit_label=_("Create the plan"),
    )
    plan = saved_by_service(
        request,
        form,
        lambda data: services.plan_create(alliance=alliance, actor=request.user, fields=data),
        _("The plan was created. Add its goals and actions."),
    )
    if plan:
        return redirect(plan_url(plan))
    return render(
        request,
        "actionplans/form.html",
        {
            "access": access,
            "alliance": alliance,
            "form": form,
            "title": _("New action plan"),
            "cancel_url": reverse("actionplans:plans", args=[alliance.pk]),
        },
    )


@login_required
@require_safe
def plan_detail(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    can_manage = access.can(Capability.MANAGE_PLANS)
    show_tools = can_manage and plan.status != ActionPlan.Status.SUBMITTED
    return render(
        request,
        "actionplans/plan_detail.html",
        plan_context(
            access,
            plan,
            goals=selectors.plan_goals(plan),
            action_rows=action_rows(access, plan, show_tools=show_tools),
            versions=selectors.plan_versions(plan),
            unplanned=selectors.unplanned_decided_actions(access.alliance) if can_manage else [],
            can_manage=can_manage,
        ),
    )


def action_rows(access, plan: ActionPlan, *, show_tools: bool) -> SafeString:
    """The plan's table rows, each taken from the fragment cache unless something it shows has
    changed: its key holds every value it shows, the action's own and those from elsewhere (the
    responsible person's and organisation's names, the goals' numbers, the meeting that decided
    it), and what the reader may do on it; the cache adds the language. Only the rows the cache
    lacks are loaded whole."""
    row_keys = table_rows.plan_row_keys(plan)
    last = len(row_keys) - 1

    # The progress rule reads only who is responsible, which each row key carries.
    reader = [
        (can_record_progress(access, row), show_tools, index == 0, index == last)
        for index, row in enumerate(row_keys)
    ]

    def contexts(missing: list[int]) -> dict[int, dict]:
        # Most rows missing (a new release, language or role): the whole plan in one read.
        wanted = (
            None if len(missing) * 2 > len(row_keys) else [row_keys[i].action_id for i in missing]
        )
        actions = table_rows.plan_table_actions(plan, wanted)
        return {
            index: {
                "action": actions[row_keys[index].action_id],
                "alliance_id": plan.alliance_id,
                "plan_id": plan.pk,
                "can_report": reader[index][0],
                "show_tools": show_tools,
                "first": reader[index][2],
                "last": reader[index][3],
            }
            for index in missing
        }

    keys = [(*row.as_key, *reader[index]) for index, row in enumerate(row_keys)]
    return render_rows("actionplans/_plan_action_row.html", keys, contexts, name="plan-action")


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    form = PlanForm(request.POST or None, instance=copy.copy(plan))

    def save():
        services.plan_update(plan=plan, actor=request.user, fields=form.cleaned_data)
        return _("The plan was saved."), ""

    return _form_page(
        request, access, plan, form, save, title=_("Edit the plan"), cancel_url=plan_url(plan)
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_delete(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    if request.method == "POST":
        deleted, _result = _change(
            request, plan, lambda: services.plan_delete(plan=plan, actor=request.user)
        )
        if not deleted:
            return redirect(plan_url(plan))
        messages.success(request, _("The plan “%(plan)s” was deleted.") % {"plan": plan})
        return redirect("actionplans:plans", access.alliance.pk)
    return _confirm_page(
        request,
        access,
        plan,
        title=_("Delete the plan “%(plan)s”?") % {"plan": plan},
        explanation=_(
            "Its goals and actions are deleted. Actions decided in meetings stay on the "
            "alliance's list of actions. This cannot be undone."
        ),
        confirm_label=_("Yes, delete the plan"),
        danger=True,
        cancel_url=plan_url(plan),
    )


# Goals ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def goal_add(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    form = GoalForm(request.POST or None, submit_label=_("Add the goal"))

    def save():
        goal = services.goal_add(plan=plan, actor=request.user, fields=form.cleaned_data)
        return _("Goal %(number)d was added.") % {"number": goal.number}, f"goal-{goal.pk}"

    return _form_page(
        request,
        access,
        plan,
        form,
        save,
        title=_("Add a SMART goal"),
        cancel_url=plan_url(plan, "goals"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, alliance_id: int, plan_id: int, goal_id: int):
    access, goal = get_goal_for_user(
        request.user, alliance_id, plan_id, goal_id, need=Capability.MANAGE_PLANS
    )
    form = GoalForm(request.POST or None, instance=copy.copy(goal))

    def save():
        services.goal_update(goal=goal, actor=request.user, fields=form.cleaned_data)
        return _("The goal was saved."), f"goal-{goal.pk}"

    return _form_page(
        request,
        access,
        goal.plan,
        form,
        save,
        title=_("Edit goal %(number)d") % {"number": goal.number},
        cancel_url=plan_url(goal.plan, f"goal-{goal.pk}"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_remove(request, alliance_id: int, plan_id: int, goal_id: int):
    access, goal = get_goal_for_user(
        request.user, alliance_id, plan_id, goal_id, need=Capability.MANAGE_PLANS
    )
    plan = goal.plan
    if request.method == "POST":
        removed, _result = _change(
            request, plan, lambda: services.goal_remove(goal=goal, actor=request.user)
        )
        if removed:
            messages.success(request, _("The goal was removed."))
        return redirect(plan_url(plan, "goals"))
    return _confirm_page(
        request,
        access,
        plan,
        title=_("Remove goal “%(goal)s”?") % {"goal": goal},
        explanation=_("Actions linked to it stay in the plan, without this link."),
        confirm_label=_("Yes, remove the goal"),
        danger=True,
        cancel_url=plan_url(plan, f"goal-{goal.pk}"),
    )


# Actions ----------------------------------------------------------------------------------------


def _links(form: ActionForm) -> dict:
    return {"goals": form.cleaned_data["goals"], "gaps": form.cleaned_data["gaps"]}


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    form = ActionForm(request.POST or None, plan=plan, submit_label=_("Add the action"))

    def save():
        action = services.action_add(
            plan=plan, actor=request.user, fields=form.service_fields(), **_links(form)
        )
        return _("Action %(number)d was added.") % {"number": action.number}, f"action-{action.pk}"

    return _form_page(
        request,
        access,
        plan,
        form,
        save,
        title=_("Add an action"),
        cancel_url=plan_url(plan, "actions"),
    )


@login_required
@require_safe
def action_detail(request, alliance_id: int, plan_id: int, action_id: int):
    access, action = get_plan_action_for_user(
        request.user, alliance_id, plan_id, action_id, need=Capability.VIEW_PLANS
    )
    can_report = can_record_progress(access, action)
    return render(
        request,
        "actionplans/action_detail.html",
        plan_context(
            access,
            action.plan,
            action=action,
            history=selectors.progress_history(action),
            form=ProgressForm(action=action) if can_report else None,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, alliance_id: int, plan_id: int, action_id: int):
    access, action = get_plan_action_for_user(
        request.user, alliance_id, plan_id, action_id, need=Capability.MANAGE_PLANS
    )
    form = ActionForm(
        request.POST or None,
        plan=action.plan,
        instance=copy.copy(action),
        initial={"goals": action.goals.all(), "gaps": action.gaps.all()},
    )

    def save():
        services.action_update(
            action=action, actor=request.user, fields=form.service_fields(), **_links(form)
        )
        return _("The action was saved."), f"action-{action.pk}"

    return _form_page(
        request,
        access,
        action.plan,
        form,
        save,
        title=_("Edit action %(number)s") % {"number": action.number},
        cancel_url=plan_url(action.plan, f"action-{action.pk}"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_remove(request, alliance_id: int, plan_id: int, action_id: int):
    access, action = get_plan_action_for_user(
        request.user, alliance_id, plan_id, action_id, need=Capability.MANAGE_PLANS
    )
    plan = action.plan
    if request.method == "POST":
        removed, _result = _change(
            request, plan, lambda: services.action_remove(action=action, actor=request.user)
        )
        if removed:
            messages.success(
                request, _("“%(action)s” was removed from the plan.") % {"action": action}
            )
        return redirect(plan_url(plan, "actions"))
    explanation = (
        _("It was decided in a meeting, so it stays on the alliance's list of actions.")
        if action.decided_in_id
        else _("Its progress history is deleted with it. The other actions are renumbered.")
    )
    return _confirm_page(
        request,
        access,
        plan,
        title=_("Remove “%(action)s” from the plan?") % {"action": action},
        explanation=explanation,
        confirm_label=_("Yes, remove it"),
        danger=True,
        cancel_url=plan_url(plan, f"action-{action.pk}"),
    )


def _move(action: Action, actor, direction: str) -> None:
    if direction not in MOVES:
        raise ValidationError(services.ERR_MOVE)
    services.action_move(action=action, actor=actor, offset=MOVES[direction])


@login_required
@require_POST
def action_move(request, alliance_id: int, plan_id: int, action_id: int):
    """Moves an action one row up or down; the rows are renumbered."""
    _access, action = get_plan_action_for_user(
        request.user, alliance_id, plan_id, action_id, need=Capability.MANAGE_PLANS
    )
    direction = request.POST.get("direction", "")
    _change(request, action.plan, lambda: _move(action, request.user, direction))
    return redirect(plan_url(action.plan, f"action-{action.pk}"))


@login_required
@require_POST
def plan_renumber(request, alliance_id: int, plan_id: int):
    _access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    done, changed = _change(
        request, plan, lambda: services.plan_renumber(plan=plan, actor=request.user)
    )
    if done and changed:
        messages.success(request, _("The actions were numbered 1, 2, 3 … in table order."))
    elif done:
        messages.info(request, _("The actions were already numbered in order."))
    return redirect(plan_url(plan, "actions"))


@login_required
@require_POST
def action_adopt(request, alliance_id: int, plan_id: int, action_id: int):
    """Takes an action decided in a meeting's minutes into the plan."""
    _access, plan, action = get_adoptable_action_for_user(
        request.user, alliance_id, plan_id, action_id, need=Capability.MANAGE_PLANS
    )
    adopted, _result = _change(
        request,
        plan,
        lambda: services.action_adopt(plan=plan, action=action, actor=request.user),
    )
    if not adopted:
        return redirect(plan_url(plan, "decided"))
    messages.success(
        request,
        _("“%(action)s” is now action %(number)d of the plan.")
        % {"action": action, "number": action.number},
    )
    return redirect(plan_url(plan, f"action-{action.pk}"))


# Progress ---------------------------------------------------------------------------------------


@login_required
@require_POST
def progress_add(request, alliance_id: int, plan_id: int, action_id: int):
    access, action = get_action_for_progress(request.user, alliance_id, plan_id, action_id)
    form = ProgressForm(request.POST, action=action)
    if saved_by_service(
        request,
        form,
        lambda data: services.progress_record(
            action=action,
            actor=request.user,
            percent=data["percent"],
            status=data["status"],
            note=data["note"],
            on=data["date"],
        ),
        _("The progress was recorded."),
    ):
        return redirect("actionplans:action", access.alliance.pk, action.plan_id, action.pk)
    return render(
        request,
        "actionplans/action_detail.html",
        plan_context(
            access,
            action.plan,
            action=action,
            history=selectors.progress_history(action),
            form=form,
        ),
        status=400,
    )


# The tracking board -----------------------------------------------------------------------------


@login_required
@require_safe
def plan_board(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    board = selectors.tracking_board(plan, today=timezone.localdate())
    return render(
        request,
        "actionplans/board.html",
        plan_context(
            access,
            plan,
            board=board,
            chart=selectors.progress_chart(board.actions),
            statuses=Action.Status,
        ),
    )
