"""Reads for the alliances app, scoped to what the asking user may see."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation

from alliance_portal.permissions import Role

from .models import Alliance, AuditEntry, Invitation, Membership, User


def alliance_today(alliance: Alliance, *, now: datetime | None = None) -> date:
    """Today's date where the alliance is: the day its members see on their calendars (at
    `now`, by default this moment)."""
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(alliance.timezone)).date()


def content_language(alliance: Alliance, user: User | None = None) -> str:
    """The language new content from the guide (standing agenda items, the agreement's
    template) is written in: the alliance's main language, else that of the person creating it."""
    return (
        alliance.language
        or getattr(user, "preferred_language", "")
        or translation.get_language()
        or settings.LANGUAGE_CODE
    )


def alliance_list_for_user(*, user) -> QuerySet[Membership]:
    """The user's active memberships with their alliances, one row per alliance."""
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("alliance")
        .annotate(
            member_count=Count(
                "alliance__memberships",
                filter=Q(alliance__memberships__ended_at__isnull=True),
                distinct=True,
            )
        )
        .order_by("alliance__name")
    )


def alliance_switcher_for_user(*, user) -> QuerySet[Membership]:
    """The user's active memberships for the top bar: the alliances' names for the switcher, and
    the roles and time zones "My work" counts what waits with; no member counts."""
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("alliance")
        .only("role", "user_id", "alliance__name", "alliance__timezone")
        .order_by("alliance__name")
    )


def member_list(*, alliance: Alliance) -> QuerySet[Membership]:
    """Active members, by name."""
    return (
        Membership.objects.active()
        .filter(alliance=alliance)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def former_member_list(*, alliance: Alliance) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(alliance=alliance, ended_at__isnull=False)
        .select_related("user")
        .order_by("-ended_at")
    )


def pending_invitation_list(*, alliance: Alliance) -> list[Invitation]:
    qs = Invitation.objects.filter(
        alliance=alliance, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")
    return list(qs.order_by("-created_at"))


def audit_entry_list(*, alliance: Alliance) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(alliance=alliance).select_related("actor")


def account_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def invitation_default_language(*, alliance: Alliance, inviter: User) -> str:
    """The language an invitation form offers first: the alliance's main one, else the
    inviter's."""
    return alliance.language or inviter.preferred_language


# The overview's members card and the members page -----------------------------------------------


def member_role_counts(*, alliance: Alliance) -> dict[str, int]:
    """How many active members hold each role, in the roles' order (roles nobody holds
    left out), in one query whatever the size of the alliance."""
    counted = dict(
        Membership.objects.active()
        .filter(alliance=alliance)
        .order_by()
        .values_list("role")
        .annotate(n=Count("pk"))
    )
    return {role: counted[role] for role in Role.values if counted.get(role)}


def member_search(queryset: QuerySet[Membership], text: str) -> QuerySet[Membership]:
    """Members whose name, email or organisation holds every word of `text`: "anna malmö"
    finds Anna of Malmö stad."""
    for word in text.split():
        queryset = queryset.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
            | Q(organisation_name__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    return queryset
