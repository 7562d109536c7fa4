"""Reads for the alliances app, scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Alliance, AuditEntry, Invitation, Membership


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


def member_list(*, alliance: Alliance, include_ended: bool = False) -> QuerySet[Membership]:
    qs = Membership.objects.filter(alliance=alliance).select_related("user", "ended_by")
    if not include_ended:
        qs = qs.active()
    return qs.order_by("ended_at", "user__first_name", "user__last_name", "user__email")


def former_member_list(*, alliance: Alliance) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(alliance=alliance, ended_at__isnull=False)
        .select_related("user", "ended_by")
        .order_by("-ended_at")
    )


def pending_invitation_list(*, alliance: Alliance) -> list[Invitation]:
    qs = Invitation.objects.filter(
        alliance=alliance, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")
    return list(qs.order_by("-created_at"))


def audit_entry_list(*, alliance: Alliance) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(alliance=alliance).select_related("actor")


def alliance_with_members(*, alliance_id: int) -> Alliance:
    return Alliance.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.active().select_related("user"))
    ).get(pk=alliance_id)
