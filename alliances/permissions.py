"""Access helpers: fetch an object and authorise the user in one step.

404 when the user may not see the object (the same answer as "does not exist"),
403 when they may see it but lack the capability asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from alliance_portal.permissions import ROLE_CAPABILITIES, Capability, Role

from .models import Alliance, Invitation, Membership

# Templates ask for the capabilities in every row of a long table: each role's set is made once.
_CAPABILITY_NAMES = {
    role: frozenset(str(cap) for cap in capabilities)
    for role, capabilities in ROLE_CAPABILITIES.items()
}


@dataclass(frozen=True)
class AllianceAccess:
    """What one user may do in one alliance; handed to templates as `access`."""

    alliance: Alliance
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def caps(self) -> frozenset[str]:
        return _CAPABILITY_NAMES.get(self.role, frozenset())

    def can(self, capability: Capability) -> bool:
        return capability in self.caps

    def require(self, capability: Capability) -> None:
        if not self.can(capability):
            raise PermissionDenied


def first_or_404(queryset, **lookup):
    """The first object matching lookup, or 404: the same answer as for an object the user may
    not see."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def get_alliance_for_user(
    user, alliance_id: int, *, need: Capability = Capability.VIEW_ALLIANCE
) -> AllianceAccess:
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.active()
        .select_related("alliance")
        .filter(alliance_id=alliance_id, user=user)
        .first()
    )
    if membership is None:
        raise Http404
    access = AllianceAccess(alliance=membership.alliance, membership=membership)
    access.require(need)
    return access


def get_membership_for_user(
    user, alliance_id: int, membership_id: int, *, need: Capability
) -> tuple[AllianceAccess, Membership]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    membership = (
        Membership.objects.select_related("user", "alliance")
        .filter(pk=membership_id, alliance=access.alliance)
        .first()
    )
    if membership is None:
        raise Http404
    return access, membership


def get_invitation_for_user(
    user, alliance_id: int, invitation_id: int, *, need: Capability
) -> tuple[AllianceAccess, Invitation]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    invitation = Invitation.objects.filter(pk=invitation_id, alliance=access.alliance).first()
    if invitation is None:
        raise Http404
    return access, invitation


def can_create_alliance(user) -> bool:
    """Staff, and anyone who already leads an alliance as chair or coordinator."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return (
        Membership.objects.active()
        .filter(user=user, role__in=[Role.CHAIR, Role.COORDINATOR])
        .exists()
    )
