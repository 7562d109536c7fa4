"""An alliance that has done every step of the guide, built through the services, so that the
journey's tests can undo one thing at a time. The end-to-end flow starts from it too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership, User
from meetings.models import Meeting

from .factories import (
    GapFactory,
    MembershipFactory,
    StakeholderFactory,
    SupportProgrammeFactory,
    approve_plan,
    make_action,
    make_goal,
    make_held_meeting,
    make_plan,
    make_published_agreement,
    sign_agreement,
)

REASONS = "Meet the region's services\nShape the plan\nReach families\nShare venues\nFind funding"


@dataclass
class Journey:
    alliance: Alliance
    workshop: Meeting
    plan: object
    entry: object
    swot: object | None
    evaluation: object | None
    sustainability: object | None


def complete_journey(
    alliance: Alliance, *, chair: User, secretary: User, coordinator: User, evaluation=True
) -> Journey:
    """Makes every check of the six steps done for `alliance`, whose chair, secretary and
    coordinator are given. Without `evaluation`, step 6 is left with nothing recorded."""
    from outreach import services as outreach
    from sustainability import services as sustainability

    alliance.rules_of_operation = "Five plenary meetings; decisions by consensus."
    alliance.public_profile = "A regional alliance for newcomers' access to support."
    alliance.save()
    seats = Membership.objects.active().filter(alliance=alliance).exclude(role=Role.OBSERVER)
    for _ in range(max(0, 8 - seats.count())):
        MembershipFactory(alliance=alliance, role=Role.MEMBER)
    outreach.information_save(
        alliance=alliance,
        actor=coordinator,
        why_alliance="To reach every newcomer.",
        regional_situation="Eight municipalities, many services.",
        reasons_to_join=REASONS,
        time_commitment="Five meetings over 18 months.",
    )
    workshop = make_held_meeting(
        alliance, secretary, kind=Meeting.Kind.INITIAL_WORKSHOP, title="Initial workshop"
    )
    for _ in range(2):
        StakeholderFactory(
            alliance=alliance, contribution="Rooms", engagement_strategy="Invite them"
        )
    SupportProgrammeFactory(alliance=alliance)
    GapFactory(alliance=alliance)
    plan = make_plan(alliance, coordinator)
    make_action(plan, coordinator, goals=[make_goal(plan, coordinator)])
    approve_plan(plan, chair, submitted_by=coordinator)
    version = make_published_agreement(alliance, coordinator)
    for membership in seats.order_by("pk")[:5]:
        sign_agreement(version, membership)
    press_contact = Membership.objects.active().get(alliance=alliance, user=coordinator)
    outreach.communication_settings_save(
        alliance=alliance, actor=coordinator, press_contact=press_contact, strategy=""
    )
    entry = outreach.entry_save(
        alliance=alliance, actor=coordinator, audience="Parents", frequency="monthly"
    )
    outreach.entry_carried_out(
        entry=entry, actor=coordinator, carried_out_on=timezone.localdate(), note=""
    )
    swot = evaluation_record = sustainability_plan = None
    if evaluation:
        evaluation_record = sustainability.evaluation_save(
            alliance=alliance,
            actor=coordinator,
            kind="joint",
            date=timezone.localdate(),
            findings="Members want shorter meetings.",
        )
        sustainability_plan = sustainability.sustainability_save(
            plan=plan,
            actor=coordinator,
            what_continues="The drop-in",
            carried_by="The library",
            resources="Municipal budget",
            decision_date=min(timezone.localdate(), date(2027, 12, 31)),
        )
    return Journey(alliance, workshop, plan, entry, swot, evaluation_record, sustainability_plan)
