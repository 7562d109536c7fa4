"""Reads of action plans: the table, the canonical content the chair signs, diffs and the board."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alliance_portal.textdiff import Segment, word_diff
from alliances.models import Alliance, Membership
from stakeholders.models import Gap, Organisation

from .formatting import amount_text, date_text, money_text
from .models import Action, ActionPlan, Goal, PlanVersion, ProgressUpdate

DUE_SOON_DAYS = 14


# Lists ------------------------------------------------------------------------------------------


def action_list(*, alliance: Alliance) -> QuerySet[Action]:
    """Every action of the alliance, open ones soonest due first, with what its page shows."""
    return (
        Action.objects.filter(alliance=alliance)
        .select_related(
            "plan",
            "responsible_member__user",
            "responsible_organisation",
            "decided_in__minutes__meeting",
        )
        .order_by("status", "due_date", "pk")
    )


def plan_list(*, alliance: Alliance) -> QuerySet[ActionPlan]:
    return ActionPlan.objects.filter(alliance=alliance)


def plan_goals(plan: ActionPlan) -> list[Goal]:
    return list(plan.goals.order_by("number", "pk"))


def plan_actions(plan: ActionPlan) -> list[Action]:
    """The plan's rows in table order, with their people, links and decision loaded."""
    return list(
        plan.actions.select_related(
            "responsible_member__user",
            "responsible_organisation",
            "decided_in__minutes__meeting",
        )
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("number")),
            Prefetch("gaps", queryset=Gap.objects.order_by("problem_area", "pk")),
        )
        .order_by("number", "pk")
    )


def unplanned_decided_actions(alliance: Alliance) -> list[Action]:
    """Actions decided in minutes that no plan has adopted yet."""
    return list(
        Action.objects.filter(alliance=alliance, plan__isnull=True, decided_in__isnull=False)
        .select_related(
            "responsible_member__user",
            "responsible_organisation",
            "decided_in__minutes__meeting",
        )
        .order_by("due_date", "pk")
    )


def plan_versions(plan: ActionPlan) -> list[PlanVersion]:
    """The plan's versions, newest first, without their snapshots (a whole plan each, read only
    by the version's own page and the diff)."""
    return list(
        plan.versions.select_related("submitted_by", "approved_by", "returned_by")
        .defer("snapshot")
        .order_by("-number")
    )


def plan_version(plan: ActionPlan, number: int) -> PlanVersion | None:
    return plan.versions.filter(number=number).first()


def submitted_version(plan: ActionPlan) -> PlanVersion | None:
    """The version waiting for the chair's sign-off, if any."""
    if plan.status != ActionPlan.Status.SUBMITTED:
        return None
    return plan.versions.select_related("submitted_by").filter(number=plan.version).first()


def version_status(plan: ActionPlan, version: PlanVersion) -> str:
    """Where the version stands: approved, or the plan's state while it is the current one."""
    if version.is_approved:
        return ActionPlan.Status.APPROVED
    if version.number == plan.version:
        return plan.status
    # Only approved versions lie behind the current one; this is a safe fallback.
    return ActionPlan.Status.RETURNED if version.returned_at else ActionPlan.Status.SUBMITTED


def latest_approved_version(plan: ActionPlan, *, with_snapshot: bool = True) -> PlanVersion | None:
    """The plan's newest approved version, without its snapshot if asked (see
    permissions.get_version_for_user)."""
    versions = plan.versions.filter(approved_at__isnull=False).select_related("approved_by")
    if not with_snapshot:
        versions = versions.defer("snapshot")
    return versions.order_by("-number").first()


def progress_history(action: Action) -> QuerySet[ProgressUpdate]:
    return action.progress_updates.select_related("author").order_by("-date", "-pk")


def responsible_members(alliance: Alliance, *, keep: int | None = None) -> QuerySet[Membership]:
    """Active members, who can answer for an action, and the membership `keep` (the one an
    action already names, which may have ended since) so that editing it does not fail."""
    return (
        Membership.objects.filter(alliance=alliance)
        .filter(Q(ended_at__isnull=True) | Q(pk=keep))
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    )


def responsible_organisations(alliance: Alliance) -> QuerySet[Organisation]:
    """Organisations the alliance has mapped, which can answer for an action."""
    return Organisation.objects.filter(assessments__alliance=alliance).order_by("name")


