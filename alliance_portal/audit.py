"""The audit log's single entry point. Services call audit_record() for every write they make."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

# What each action reads as in the audit log; an action without a label shows its code.
ACTION_LABELS = {
    "alliance.created": _("Created the alliance"),
    "alliance.updated": _("Edited the alliance"),
    "alliance.activated": _("Activated the alliance"),
    "alliance.closed": _("Closed the alliance"),
    "alliance.reopened": _("Reopened the alliance"),
    "membership.created": _("Joined the alliance"),
    "membership.role_changed": _("Changed a role"),
    "membership.updated": _("Edited a membership"),
    "membership.ended": _("Ended a membership"),
    "chair.handed_over": _("Handed over the chair"),
    "invitation.created": _("Sent an invitation"),
    "invitation.revoked": _("Withdrew an invitation"),
    "invitation.accepted": _("Accepted an invitation"),
    "user.registered": _("Created an account"),
    "user.preferences_updated": _("Changed their preferences"),
    "membership.linked": _("Linked a member to the register"),
    "organisation.created": _("Added an organisation to the register"),
    "organisation.updated": _("Edited an organisation"),
    "stakeholder.added": _("Added a stakeholder to the mapping"),
    "stakeholder.assessed": _("Assessed a stakeholder"),
    "stakeholder.removed": _("Removed a stakeholder from the mapping"),
    "stakeholders.imported": _("Imported stakeholders"),
    "stakeholders.exported": _("Exported stakeholders"),
    "contact.created": _("Added a contact person"),
    "contact.updated": _("Edited a contact person"),
    "contact.erased": _("Erased a contact person's data"),
    "contact.exported": _("Exported a contact person's data"),
    "programme.created": _("Added a support programme"),
    "programme.updated": _("Edited a support programme"),
    "programme.deleted": _("Deleted a support programme"),
    "gap.created": _("Added a gap"),
    "gap.updated": _("Edited a gap"),
    "gap.deleted": _("Deleted a gap"),
    "meeting.created": _("Planned a meeting"),
    "meeting.updated": _("Edited a meeting"),
    "meeting.cancelled": _("Cancelled a meeting"),
    "meeting.held": _("Marked a meeting as held"),
    "meeting.guest_invited": _("Invited a guest to a meeting"),
    "meeting.answered": _("Answered a meeting invitation"),
    "meeting.attendance_recorded": _("Recorded attendance"),
    "agenda.item_added": _("Added an agenda item"),
    "agenda.item_updated": _("Edited an agenda item"),
    "agenda.item_removed": _("Removed an agenda item"),
    "agenda.reordered": _("Reordered an agenda"),
    "agenda.published": _("Published an agenda"),
    "minutes.started": _("Started the minutes"),
    "minutes.circulated": _("Circulated minutes for comments"),
    "minutes.commented": _("Commented on minutes"),
    "minutes.approved": _("Approved minutes"),
    "minutes.corrected": _("Corrected approved minutes"),
    "minutes.locked": _("Locked minutes"),
    "action.decided": _("Recorded a decided action"),
    "action.removed": _("Removed a decided action"),
    "plan.created": _("Created an action plan"),
    "plan.updated": _("Edited an action plan"),
    "plan.deleted": _("Deleted an action plan"),
    "plan.new_version": _("Started a new version of an action plan"),
    "plan.submitted": _("Submitted an action plan for sign-off"),
    "plan.withdrawn": _("Withdrew an action plan from sign-off"),
    "plan.approved": _("Approved an action plan"),
    "plan.returned": _("Returned an action plan with comments"),
    "plan.reordered": _("Reordered a plan's actions"),
    "plan.action_added": _("Added an action to a plan"),
    "plan.action_updated": _("Edited a plan's action"),
    "plan.action_removed": _("Removed an action from a plan"),
    "plan.action_adopted": _("Adopted a decided action into a plan"),
    "plan.actions_imported": _("Imported actions into a plan"),
    "plan.actions_exported": _("Exported a plan's actions"),
    "goal.added": _("Added a goal to a plan"),
    "goal.updated": _("Edited a plan's goal"),
    "goal.removed": _("Removed a goal from a plan"),
    "action.progress": _("Reported progress on an action"),
    "agreement.created": _("Started the commitment agreement"),
    "agreement.updated": _("Edited the draft agreement"),
    "agreement.reset": _("Started the draft agreement again from the guide's text"),
    "agreement.published": _("Published a version of the agreement"),
    "agreement.translation_added": _("Added a translation of the agreement"),
    "agreement.translation_updated": _("Edited a translation of the agreement"),
    "signature.invited": _("Invited a member to sign the agreement"),
    "signature.email_sent": _("Sent an invitation to sign by email"),
    "signature.viewed": _("Viewed the agreement to sign"),
    "signature.code_sent": _("Sent a one-time code to sign"),
    "signature.identity_confirmed": _("Confirmed an email address with a one-time code"),
    "signature.signed": _("Signed the agreement"),
    "signature.declined": _("Declined the agreement"),
    "signature.withdrawn": _("Withdrew a signature from the agreement"),
    "signature.countersigned": _("Countersigned a signature"),
    "calendar.feed_created": _("Created a calendar address"),
    "calendar.feed_revoked": _("Stopped a calendar address"),
}

# Set per request by AuditContextMiddleware; empty for work done by tasks and commands.
request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    alliance=None,
    changes: dict[str, Any] | None = None,
):
    """Append an entry to the audit log; `alliance` defaults to the object's own alliance."""
    from alliances.models import Alliance, AuditEntry

    if alliance is None and obj is not None:
        alliance = obj if isinstance(obj, Alliance) else getattr(obj, "alliance", None)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        alliance=alliance,
        actor=actor if is_person else None,
        actor_label=(actor.email or actor.username) if is_person else "system",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        changes=changes or {},
        ip_address=request_ip.get(),
    )
