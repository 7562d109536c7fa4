"""Access helpers for action plans: fetch and authorise in one step.

Everything hangs off a plan of the user's own alliance, so another alliance's ids in a URL answer
404, exactly like ids that do not exist.
"""

from __future__ import annotations

from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, first_or_404, get_alliance_for_user

from .models import Action, ActionPlan, Goal, PlanVersion


def get_plan_for_user(
    user, alliance_id: int, plan_id: int, *, need: Capability = Capability.VIEW_PLANS
) -> tuple[AllianceAccess, ActionPlan]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    plan = first_or_404(ActionPlan.objects, pk=plan_id, alliance=access.alliance)
    plan.alliance = access.alliance
    return access, plan


def get_goal_for_user(
    user, alliance_id: int, plan_id: int, goal_id: int, *, need: Capability
) -> tuple[AllianceAccess, Goal]:
    access, plan = get_plan_for_user(user, alliance_id, plan_id, need=need)
    goal = first_or_404(Goal.objects, pk=goal_id, plan=plan)
    goal.plan = plan
    return access, goal


def get_plan_action_for_user(
    user, alliance_id: int, plan_id: int, action_id: int, *, need: Capability
) -> tuple[AllianceAccess, Action]:
    access, plan = get_plan_for_user(user, alliance_id, plan_id, need=need)
    action = first_or_404(
        Action.objects.select_related("responsible_member__user", "responsible_organisation"),
        pk=action_id,
        plan=plan,
    )
    action.plan = plan
    action.alliance = plan.alliance
    return access, action


def get_adoptable_action_for_user(
    user, alliance_id: int, plan_id: int, action_id: int, *, need: Capability
) -> tuple[AllianceAccess, ActionPlan, Action]:
    """The plan, and an action of the same alliance that no plan has adopted yet."""
    access, plan = get_plan_for_user(user, alliance_id, plan_id, need=need)
    action = first_or_404(Action.objects, pk=action_id, alliance=access.alliance, plan__isnull=True)
    action.alliance = access.alliance
    return access, plan, action


def get_version_for_user(
    user, alliance_id: int, plan_id: int, number: int, *, with_snapshot: bool = True
) -> tuple[AllianceAccess, ActionPlan, PlanVersion]:
    """The plan's version; without its snapshot (read when first used) for a kept PDF: the
    snapshot of a large plan takes longer to read than the file."""
    access, plan = get_plan_for_user(user, alliance_id, plan_id)
    versions = plan.versions.select_related("submitted_by", "approved_by", "returned_by")
    if not with_snapshot:
        versions = versions.defer("snapshot")
    version = first_or_404(versions, number=number)
    version.plan = plan
    return access, plan, version


def can_record_progress(access: AllianceAccess, action: Action) -> bool:
    """Leaders report on any action; a member on the actions they are responsible for."""
    if access.can(Capability.RECORD_ANY_PROGRESS):
        return True
    return (
        access.can(Capability.RECORD_OWN_PROGRESS)
        and action.responsible_member_id == access.membership.pk
    )


def get_action_for_progress(
    user, alliance_id: int, plan_id: int, action_id: int
) -> tuple[AllianceAccess, Action]:
    """The action whose progress the user reports: 403 unless they may report on it."""
    access, action = get_plan_action_for_user(
        user, alliance_id, plan_id, action_id, need=Capability.VIEW_PLANS
    )
    if not can_record_progress(access, action):
        # 403, or the way to a second factor for a leader whose role asks for one.
        access.require(Capability.RECORD_ANY_PROGRESS)
    return access, action