def alliance_gaps(alliance: Alliance) -> QuerySet[Gap]:
    return alliance.gaps.order_by("problem_area", "pk")


def gaps_by_title(alliance: Alliance) -> dict[str, Gap]:
    return {gap.problem_area.casefold(): gap for gap in alliance_gaps(alliance)}


# The canonical content --------------------------------------------------------------------------


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.01")), "f")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _decided_at(action: Action) -> str | None:
    if not action.decided_in_id:
        return None
    return str(action.decided_in.minutes.meeting)


def plan_content(plan: ActionPlan) -> dict:
    """What the plan promises, as the chair signs it: the canonical snapshot of a version.

    Progress (status, percent, updates) is left out: it moves on without a new version. Each
    goal and action keeps its id as `key`, so that versions can be compared row by row.
    """
    goals = plan_goals(plan)
    return {
        "plan": {
            "alliance": plan.alliance.name,
            "title": plan.title,
            "vision": plan.alliance.vision,
            "period_start": _date(plan.period_start),
            "period_end": _date(plan.period_end),
            "version": plan.version,
        },
        "goals": [
            {
                "key": goal.pk,
                "number": goal.number,
                "title": goal.title,
                "target_value": _decimal(goal.target_value),
                "unit": goal.unit,
                "current_value": _decimal(goal.current_value),
                "relevance": goal.relevance,
                "due_date": _date(goal.due_date),
            }
            for goal in goals
        ],
        "actions": [
            {
                "key": action.pk,
                "number": action.number,
                "title": action.title,
                "local_problem": action.local_problem,
                "description": action.description,
                "budget_amount": _decimal(action.budget_amount),
                "budget_currency": action.budget_currency,
                "resources": action.resources,
                "responsible_organisation": (
                    action.responsible_organisation.name if action.responsible_organisation else ""
                ),
                "responsible_person": action.responsible_person_label,
                "start_date": _date(action.start_date),
                "due_date": _date(action.due_date),
                "obstacles": action.obstacles,
                "obstacle_plan": action.obstacle_plan,
                "collaborators": action.collaborators,
                "goals": [goal.number for goal in action.goals.all()],
                "gaps": [gap.problem_area for gap in action.gaps.all()],
                "decided_at": _decided_at(action),
            }
            for action in plan_actions(plan)
        ],
    }


# Diffs between versions -------------------------------------------------------------------------

