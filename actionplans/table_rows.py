"""What the plan page's table of actions reads: the key of each row's cached rendering, from
light queries, and the whole actions for the rows the cache lacks (see
alliance_portal/fragments.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch

from .models import Action, ActionPlan, Goal

# Everything a row of the plan's table shows: the action's own fields (read rather than trusted
# to its last change, which a renumbering or another bulk update does not touch), the responsible
# person's name and organisation, and the meeting that decided it.
PLAN_ROW_SHOWS = (
    "responsible_member_id",
    "number",
    "title",
    "local_problem",
    "budget_amount",
    "budget_currency",
    "start_date",
    "due_date",
    "status",
    "progress_percent",
    "decided_in_id",
    "responsible_member__user__first_name",
    "responsible_member__user__last_name",
    "responsible_member__user__email",
    "responsible_member__user__username",
    "responsible_member__organisation_name",
    "responsible_organisation__name",
    "decided_in__minutes__meeting_id",
    "decided_in__minutes__meeting__number",
    "decided_in__minutes__meeting__title",
)


@dataclass(frozen=True)
class PlanRowKey:
    """An action of the plan, in table order, with every value its row shows from elsewhere:
    together with its last change, they decide the row's HTML."""

    action_id: int
    responsible_member_id: int | None
    values: tuple

    @property
    def as_key(self) -> tuple:
        return (self.action_id, *self.values)


def plan_row_keys(plan: ActionPlan) -> list[PlanRowKey]:
    """The keys of the plan's table rows, from two light queries and no model instance."""
    goal_numbers: dict[int, list[int]] = defaultdict(list)
    links = Action.goals.through.objects.filter(action__plan=plan).order_by("goal__number")
    for action_id, number in links.values_list("action_id", "goal__number"):
        goal_numbers[action_id].append(number)
    rows = plan.actions.order_by("number", "pk").values_list(
        "pk", "plan_id", "updated_at", *PLAN_ROW_SHOWS
    )
    return [
        PlanRowKey(
            action_id=row[0],
            responsible_member_id=row[3],
            values=(*row[1:], tuple(goal_numbers[row[0]])),
        )
        for row in rows
    ]


def plan_table_actions(plan: ActionPlan, action_ids=None) -> dict[int, Action]:
    """The plan's actions (or those of `action_ids`) with what the table shows of them, by id."""
    actions = plan.actions.select_related(
        "responsible_member__user",
        "responsible_organisation",
        "decided_in__minutes__meeting",
    ).prefetch_related(Prefetch("goals", queryset=Goal.objects.only("number").order_by("number")))
    if action_ids is not None:
        actions = actions.filter(pk__in=action_ids)
    return {action.pk: action for action in actions}
