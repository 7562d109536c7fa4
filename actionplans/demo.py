"""Demo action plan: version 1 approved by the chair, version 2 being drafted, some progress.

Dates are relative to the day the demo is seeded, so something is always overdue or due soon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from alliances.models import Alliance, User

from . import selectors, services
from .models import Action, ActionPlan

GOALS = [
    {
        "title": "Community mediators trained across the county",
        "target_value": Decimal("20"),
        "unit": "mediators",
        "current_value": Decimal("4"),
        "relevance": "Families reach services through people who share their language.",
        "months": 15,
    },
    {
        "title": "Newcomers who say they know where to turn",
        "target_value": Decimal("60"),
        "unit": "%",
        "current_value": Decimal("35"),
        "relevance": "The alliance's vision: every newcomer knows where to turn.",
        "months": 17,
    },
]

ACTIONS = [
    {
        "title": "Train a first group of ten community mediators",
        "local_problem": "Services cannot reach families who speak Somali, Dari or Tigrinya.",
        "description": "Eight evenings of training with the adult education centre.",
        "budget_amount": Decimal("180000"),
        "resources": "Regional development fund; study association hours.",
        "organisation": "Kronoberg Adult Education Centre",
        "start": -60,
        "due": 10,
        "obstacles": "Volunteers work daytime jobs.",
        "obstacle_plan": "Evening sessions and travel compensation.",
        "collaborators": "Integration units of all eight municipalities.",
        "goals": [0],
        "progress": (60, Action.Status.IN_PROGRESS, "Six of eight evenings held."),
    },
    {
        "title": "Publish a multilingual guide to local support",
        "local_problem": "Information about support is only in Swedish.",
        "description": "A printed and online guide in six languages, from the mapped programmes.",
        "budget_amount": Decimal("65000"),
        "resources": "County administrative board integration grant.",
        "organisation": "Växjö Municipality, Integration Unit",
        "start": -30,
        "due": -5,
        "obstacles": "Translations take longer than planned.",
        "obstacle_plan": "Mediators review the translations in pairs.",
        "collaborators": "Libraries, the regional newspaper.",
        "goals": [1],
        "progress": (40, Action.Status.BLOCKED, "Waiting for two translations."),
    },
    {
        "title": "Open a weekly drop-in at the library",
        "local_problem": "Newcomers do not know which office handles what.",
        "description": "Mediators and officers answer questions every Thursday afternoon.",
        "budget_amount": None,
        "resources": "Library premises; officers' working hours.",
        "organisation": "",
        "start": 20,
        "due": 200,
        "obstacles": "",
        "obstacle_plan": "",
        "collaborators": "Public employment service.",
        "goals": [0, 1],
        "progress": None,
    },
]


@dataclass(frozen=True)
class PlanContent:
    """One demo alliance's action plan, in the alliance's own language."""

    title: str
    goals: list  # dicts shaped like GOALS
    actions: list  # dicts shaped like ACTIONS; at least three, the third changed after approval
    change_after_approval: str  # added to the third action's description: version 2's draft


KRONOBERG_PLAN = PlanContent(
    title="Regional action plan for newcomers' access to support",
    goals=GOALS,
    actions=ACTIONS,
    change_after_approval=" Also on Saturday mornings.",
)


def _day(offset: int) -> date:
    return timezone.localdate() + timedelta(days=offset)


def seed_action_plan(
    *,
    alliance: Alliance,
    coordinator: User,
    chair: User,
    password: str,
    content: PlanContent = KRONOBERG_PLAN,
) -> None:
    plan = services.plan_create(
        alliance=alliance,
        actor=coordinator,
        fields={
            "title": content.title,
            "period_start": alliance.period_start or _day(-90),
            "period_end": alliance.period_end or _day(450),
        },
    )
    goals = [
        services.goal_add(
            plan=plan,
            actor=coordinator,
            fields={
                **{key: value for key, value in goal.items() if key != "months"},
                "due_date": plan.period_start + timedelta(days=30 * goal["months"]),
            },
        )
        for goal in content.goals
    ]
    organisations = {org.name: org for org in selectors.responsible_organisations(alliance)}
    member = alliance.memberships.active().filter(role="member").first()
    actions = []
    for row in content.actions:
        actions.append(
            services.action_add(
                plan=plan,
                actor=coordinator,
                fields={
                    "title": row["title"],
                    "local_problem": row["local_problem"],
                    "description": row["description"],
                    "budget_amount": row["budget_amount"],
                    "resources": row["resources"],
                    "responsible_organisation": organisations.get(row["organisation"]),
                    "responsible_member": member if not row["organisation"] else None,
                    "start_date": _day(row["start"]),
                    "due_date": _day(row["due"]),
                    "obstacles": row["obstacles"],
                    "obstacle_plan": row["obstacle_plan"],
                    "collaborators": row["collaborators"],
                },
                goals=[goals[index] for index in row["goals"]],
            )
        )
    version = services.plan_submit(plan=plan, actor=coordinator)
    services.plan_approve(plan=plan, actor=chair, shown_sha256=version.sha256, password=password)
    for action, row in zip(actions, content.actions, strict=True):
        if row["progress"]:
            percent, status, note = row["progress"]
            services.progress_record(
                action=action, actor=coordinator, percent=percent, status=status, note=note
            )
    # A change after approval: version 2 is a draft, version 1 stays approved.
    services.action_update(
        action=actions[2],
        actor=coordinator,
        fields={"description": content.actions[2]["description"] + content.change_after_approval},
    )


def has_action_plan(alliance: Alliance) -> bool:
    return ActionPlan.objects.filter(alliance=alliance).exists()
