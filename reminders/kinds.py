"""Each kind of reminder: who may switch it off, what it is about, whether it is still due when
the mail is about to go, and what the mail says and links to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actionplans.models import Action, ActionPlan, PlanVersion
from agreements.models import Signature
from alliance_portal.mail import site_url
from alliance_portal.permissions import Role
from alliances.selectors import alliance_today
from meetings.models import Meeting, Minutes, Participant
from meetings.selectors import agenda_with_times, local_time
from sustainability.models import SustainabilityPlan

from .models import Delivery, ReminderKind
from .schedule import utc_stamp

DropReason = Delivery.DropReason


@dataclass(frozen=True)
class KindSpec:
    kind: ReminderKind
    # Reminders that come with a role (the chair's sign-offs, the secretary's minutes) cannot be
    # switched off by the person; the alliance can still switch the kind off for everyone.
    mandatory: bool
    audience: Any  # a lazy text: who receives it
    load: Callable[[int], models.Model | None]
    # A reason to drop the delivery instead of sending it, or None when it is still due.
    still_due: Callable[[models.Model, Delivery], str | None]
    subject: Callable[[models.Model], str]
    link: Callable[[models.Model], str]
    context: Callable[[models.Model, Delivery], dict] = field(default=lambda obj, delivery: {})
    attach_meeting: Callable[[models.Model], Any] | None = None


def _meeting(pk: int):

    return Meeting.objects.select_related("alliance", "created_by").filter(pk=pk).first()


def _minutes(pk: int):

    return Minutes.objects.select_related("meeting__alliance").filter(pk=pk).first()


def _action(pk: int):

    return (
        Action.objects.select_related("alliance", "plan", "responsible_member__user")
        .filter(pk=pk)
        .first()
    )


def _signature(pk: int):

    return (
        Signature.objects.select_related("version__agreement__alliance", "membership")
        .filter(pk=pk)
        .first()
    )


def _plan_version(pk: int):

    return PlanVersion.objects.select_related("plan__alliance").filter(pk=pk).first()


def _plan(pk: int):

    plans = ActionPlan.objects.select_related("alliance", "sustainability_plan")
    return plans.filter(pk=pk).first()


def _meeting_url(meeting) -> str:
    return site_url(reverse("meetings:detail", args=[meeting.alliance_id, meeting.pk]))


def _minutes_url(minutes) -> str:
    meeting = minutes.meeting
    return site_url(reverse("meetings:minutes", args=[meeting.alliance_id, meeting.pk]))


def _action_url(action) -> str:
    if action.plan_id is None:
        return site_url(reverse("actionplans:actions", args=[action.alliance_id]))
    return site_url(
        reverse("actionplans:action", args=[action.alliance_id, action.plan_id, action.pk])
    )


def _sustainability_url(plan) -> str:
    """The prompt opens the plan's sustainability plan, ready to be written."""
    return site_url(reverse("sustainability:plan_edit", args=[plan.alliance_id, plan.pk]))


def _review_url(version) -> str:
    plan = version.plan
    return site_url(reverse("actionplans:plan_review", args=[plan.alliance_id, plan.pk]))


def _agreement_url(signature) -> str:
    return site_url(reverse("agreements:detail", args=[signature.version.agreement.alliance_id]))


# Still due? ------------------------------------------------------------------------------------


def _meeting_still_upcoming(meeting, delivery: Delivery) -> str | None:
    if meeting.status != meeting.Status.PLANNED:
        return DropReason.NO_LONGER_DUE
    if not delivery.slot.endswith("@" + utc_stamp(meeting.starts_at)):
        return DropReason.RESCHEDULED
    return None if meeting.starts_at > timezone.now() else DropReason.NO_LONGER_DUE


def _meeting_not_cancelled(meeting, delivery: Delivery) -> str | None:
    return DropReason.NO_LONGER_DUE if meeting.is_cancelled else None


def _minutes_still_circulated(minutes, delivery: Delivery) -> str | None:
    return None if minutes.status == minutes.Status.CIRCULATED else DropReason.NO_LONGER_DUE


def _still_no_minutes(meeting, delivery: Delivery) -> str | None:
    if meeting.is_cancelled or hasattr(meeting, "minutes"):
        return DropReason.NO_LONGER_DUE
    return None


def _action_still_open(action, delivery: Delivery) -> str | None:
    if action.status not in Action.REMINDED_STATUSES or action.due_date is None:
        return DropReason.NO_LONGER_DUE
    if not delivery.slot.endswith(f"@{action.due_date}"):
        return DropReason.NO_LONGER_DUE
    member = action.responsible_member
    if member is None or member.user_id != delivery.recipient_id or member.ended_at:
        return DropReason.NO_LONGER_DUE
    return None


