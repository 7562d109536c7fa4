"""Alliances where one of everything waits for their chair, for the "My work" tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from actionplans import services as plan_services
from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership, User
from alliances.selectors import alliance_today
from meetings import services as meeting_services
from reminders.kinds import ReminderKind
from reminders.models import Delivery
from tests.factories import (
    AllianceFactory,
    MembershipFactory,
    StakeholderFactory,
    make_goal,
    make_held_meeting,
    make_meeting,
    make_minutes,
    make_plan,
    make_published_agreement,
)

# One item of each kind in a busy alliance; the chair holds every capability that brings one.
KINDS_PER_BUSY_ALLIANCE = 9


def busy_alliance(chair: User, *, name: str, unlinked: str = "Unlinked Trust") -> Alliance:
    """An alliance chaired by `chair` where one thing of each kind waits for them: an agreement
    to sign, a meeting to answer, circulated minutes, an action due, a plan to sign off, a held
    meeting without minutes, draft minutes, a failed reminder and a representative who names an
    organisation the register does not link. Every other member is linked to the register."""
    alliance = AllianceFactory(name=name)
    chair_seat = MembershipFactory(alliance=alliance, user=chair, role=Role.CHAIR)
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    MembershipFactory(alliance=alliance, role=Role.MEMBER, organisation_name=unlinked)
    _link_everyone_but(alliance, unlinked)

    make_published_agreement(alliance, coordinator)
    make_meeting(alliance, coordinator, title=f"Plenary of {name}", starts_at=_days(10))
    make_held_meeting(alliance, coordinator, title=f"Workshop of {name}", days_ago=20)
    drafted = make_held_meeting(alliance, coordinator, title=f"Steering of {name}", days_ago=15)
    make_minutes(drafted, coordinator)
    circulated = make_held_meeting(alliance, coordinator, title=f"Launch of {name}", days_ago=40)
    meeting_services.minutes_circulate(
        minutes=make_minutes(circulated, coordinator), actor=coordinator
    )
    plan = make_plan(alliance, coordinator, title=f"Plan of {name}")
    goal = make_goal(plan, coordinator)
    plan_services.action_add(
        plan=plan,
        actor=coordinator,
        fields={
            "title": f"Train mediators in {name}",
            "responsible_member": chair_seat,
            "due_date": alliance_today(alliance) + timedelta(days=3),
        },
        goals=[goal],
    )
    plan_services.plan_submit(plan=plan, actor=coordinator)
    failed_delivery(alliance, chair)
    return alliance


def failed_delivery(alliance: Alliance, recipient: User) -> Delivery:
    return Delivery.objects.create(
        alliance=alliance,
        recipient=recipient,
        status=Delivery.Status.FAILED,
        kind=ReminderKind.MEETING_UPCOMING,
        object_id=1,
        slot=f"7d@{alliance.pk}",
        due_at=timezone.now() - timedelta(hours=1),
    )


def _link_everyone_but(alliance: Alliance, unlinked: str) -> None:
    for membership in Membership.objects.filter(alliance=alliance).exclude(
        organisation_name=unlinked
    ):
        membership.organisation = StakeholderFactory(alliance=alliance).organisation
        membership.save(update_fields=["organisation"])


def _days(days: int):
    return timezone.now() + timedelta(days=days)