PLAN_LABELS = {
    "title": _("Title"),
    "vision": _("Vision"),
    "period_start": _("Period start"),
    "period_end": _("Period end"),
}
GOAL_LABELS = {
    "title": _("What"),
    "target_value": _("Target"),
    "unit": _("Unit"),
    "current_value": _("Current value"),
    "relevance": _("Why it matters"),
    "due_date": _("By when"),
}
ACTION_LABELS = {
    "number": _("Number"),
    "title": _("Action"),
    "local_problem": _("Local problem"),
    "description": _("Description"),
    # The amount and its currency are one value, as the table prints them.
    "budget": _("Estimated budget"),
    "resources": _("Possible resources or grants"),
    "responsible_organisation": _("Responsible authority or partner"),
    "responsible_person": _("Responsible person"),
    "start_date": _("Start date"),
    "due_date": _("Due date"),
    "obstacles": _("Obstacles or resistance"),
    "obstacle_plan": _("Plan to overcome them"),
    "collaborators": _("Collaborators who should know"),
    "goals": _("Goals"),
    "gaps": _("Gaps"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    segments: list[Segment]


@dataclass(frozen=True)
class RowChange:
    kind: str  # "added", "removed" or "changed"
    label: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class PlanDiff:
    plan: list[FieldChange]
    goals: list[RowChange]
    actions: list[RowChange]

    @property
    def is_empty(self) -> bool:
        return not (self.plan or self.goals or self.actions)


DATE_FIELDS = {"period_start", "period_end", "due_date", "start_date"}
AMOUNT_FIELDS = {"target_value", "current_value"}


def _text(row: dict, name: str) -> str:
    """A snapshot's field as the plan's pages print it, so the diff reads like the table."""
    if name == "budget":
        return money_text(row.get("budget_amount"), row.get("budget_currency") or "")
    value = row.get(name)
    if name in DATE_FIELDS:
        return date_text(value)
    if name in AMOUNT_FIELDS:
        return amount_text(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _field_changes(before: dict, after: dict, labels: dict) -> list[FieldChange]:
    return [
        FieldChange(str(label), word_diff(_text(before, name), _text(after, name)))
        for name, label in labels.items()
        if _text(before, name) != _text(after, name)
    ]


def _row_label(row: dict) -> str:
    return f"{row.get('number')}. {row.get('title', '')}"


def _row_changes(before: list[dict], after: list[dict], labels: dict) -> list[RowChange]:
    old = {row["key"]: row for row in before}
    new_keys = {row["key"] for row in after}
    changes = []
    for row in after:
        previous = old.get(row["key"])
        if previous is None:
            changes.append(RowChange("added", _row_label(row)))
            continue
        fields = _field_changes(previous, row, labels)
        if fields:
            changes.append(RowChange("changed", _row_label(row), fields))
    changes += [
        RowChange("removed", _row_label(row)) for row in before if row["key"] not in new_keys
    ]
    return changes


def version_diff(before: dict, after: dict) -> PlanDiff:
    """What changed between two snapshots of a plan, field by field and row by row."""
    return PlanDiff(
        plan=_field_changes(before.get("plan", {}), after.get("plan", {}), PLAN_LABELS),
        goals=_row_changes(before.get("goals", []), after.get("goals", []), GOAL_LABELS),
        actions=_row_changes(before.get("actions", []), after.get("actions", []), ACTION_LABELS),
    )


# The tracking board -----------------------------------------------------------------------------


@dataclass
class Group:
    label: str
    actions: list[Action] = field(default_factory=list)

    @property
    def average_percent(self) -> int:
        if not self.actions:
            return 0
        return round(sum(action.progress_percent for action in self.actions) / len(self.actions))

    @property
    def done(self) -> int:
        return sum(1 for action in self.actions if action.status == Action.Status.DONE)


@dataclass
class Board:
    actions: list[Action]
    overdue: list[Action]
    due_soon: list[Action]
    by_partner: list[Group]
    by_goal: list[Group]
    status_counts: list[tuple[str, str, int]]  # (status, label, count)

    @property
    def average_percent(self) -> int:
        return Group("", self.actions).average_percent


def tracking_board(plan: ActionPlan, *, today: date) -> Board:
    """The plan's state at a glance; one pass over the rows plan_actions() loads."""
    actions = plan_actions(plan)
    open_actions = [action for action in actions if action.is_open and action.due_date]
    overdue = sorted(
        (action for action in open_actions if action.due_date < today),
        key=lambda action: action.due_date,
    )
    soon_limit = today + timedelta(days=DUE_SOON_DAYS)
    due_soon = sorted(
        (action for action in open_actions if today <= action.due_date <= soon_limit),
        key=lambda action: action.due_date,
    )
    partners: dict[str, Group] = {}
    goals: dict[int, Group] = {goal.pk: Group(str(goal)) for goal in plan_goals(plan)}
    without_goal = Group(str(_("Not linked to a goal")))
    for action in actions:
        label = action.responsible_label or str(_("No one responsible yet"))
        partners.setdefault(label, Group(label)).actions.append(action)
        linked = list(action.goals.all())
        for goal in linked:
            goals[goal.pk].actions.append(action)
        if not linked:
            without_goal.actions.append(action)
    counts = Counter(action.status for action in actions)
    return Board(
        actions=actions,
        overdue=overdue,
        due_soon=due_soon,
        by_partner=sorted(partners.values(), key=lambda group: group.label.casefold()),
        by_goal=[*goals.values(), *([without_goal] if without_goal.actions else [])],
        status_counts=[(value, label, counts[value]) for value, label in Action.Status.choices],
    )


# The progress chart -----------------------------------------------------------------------------

# Each status's colour, written into the SVG itself: the PDF renderer does not apply a page's
# stylesheet to an SVG's shapes. The portal's stylesheet uses the same colours.
STATUS_COLOURS = {
    Action.Status.NOT_STARTED: "#6c757d",
    Action.Status.IN_PROGRESS: "#0b5ed7",
    Action.Status.DONE: "#146c43",
    Action.Status.BLOCKED: "#b02a37",
    Action.Status.DROPPED: "#495057",
}
CHART_TRACK_COLOUR = "#e9ecef"
CHART_TEXT_COLOUR = "#212529"
CHART_BAR_HEIGHT = 22
CHART_GAP = 8
CHART_LABEL_WIDTH = 260
CHART_BAR_WIDTH = 400


@dataclass(frozen=True)
class ChartBar:
    y: int
    label: str
    percent: int
    status: str
    status_label: str

    @property
    def width(self) -> int:
        return round(CHART_BAR_WIDTH * self.percent / 100)

    @property
    def colour(self) -> str:
        return STATUS_COLOURS.get(self.status, CHART_TEXT_COLOUR)


@dataclass(frozen=True)
class Chart:
    bars: list[ChartBar]
    label_width: int = CHART_LABEL_WIDTH
    bar_width: int = CHART_BAR_WIDTH
    bar_height: int = CHART_BAR_HEIGHT
    track_colour: str = CHART_TRACK_COLOUR
    text_colour: str = CHART_TEXT_COLOUR

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * (CHART_BAR_HEIGHT + CHART_GAP) + CHART_GAP

    @property
    def width(self) -> int:
        return CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 60


def _short(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


def progress_chart(actions: list[Action]) -> Chart:
    """One bar per action: its progress in percent, coloured by status (server-rendered SVG)."""
    return Chart(
        bars=[
            ChartBar(
                y=CHART_GAP + index * (CHART_BAR_HEIGHT + CHART_GAP),
                label=_short(f"{action.number}. {action.title}"),
                percent=action.progress_percent,
                status=action.status,
                status_label=action.get_status_display(),
            )
            for index, action in enumerate(actions)
        ]
    )


# The alliance overview --------------------------------------------------------------------------
# The overview's cards read a fixed number of rows, whatever the size of the alliance.


def open_action_counts(*, alliance: Alliance) -> dict[str, int]:
    """How many actions are open in each open status (every open status, zero included), in
    the order of the statuses, in one query."""
    open_statuses = [
        status for status in Action.Status.values if status not in Action.CLOSED_STATUSES
    ]
    counted = dict(
        Action.objects.filter(alliance=alliance, status__in=open_statuses)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return {status: counted.get(status, 0) for status in open_statuses}


def recently_decided_actions(*, alliance: Alliance, limit: int) -> list[Action]:
    """The last `limit` actions decided in minutes, newest first, with the meeting they were
    decided in."""
    return list(
        Action.objects.filter(alliance=alliance, decided_in__isnull=False)
        .select_related("plan", "decided_in__minutes__meeting")
        .order_by("-created_at", "-pk")[:limit]
    )


def recently_approved_versions(*, alliance: Alliance, limit: int) -> list[PlanVersion]:
    """The last `limit` approved plan versions, newest approval first, with their plans."""
    return list(
        PlanVersion.objects.approved()
        .filter(plan__alliance=alliance)
        .select_related("plan")
        # The snapshot is the whole signed plan; the card needs only its title and number.
        .defer("snapshot")
        .order_by("-approved_at", "-pk")[:limit]
    )


# What waits for a person -----------------------------------------------------------------------


def actions_due_for(*, user, today_by_alliance: dict[int, date]) -> QuerySet[Action]:
    """Open actions of a plan that `user` is responsible for, overdue or due within
    DUE_SOON_DAYS of each alliance's own today (`today_by_alliance`: the alliances where they
    report on their actions). Only an action in a plan has a page to report progress on."""
    alliances_by_day: dict[date, list[int]] = {}
    for alliance_id, today in today_by_alliance.items():
        alliances_by_day.setdefault(today, []).append(alliance_id)
    due = Q(pk__in=[])
    for today, alliance_ids in alliances_by_day.items():
        limit = today + timedelta(days=DUE_SOON_DAYS)
        due |= Q(alliance_id__in=alliance_ids, due_date__lte=limit)
    return (
        Action.objects.filter(
            due,
            responsible_member__user=user,
            responsible_member__ended_at__isnull=True,
            plan__isnull=False,
        )
        .exclude(status__in=Action.CLOSED_STATUSES)
        .select_related("alliance", "plan")
        .order_by("due_date", "pk")
    )


def versions_awaiting_sign_off(*, alliance_ids) -> QuerySet[PlanVersion]:
    """The versions submitted for the chair's sign-off: the plan's current version while the
    plan is submitted (as `submitted_version` reads it for one plan)."""
    return (
        PlanVersion.objects.filter(
            plan__alliance__in=alliance_ids,
            plan__status=ActionPlan.Status.SUBMITTED,
            number=F("plan__version"),
        )
        .select_related("plan__alliance", "submitted_by")
        .order_by("submitted_at", "pk")
    )
