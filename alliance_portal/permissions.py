"""Roles and the capability table: which role in an alliance may do what.

This table is the only place that maps roles to rights. Access helpers (`alliances.permissions`
and their counterparts in the other apps) consult it; views and templates never test roles.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    COORDINATOR = "coordinator", _("Coordinator")
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


class ConfirmedBy(models.TextChoices):
    """How a person proved it was them before an approval, a countersignature, an erasure or a
    change of roles."""

    PASSWORD = "password", _("password")
    TOTP = "totp", _("authenticator app code")
    RECOVERY_CODE = "recovery_codes", _("recovery code")
    PASSKEY = "webauthn", _("passkey or security key")
    PROVIDER = "provider", _("new login at the identity provider")


class Capability(StrEnum):
    VIEW_ALLIANCE = "alliance.view"
    EDIT_ALLIANCE = "alliance.edit"
    CHANGE_ALLIANCE_STATUS = "alliance.change_status"
    VIEW_MEMBERS = "members.view"
    MANAGE_MEMBERS = "members.manage"
    HAND_OVER_CHAIR = "chair.hand_over"
    VIEW_AUDIT_LOG = "audit.view"
    VIEW_STAKEHOLDERS = "stakeholders.view"
    VIEW_CONTACTS = "contacts.view"
    MANAGE_STAKEHOLDERS = "stakeholders.manage"
    VIEW_MEETINGS = "meetings.view"
    MANAGE_MEETINGS = "meetings.manage"
    COMMENT_MINUTES = "minutes.comment"
    APPROVE_MINUTES = "minutes.approve"
    VIEW_PLANS = "plans.view"
    MANAGE_PLANS = "plans.manage"
    APPROVE_PLANS = "plans.approve"
    # Members report progress on the actions they answer for; leaders on any action.
    RECORD_OWN_PROGRESS = "progress.record_own"
    RECORD_ANY_PROGRESS = "progress.record_any"
    VIEW_AGREEMENT = "agreement.view"
    # Members with a seat sign the commitment agreement; observers hold no seat.
    SIGN_AGREEMENT = "agreement.sign"
    MANAGE_AGREEMENT = "agreement.manage"
    # Who signed, declined or withdrew, with the evidence (IP addresses, browsers).
    VIEW_SIGNATURES = "signatures.view"
    COUNTERSIGN_AGREEMENT = "agreement.countersign"
    # The alliance's reminder schedule, and the deliveries that could not be sent.
    MANAGE_REMINDERS = "reminders.manage"
    # Information material for new members, the communication plan and the public profile.
    MANAGE_OUTREACH = "outreach.manage"
    # SWOT analyses, evaluations and sustainability plans (the guide's step 6).
    MANAGE_EVALUATION = "evaluation.manage"
    # The coordinator report and the archive of every document; both name members.
    EXPORT_REPORTS = "reports.export"


_EVERYONE = frozenset(
    {
        Capability.VIEW_ALLIANCE,
        Capability.VIEW_MEMBERS,
        Capability.VIEW_STAKEHOLDERS,
        Capability.VIEW_MEETINGS,
        Capability.VIEW_PLANS,
        Capability.VIEW_AGREEMENT,
    }
)
# Observers read; members also take part, e.g. by commenting on circulated minutes.
_MEMBERS = _EVERYONE | {
    Capability.COMMENT_MINUTES,
    Capability.RECORD_OWN_PROGRESS,
    Capability.SIGN_AGREEMENT,
}
# Contact people's phone numbers and addresses are personal data: only the roles that reach out
# to stakeholders see them. The same roles organise meetings and keep the minutes.
_OUTREACH = _MEMBERS | {
    Capability.VIEW_CONTACTS,
    Capability.MANAGE_MEETINGS,
    Capability.RECORD_ANY_PROGRESS,
    # A SWOT or an evaluation is usually done in a meeting, which the secretary records.
    Capability.MANAGE_EVALUATION,
}
# The guide's action plan is drafted by those who run the alliance day to day and signed off
# by the chair, so drafting and approving are kept apart. The chair also approves minutes and
# countersigns members' commitment agreements.
_PLAN_DRAFTING = frozenset({Capability.MANAGE_PLANS})
_CHAIR_SIGN_OFF = frozenset(
    {Capability.APPROVE_PLANS, Capability.APPROVE_MINUTES, Capability.COUNTERSIGN_AGREEMENT}
)
_LEADERSHIP = _OUTREACH | {
    Capability.MANAGE_STAKEHOLDERS,
    Capability.EDIT_ALLIANCE,
    Capability.CHANGE_ALLIANCE_STATUS,
    Capability.MANAGE_MEMBERS,
    Capability.VIEW_AUDIT_LOG,
    Capability.MANAGE_AGREEMENT,
    Capability.VIEW_SIGNATURES,
    Capability.MANAGE_REMINDERS,
    Capability.MANAGE_OUTREACH,
    Capability.EXPORT_REPORTS,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CHAIR: frozenset(_LEADERSHIP | _CHAIR_SIGN_OFF | {Capability.HAND_OVER_CHAIR}),
    Role.COORDINATOR: frozenset(_LEADERSHIP | _PLAN_DRAFTING),
    Role.SECRETARY: frozenset(_OUTREACH | _PLAN_DRAFTING),
    Role.MEMBER: _MEMBERS,
    Role.OBSERVER: _EVERYONE,
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


def roles_with(capability: Capability) -> tuple[str, ...]:
    """The roles that hold `capability`: for reads that filter memberships in the database."""
    return tuple(role for role, caps in ROLE_CAPABILITIES.items() if capability in caps)
