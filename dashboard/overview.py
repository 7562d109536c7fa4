"""What the alliance overview's cards show, read from the apps that own the data in a fixed
number of queries: the next meeting, open actions by status, the agreement's signatures, recent
decisions and the members by role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from actionplans import selectors as action_selectors
from actionplans.models import Action
from agreements import selectors as agreement_selectors
from agreements.services import SIGNING_ROLES
from alliance_portal.permissions import Capability, Role
from alliances.models import Alliance
from meetings import selectors as meeting_selectors

# How many decisions the "Recent decisions" card lists.
RECENT_DECISIONS = 5


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class RoleCount:
    role: str
    label: str
    count: int


@dataclass(frozen=True)
class Decision:
    """One line of "Recent decisions": what was decided, when, and where to read it."""

    kind: str
    title: str
    at: datetime
    url: str


def open_actions(alliance: Alliance) -> list[StatusCount]:
    """Each open status with its count and a link to the action list filtered by it."""
    actions_url = reverse("actionplans:actions", args=[alliance.pk])
    labels = dict(Action.Status.choices)
    return [
        StatusCount(status, labels[status], count, f"{actions_url}?{urlencode({'status': status})}")
        for status, count in action_selectors.open_action_counts(alliance=alliance).items()
    ]


def members_by_role(role_counts: dict[str, int]) -> list[RoleCount]:
    labels = dict(Role.choices)
    return [RoleCount(role, labels[role], count) for role, count in role_counts.items()]


def roles_of(role_counts: dict[str, int]) -> list[str]:
    """One role per active member, as the leadership and journey rules count them."""
    return [role for role, count in role_counts.items() for _ in range(count)]


def signatures(alliance: Alliance) -> agreement_selectors.SignatureCounts | None:
    return agreement_selectors.signature_counts(alliance=alliance, signing_roles=SIGNING_ROLES)


def _action_decision(action: Action) -> Decision:
    meeting = action.decided_in.minutes.meeting
    if action.plan_id:
        url = reverse("actionplans:action", args=[action.alliance_id, action.plan_id, action.pk])
    else:
        url = reverse("meetings:minutes", args=[action.alliance_id, meeting.pk])
    return Decision(_("Action decided"), action.title, action.created_at, url)


def recent_decisions(alliance: Alliance) -> list[Decision]:
    """The latest decided actions, approved minutes and approved plan versions, newest first."""
    decisions = [
        _action_decision(action)
        for action in action_selectors.recently_decided_actions(
            alliance=alliance, limit=RECENT_DECISIONS
        )
    ]
    decisions += [
        Decision(
            _("Minutes approved"),
            minutes.meeting.title,
            minutes.approved_at,
            reverse("meetings:minutes", args=[alliance.pk, minutes.meeting_id]),
        )
        for minutes in meeting_selectors.recently_approved_minutes(
            alliance=alliance, limit=RECENT_DECISIONS
        )
    ]
    decisions += [
        Decision(
            _("Action plan approved"),
            _("%(plan)s, version %(number)d")
            % {"plan": version.plan.title, "number": version.number},
            version.approved_at,
            reverse("actionplans:version", args=[alliance.pk, version.plan_id, version.number]),
        )
        for version in action_selectors.recently_approved_versions(
            alliance=alliance, limit=RECENT_DECISIONS
        )
    ]
    decisions.sort(key=lambda decision: decision.at, reverse=True)
    return decisions[:RECENT_DECISIONS]


def overview_cards(alliance: Alliance, caps, *, now: datetime) -> dict:
    """The cards' context. Each card reads a fixed number of rows whatever the alliance's
    size; cards the viewer may not open are left out."""
    meeting = meeting_selectors.upcoming_meeting(alliance=alliance, now=now)
    if meeting is not None:
        meeting.local_start = meeting_selectors.local_time(alliance, meeting.starts_at)
        meeting.local_end = meeting_selectors.local_time(alliance, meeting.ends_at)
    return {
        "next_meeting": meeting,
        "open_actions": open_actions(alliance) if Capability.VIEW_PLANS in caps else None,
        "signatures": signatures(alliance) if Capability.VIEW_AGREEMENT in caps else None,
        "decisions": recent_decisions(alliance) if Capability.VIEW_PLANS in caps else [],
    }
