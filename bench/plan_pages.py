"""Times the action-plan pages of a large plan and counts their queries.

A plan with 10 goals and 120 actions (each linked to two goals and a gap, with five progress
updates), approved as version 1 and then edited into a draft version 2. Run against any database:

    DATABASE_URL=postgres://... .venv/bin/python bench/plan_pages.py

It builds its data in a transaction that is rolled back, so it leaves nothing behind.
"""

from __future__ import annotations

import time

from harness import RUNS, measure, report, run_rolled_back

# isort: split
from datetime import date, timedelta

from django.test import Client
from django.urls import reverse

GOALS, ACTIONS, UPDATES = 10, 120, 5


def build():
    from actionplans import services
    from alliance_portal.permissions import Role
    from tests.factories import (
        TEST_PASSWORD,
        AllianceFactory,
        GapFactory,
        MembershipFactory,
        StakeholderFactory,
        make_action,
        make_goal,
        make_plan,
    )

    alliance = AllianceFactory(name="Benchmark alliance")
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    chair = MembershipFactory(alliance=alliance, role=Role.CHAIR).user
    chair.set_password(TEST_PASSWORD)
    chair.save()
    organisations = [StakeholderFactory(alliance=alliance).organisation for _ in range(8)]
    gaps = [GapFactory(alliance=alliance) for _ in range(6)]
    plan = make_plan(alliance, coordinator)
    goals = [make_goal(plan, coordinator, title=f"Goal {n}") for n in range(GOALS)]
    actions = [
        make_action(
            plan,
            coordinator,
            title=f"Action {n}",
            description="A description of what happens. " * 8,
            responsible_organisation=organisations[n % len(organisations)],
            goals=[goals[n % GOALS], goals[(n + 3) % GOALS]],
            gaps=[gaps[n % len(gaps)]],
        )
        for n in range(ACTIONS)
    ]
    started = time.perf_counter()
    version = services.plan_submit(plan=plan, actor=coordinator)
    print(
        f"submitting (snapshot and hash of {ACTIONS} actions): "
        f"{(time.perf_counter() - started) * 1000:.1f} ms"
    )
    services.plan_approve(
        plan=plan, actor=chair, shown_sha256=version.sha256, password=TEST_PASSWORD
    )
    for action in actions:
        for day in range(UPDATES):
            services.progress_record(
                action=action,
                actor=coordinator,
                percent=10 * (day + 1),
                status="in_progress",
                on=date(2026, 1, 1) + timedelta(days=day),
            )
    services.action_update(action=actions[5], actor=coordinator, fields={"title": "Changed"})
    return alliance, plan, coordinator, actions[5]


def main() -> None:
    alliance, plan, coordinator, action = build()
    client = Client()
    client.force_login(coordinator)
    args = [alliance.pk, plan.pk]
    pages = {
        "plan": reverse("actionplans:plan", args=args),
        "action with history": reverse("actionplans:action", args=[*args, action.pk]),
        "tracking board": reverse("actionplans:board", args=args),
        "versions": reverse("actionplans:versions", args=args),
        "diff v1 to current": reverse("actionplans:diff", args=args),
        "version 1 page": reverse("actionplans:version", args=[*args, 1]),
        "actions CSV": reverse("actionplans:export_csv", args=args),
        "actions XLSX": reverse("actionplans:export_xlsx", args=args),
        "version 1 PDF": reverse("actionplans:version_pdf", args=[*args, 1]),
        "draft PDF": reverse("actionplans:plan_pdf", args=args),
    }
    print(f"{GOALS} goals, {ACTIONS} actions, {ACTIONS * UPDATES} updates; median of {RUNS}")
    for name, url in pages.items():
        report(name, *measure(client, url))


if __name__ == "__main__":
    run_rolled_back(main)
