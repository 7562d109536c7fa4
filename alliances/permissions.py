"""Access helpers: fetch an object and authorise the user in one step.

404 when the user may not see the object (the same answer as "does not exist"),
403 when they may see it but lack the capability asked for.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.http import Http404

from alliance_portal.permissions import ROLE_CAPABILITIES, Capability, Role

from .models import Alliance, Invitation, Membership
from .signin import (
    SecondFactorRequired,
    lacks_second_factor_for,
    require_alliance_login_provider,
)

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
    # The role asks for a second factor and the person has none yet: until they set one up
    # they may do only what an ordinary member may (alliances.signin).
    second_factor_missing: bool = False

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def role_caps(self) -> frozenset[str]:
        return _CAPABILITY_NAMES.get(self.role, frozenset())

    @property
    def caps(self) -> frozenset[str]:
        if self.second_factor_missing:
            return self.role_caps & _CAPABILITY_NAMES[Role.MEMBER]
        return self.role_caps

    def can(self, capability: Capability) -> bool:
        return capability in self.caps

    def require(self, capability: Capability) -> None:
        if self.can(capability):
            return
        if capability in self.role_caps:
            raise SecondFactorRequired
        raise PermissionDenied


def first_or_404(queryset, **lookup):
    """The first object matching lookup, or 404: the same answer as for an object the user may
    not see."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


class RequestMemberships:
    """The person's active memberships with their alliances, read on first use and then kept for
    the rest of the request: the access check and the app shell's alliance switcher share them.
    Only a request that changes nothing keeps them (alliances.middleware), so a membership that
    a request changes is never read back stale from here."""

    def __init__(self, request):
        self.request = request

    def of(self, user) -> list[Membership] | None:
        """The memberships, if `user` is the person making the request."""
        if not user.is_authenticated or user.pk != self.request.user.pk:
            return None
        return self.memberships

    @cached_property
    def memberships(self) -> list[Membership]:
        return list(
            Membership.objects.active()
            .filter(user=self.request.user)
            .select_related("alliance")
            .order_by("alliance__name", "pk")
        )


request_memberships: ContextVar[RequestMemberships | None] = ContextVar(
    "request_memberships", default=None
)


def active_memberships_of(user) -> list[Membership] | None:
    """The user's active memberships as this request has read them, or None outside a request
    that keeps them or for another user."""
    kept = request_memberships.get()
    return kept.of(user) if kept is not None else None


def _active_membership(user, alliance_id) -> Membership | None:
    kept = active_memberships_of(user)
    if kept is None:
        return (
            Membership.objects.active()
            .select_related("alliance")
            .filter(alliance_id=alliance_id, user=user)
            .first()
        )
    return next((m for m in kept if str(m.alliance_id) == str(alliance_id)), None)


def get_alliance_for_user(
    user, alliance_id: int, *, need: Capability = Capability.VIEW_ALLIANCE
) -> AllianceAccess:
    if not user.is_authenticated:
        raise Http404
    membership = _active_membership(user, alliance_id)
    if membership is None:
        raise Http404
    require_alliance_login_provider(user, membership.alliance)
    access = AllianceAccess(
        alliance=membership.alliance,
        membership=membership,
        second_factor_missing=lacks_second_factor_for(user, membership.role),
    )
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
