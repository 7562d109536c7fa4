"""An alliance whose reminders come due: what the reminder benchmarks build, many times over."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta


def reminder_alliance(
    name: str,
    *,
    members: int,
    actions: int,
    meetings_in: Sequence[timedelta],
    due_in_days: Sequence[int],
    swedish_every: int = 0,
):
    """Chair, coordinator, secretary and members; meetings starting `meetings_in` from now; a
    meeting held five days ago without minutes; a submitted plan whose actions fall due
    `due_in_days` from today in turn; a published agreement nobody signed. Every `swedish_every`
    member prefers Swedish. Returns (plan, agreement version)."""
    from django.utils import timezone

    from actionplans import services as plan_services
    from agreements import services as agreement_services
    from alliance_portal.permissions import Role
    from meetings import services as meeting_services
    from tests.factories import (
        AllianceFactory,
        MembershipFactory,
        make_action,
        make_goal,
        make_meeting,
        make_plan,
    )

    alliance = AllianceFactory(name=name)
    MembershipFactory(alliance=alliance, role=Role.CHAIR)
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    secretary = MembershipFactory(alliance=alliance, role=Role.SECRETARY).user
    seats = [
        MembershipFactory(
            alliance=alliance,
            user__preferred_language="sv" if swedish_every and index % swedish_every == 0 else "en",
        )
        for index in range(members - 3)
    ]
    now = timezone.now()
    for starts_in in meetings_in:
        make_meeting(alliance, secretary, starts_at=now + starts_in)
    held = make_meeting(alliance, secretary, starts_at=now - timedelta(days=5))
    meeting_services.meeting_mark_held(meeting=held, actor=secretary)
    plan = make_plan(alliance, coordinator)
    goal = make_goal(plan, coordinator)
    today = timezone.localdate()
    for index in range(actions):
        make_action(
            plan,
            coordinator,
            goals=[goal],
            title=f"Action {index}",
            start_date=None,
            due_date=today + timedelta(days=due_in_days[index % len(due_in_days)]),
            responsible_member=seats[index % len(seats)],
        )
    plan_services.plan_submit(plan=plan, actor=coordinator)
    agreement = agreement_services.agreement_start(
        alliance=alliance, actor=coordinator, language="en"
    )
    version = agreement_services.agreement_publish(
        agreement=agreement, actor=coordinator, shown_sha256=agreement.sha256, invite=False
    )
    return plan, version