def _still_unsigned(signature, delivery: Delivery) -> str | None:
    pending = signature.status == signature.Status.PENDING
    return None if pending and signature.version.is_current else DropReason.NO_LONGER_DUE


def _still_awaiting_signoff(version, delivery: Delivery) -> str | None:
    plan = version.plan
    waiting = plan.status == plan.Status.SUBMITTED and plan.version == version.number
    this_submission = delivery.slot.endswith("@" + utc_stamp(version.submitted_at))
    if waiting and this_submission and version.approved_at is None:
        return None
    return DropReason.NO_LONGER_DUE


def _sustainability_still_needed(plan, delivery: Delivery) -> str | None:
    """Due while the plan's period has not ended and no sustainability plan has been decided."""

    if not delivery.slot.endswith(f"@{plan.period_end}"):
        return DropReason.NO_LONGER_DUE
    try:
        if plan.sustainability_plan.is_decided:
            return DropReason.NO_LONGER_DUE
    except SustainabilityPlan.DoesNotExist:
        pass
    today = alliance_today(delivery.alliance)
    return None if plan.period_end >= today else DropReason.NO_LONGER_DUE


# Mail context -----------------------------------------------------------------------------------


def _meeting_context(meeting, delivery: Delivery) -> dict:

    participant = Participant.objects.filter(meeting=meeting, user_id=delivery.recipient_id).first()
    answer_url = (
        site_url(reverse("meetings:answer_by_link", args=[participant.response_key]))
        if participant
        else ""
    )
    # What the mail shows, not the agenda page's whole context: that also reads the previous
    # and the next meeting, two queries for each of thousands of mails that show neither.
    local_start = local_time(meeting.alliance, meeting.starts_at)
    # Calendar days in the alliance's zone, so the mail says "today" or "tomorrow" as people do.
    today = timezone.now().astimezone(local_start.tzinfo).date()
    return {
        "meeting": meeting,
        "alliance": meeting.alliance,
        "local_start": local_start,
        "local_end": local_time(meeting.alliance, meeting.ends_at),
        "agenda": agenda_with_times(meeting),
        "participant": participant,
        "answer_url": answer_url,
        "days_left": max((local_start.date() - today).days, 0),
    }


def _minutes_context(minutes, delivery: Delivery) -> dict:

    meeting = minutes.meeting
    return {
        "minutes": minutes,
        "meeting": meeting,
        "local_start": local_time(meeting.alliance, meeting.starts_at),
    }


def _nudge_context(meeting, delivery: Delivery) -> dict:

    return {"meeting": meeting, "local_start": local_time(meeting.alliance, meeting.starts_at)}


def _action_context(action, delivery: Delivery) -> dict:
    # Days late as the alliance counts them, on its calendar rather than the server's.
    today = alliance_today(delivery.alliance)
    return {"action": action, "days_late": (today - action.due_date).days}


def _signature_context(signature, delivery: Delivery) -> dict:
    return {"signature": signature, "version": signature.version, "number": delivery.slot}


def _plan_version_context(version, delivery: Delivery) -> dict:
    return {"version": version, "plan": version.plan}


def _sustainability_context(plan, delivery: Delivery) -> dict:
    return {"plan": plan}


def _agenda_subject(meeting) -> str:

    return _("%(alliance)s: %(title)s on %(date)s, agenda") % {
        "alliance": meeting.alliance.name,
        "title": meeting.title,
        "date": date_format(local_time(meeting.alliance, meeting.starts_at), "DATE_FORMAT"),
    }


SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            kind=ReminderKind.MEETING_UPCOMING,
            mandatory=False,
            audience=gettext_lazy("Everyone invited who has not said no"),
            load=_meeting,
            still_due=_meeting_still_upcoming,
            subject=lambda meeting: (
                _("Reminder: %(alliance)s: %(title)s")
                % {"alliance": meeting.alliance.name, "title": meeting.title}
            ),
            link=_meeting_url,
            context=_meeting_context,
            attach_meeting=lambda meeting: meeting,
        ),
        KindSpec(
            kind=ReminderKind.AGENDA_PUBLISHED,
            mandatory=False,
            audience=gettext_lazy("Everyone invited to the meeting"),
            load=_meeting,
            still_due=_meeting_not_cancelled,
            subject=_agenda_subject,
            link=_meeting_url,
            context=_meeting_context,
            attach_meeting=lambda meeting: meeting,
        ),
        KindSpec(
            kind=ReminderKind.MINUTES_CIRCULATED,
            mandatory=False,
            audience=gettext_lazy("Members who can comment on minutes"),
            load=_minutes,
            still_due=_minutes_still_circulated,
            subject=lambda minutes: (
                _("%(alliance)s: minutes of %(title)s for your comments")
                % {"alliance": minutes.meeting.alliance.name, "title": minutes.meeting.title}
            ),
            link=_minutes_url,
            context=_minutes_context,
        ),
        KindSpec(
            kind=ReminderKind.MINUTES_APPROVAL,
            mandatory=True,
            audience=gettext_lazy("The chair"),
            load=_minutes,
            still_due=_minutes_still_circulated,
            subject=lambda minutes: (
                _("%(alliance)s: minutes of %(title)s await your approval")
                % {"alliance": minutes.meeting.alliance.name, "title": minutes.meeting.title}
            ),
            link=_minutes_url,
            context=_minutes_context,
        ),
        KindSpec(
            kind=ReminderKind.SECRETARY_NUDGE,
            mandatory=True,
            audience=gettext_lazy("The secretaries"),
            load=_meeting,
            still_due=_still_no_minutes,
            subject=lambda meeting: (
                _("%(alliance)s: the minutes of %(title)s are not started")
                % {"alliance": meeting.alliance.name, "title": meeting.title}
            ),
            link=_meeting_url,
            context=_nudge_context,
        ),
        KindSpec(
            kind=ReminderKind.ACTION_DUE,
            mandatory=False,
            audience=gettext_lazy("The person responsible for the action"),
            load=_action,
            still_due=_action_still_open,
            subject=lambda action: (
                _("%(alliance)s: “%(title)s” is due on %(date)s")
                % {
                    "alliance": action.alliance.name,
                    "title": action.title,
                    "date": date_format(action.due_date, "DATE_FORMAT"),
                }
            ),
            link=_action_url,
            context=_action_context,
        ),
        KindSpec(
            kind=ReminderKind.ACTION_OVERDUE,
            mandatory=False,
            audience=gettext_lazy("The person responsible for the action"),
            load=_action,
            still_due=_action_still_open,
            subject=lambda action: (
                _("%(alliance)s: “%(title)s” is overdue")
                % {"alliance": action.alliance.name, "title": action.title}
            ),
            link=_action_url,
            context=_action_context,
        ),
        KindSpec(
            kind=ReminderKind.AGREEMENT_UNSIGNED,
            mandatory=False,
            audience=gettext_lazy("Members who have not answered"),
            load=_signature,
            still_due=_still_unsigned,
            subject=lambda signature: (
                _("%(alliance)s: the commitment agreement awaits your answer")
                % {"alliance": signature.version.agreement.alliance.name}
            ),
            link=_agreement_url,
            context=_signature_context,
        ),
        KindSpec(
            kind=ReminderKind.PLAN_SIGNOFF,
            mandatory=True,
            audience=gettext_lazy("The chair"),
            load=_plan_version,
            still_due=_still_awaiting_signoff,
            subject=lambda version: (
                _("%(alliance)s: the action plan awaits your sign-off")
                % {"alliance": version.plan.alliance.name}
            ),
            link=_review_url,
            context=_plan_version_context,
        ),
        KindSpec(
            kind=ReminderKind.SUSTAINABILITY_PROMPT,
            mandatory=True,
            audience=gettext_lazy("The chair and the coordinators"),
            load=_plan,
            still_due=_sustainability_still_needed,
            subject=lambda plan: (
                _("%(alliance)s: time to plan what happens after %(date)s")
                % {
                    "alliance": plan.alliance.name,
                    "date": date_format(plan.period_end, "DATE_FORMAT"),
                }
            ),
            link=_sustainability_url,
            context=_sustainability_context,
        ),
    )
}

# The roles that make a mandatory reminder mandatory, for the profile page.
MANDATORY_ROLES = {
    ReminderKind.MINUTES_APPROVAL: (Role.CHAIR,),
    ReminderKind.SECRETARY_NUDGE: (Role.SECRETARY,),
    ReminderKind.PLAN_SIGNOFF: (Role.CHAIR,),
    ReminderKind.SUSTAINABILITY_PROMPT: (Role.CHAIR, Role.COORDINATOR),
}
OPTIONAL_KINDS = [kind for kind, spec in SPECS.items() if not spec.mandatory]
EVENT_KINDS = (ReminderKind.AGENDA_PUBLISHED, ReminderKind.MINUTES_CIRCULATED)
