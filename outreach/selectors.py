"""Reads for the outreach pages and the public profile, scoped to one alliance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone

from actionplans.models import PlanVersion
from alliances.models import Alliance, Membership
from meetings.models import Meeting
from meetings.selectors import agenda_with_times, local_time

from .models import CommunicationEntry, CommunicationLog, CommunicationPlan, InformationMaterial

# How many of each row's latest records the communication plan page shows.
RECENT_LOGS = 3


def information_of(alliance: Alliance) -> InformationMaterial | None:
    material = InformationMaterial.objects.filter(alliance=alliance).first()
    if material is not None:
        material.alliance = alliance
    return material


def invited_meeting(alliance: Alliance):
    """The meeting new members are invited to: the next initial workshop, else the next meeting
    that is planned."""

    upcoming = Meeting.objects.filter(
        alliance=alliance, status=Meeting.Status.PLANNED, starts_at__gt=timezone.now()
    ).order_by("starts_at")
    return upcoming.filter(kind=Meeting.Kind.INITIAL_WORKSHOP).first() or upcoming.first()


def information_context(alliance: Alliance) -> dict:
    """What the information page and its PDF both show."""

    meeting = invited_meeting(alliance)
    return {
        "alliance": alliance,
        "material": information_of(alliance),
        "meeting": meeting,
        "meeting_start": local_time(alliance, meeting.starts_at) if meeting else None,
        "meeting_end": local_time(alliance, meeting.ends_at) if meeting else None,
        "agenda": agenda_with_times(meeting) if meeting else [],
        "generated_at": timezone.now(),
    }


def communication_plan_of(alliance: Alliance) -> CommunicationPlan | None:
    plan = (
        CommunicationPlan.objects.filter(alliance=alliance)
        .select_related("press_contact__user")
        .first()
    )
    if plan is not None:
        plan.alliance = alliance
    return plan


@dataclass(frozen=True)
class EntryRow:
    entry: CommunicationEntry
    last_done: date | None
    times: int
    overdue_since: date | None
    recent: list[CommunicationLog]


def communication_rows(plan: CommunicationPlan | None, *, today: date) -> list[EntryRow]:
    """The plan's rows in order, each with when it was last carried out and whether it is due."""
    if plan is None:
        return []
    entries = (
        plan.entries.annotate(last_done=Max("logs__date"), times=Count("logs"))
        .prefetch_related(
            Prefetch(
                "logs",
                queryset=CommunicationLog.objects.select_related("recorded_by").order_by(
                    "-date", "-pk"
                ),
            )
        )
        .order_by("position", "pk")
    )
    return [
        EntryRow(
            entry=entry,
            last_done=entry.last_done,
            times=entry.times,
            overdue_since=entry.overdue_since(entry.last_done, today=today),
            recent=list(entry.logs.all())[:RECENT_LOGS],
        )
        for entry in entries
    ]


def press_contact_choices(alliance: Alliance) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(alliance=alliance)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


# The public profile -----------------------------------------------------------------------------


def published_alliance(slug: str) -> Alliance | None:
    return Alliance.objects.filter(public_slug=slug, profile_public=True).first()


def member_organisations(alliance: Alliance) -> tuple[list[str], int]:
    """The organisations members represent, by name, and the number of personal members.

    People are never named on the public page; observers hold no seat and are left out."""
    seats = Membership.objects.seated().filter(alliance=alliance).select_related("organisation")
    names: dict[str, str] = {}
    personal = 0
    for membership in seats:
        name = (
            membership.organisation.name
            if membership.organisation
            else membership.organisation_name
        ).strip()
        if name:
            names.setdefault(name.casefold(), name)
        else:
            personal += 1
    return sorted(names.values(), key=str.casefold), personal


def approved_plan_summary(alliance: Alliance) -> dict | None:
    """The newest approved action plan version's snapshot: what the chair signed, not live rows."""

    version = (
        PlanVersion.objects.approved()
        .filter(plan__alliance=alliance)
        .order_by("-approved_at", "-pk")
        .first()
    )
    if version is None:
        return None
    snapshot = version.snapshot
    return {
        "number": version.number,
        "approved_at": version.approved_at,
        "plan": snapshot.get("plan", {}),
        "goals": snapshot.get("goals", []),
        "actions": [
            {"title": action.get("title", ""), "due_date": action.get("due_date")}
            for action in snapshot.get("actions", [])
        ],
    }
