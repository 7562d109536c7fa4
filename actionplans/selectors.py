"""Reads of the alliance's tracked actions."""

from __future__ import annotations

from django.db.models import QuerySet

from alliances.models import Alliance

from .models import Action


def action_list(*, alliance: Alliance) -> QuerySet[Action]:
    """Every action of the alliance, soonest due first, with what its page shows loaded."""
    return (
        Action.objects.filter(alliance=alliance)
        .select_related(
            "responsible_member__user",
            "responsible_organisation",
            "decided_in__minutes__meeting",
        )
        .order_by("status", "due_date", "pk")
    )
