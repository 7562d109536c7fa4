"""Reads for reminders: an alliance's deliveries, a person's choices, the latest scheduler run."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from alliances.models import Alliance, User

from .kinds import MANDATORY_ROLES
from .models import Delivery, ReminderOptOut, ReminderRun, ReminderSettings


def delivery_list(*, alliance: Alliance, status: str) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(alliance=alliance, status=status).select_related(
        "recipient"
    )
    # Waiting ones read best soonest first; the rest newest first.
    if status == Delivery.Status.PENDING:
        return deliveries.order_by("due_at", "pk")
    return deliveries.order_by("-updated_at", "-pk")


def delivery_counts(*, alliance: Alliance) -> dict[str, int]:
    counts = dict.fromkeys(Delivery.Status.values, 0)
    rows = Delivery.objects.filter(alliance=alliance).values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


def failed_delivery_count(*, alliance: Alliance) -> int:
    return Delivery.objects.filter(alliance=alliance, status=Delivery.Status.FAILED).count()


def alliances_with_failed_deliveries(*, alliance_ids) -> QuerySet[Alliance]:
    """The given alliances where reminders could not be sent, each with `failed_count`."""
    failed = Q(reminder_deliveries__status=Delivery.Status.FAILED)
    return (
        Alliance.objects.filter(pk__in=alliance_ids)
        .annotate(failed_count=Count("reminder_deliveries", filter=failed))
        .filter(failed_count__gt=0)
        .order_by("name", "pk")
    )


def alliance_reminder_settings(*, alliance: Alliance) -> ReminderSettings:
    """The saved settings, or an unsaved row with the defaults."""
    return ReminderSettings.objects.filter(alliance=alliance).first() or ReminderSettings(
        alliance=alliance
    )


def sustainability_months_chosen(alliance: Alliance) -> int | None:
    """How many months before a plan ends the alliance wants its sustainability plan, or None
    when it has saved no settings. No query when the settings came with the alliance."""
    try:
        return alliance.reminder_settings.sustainability_months
    except ReminderSettings.DoesNotExist:
        return None


def kinds_switched_off(*, user: User) -> set[str]:
    return set(ReminderOptOut.objects.filter(user=user).values_list("kind", flat=True))


def mandatory_kinds_for(*, user: User) -> list[str]:
    """The role-bound kinds this person gets because of a seat they hold now."""
    roles = set(user.memberships.active().values_list("role", flat=True))
    return [kind for kind, kind_roles in MANDATORY_ROLES.items() if roles & set(kind_roles)]


def last_run() -> ReminderRun | None:
    """The latest finished run: one still running says nothing yet about the scheduler."""
    return ReminderRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
