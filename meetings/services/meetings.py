"""Writes to meetings, their agendas, invitations and attendance."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from alliance_portal.exceptions import InvalidTransition
from alliance_portal.permissions import Role
from alliance_portal.queue import enqueue_on_commit
from alliance_portal.services import assign_fields
from alliances.audit import audit_record
from alliances.models import Alliance, Membership, User
from alliances.selectors import content_language
from documents.services import document_store_when_committed

from .. import signals
from ..models import STANDING_AGENDA, AgendaItem, Meeting, Participant, new_response_key
from ..tasks import send_meeting_notification

MEETING_FIELDS = (
    "kind",
    "title",
    "host_organisation",
    "place",
    "address",
    "online_link",
    "starts_at",
    "ends_at",
)
# A change to any of these is news for calendars that already hold the event.
CALENDAR_FIELDS = (*MEETING_FIELDS, "status")
AGENDA_ITEM_FIELDS = ("title", "description", "presenter", "duration_minutes")

ERR_GUEST_ALREADY_INVITED = _("%(email)s is already invited to this meeting.")
ERR_WRONG_MEETING = _("That person is not a participant of this meeting.")
ERR_MOVE = _("That item cannot move further.")
ERR_NOT_CANCELLED_MEETING = _("A cancelled meeting cannot be changed.")
ERR_NUMBER_TAKEN = _("Another meeting was created at the same moment. Save again.")


def _ensure_not_cancelled(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise InvalidTransition(ERR_NOT_CANCELLED_MEETING)


# Meetings ---------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, alliance: Alliance, actor: User, fields: dict[str, Any]) -> Meeting:
    """A planned meeting with the guide's standing agenda and every active member invited."""
    # Locking the alliance row numbers its meetings one after another, even when two are created
    # at the same moment.
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
    last_number = alliance.meetings.aggregate(last=Max("number"))["last"] or 0
    meeting = Meeting(alliance=alliance, number=last_number + 1, created_by=actor)
    assign_fields(meeting, fields, MEETING_FIELDS)
    meeting.full_clean()
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:  # SQLite ignores the row lock: another meeting took the number
        raise ValidationError(ERR_NUMBER_TAKEN) from exc
    # The standing items are the guide's words, stored in the language the alliance writes in.
    with translation.override(content_language(alliance, actor)):
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting,
                position=position,
                kind=kind,
                title=str(kind.label),
                description=str(description),
                duration_minutes=minutes,
            )
            for position, (kind, description, minutes) in enumerate(STANDING_AGENDA, start=1)
        )
    _invite_members(meeting)
    audit_record(actor=actor, action="meeting.created", obj=meeting)
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, actor: User, fields: dict[str, Any]) -> Meeting:
    _ensure_not_cancelled(meeting)
    changed = assign_fields(meeting, fields, MEETING_FIELDS)
    if not changed:
        return meeting
    meeting.full_clean()
    if set(changed) & set(CALENDAR_FIELDS):
        meeting.bump_calendar_sequence()
    meeting.save()
    if "starts_at" in changed:
        signals.meeting_rescheduled.send(sender=Meeting, meeting=meeting)
    audit_record(
        actor=actor, action="meeting.updated", obj=meeting, changes={"fields": ", ".join(changed)}
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor: User) -> Meeting:
    meeting.cancel()
    meeting.save(update_fields=["status", "ical_sequence", "updated_at"])
    signals.meeting_cancelled.send(sender=Meeting, meeting=meeting)
    audit_record(actor=actor, action="meeting.cancelled", obj=meeting)
    document_store_when_committed("agenda", meeting)
    return meeting


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, actor: User) -> Meeting:
    meeting.mark_held()
    meeting.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="meeting.held", obj=meeting)
    document_store_when_committed("agenda", meeting)
    return meeting


# The agenda -------------------------------------------------------------------------------------


def _renumber(meeting: Meeting, ordered_ids: list[int]) -> None:
    items = {item.pk: item for item in meeting.agenda_items.all()}
    for position, item_id in enumerate(ordered_ids, start=1):
        items[item_id].position = position
    AgendaItem.objects.bulk_update(items.values(), ["position"])


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, actor: User, fields: dict[str, Any]) -> AgendaItem:
    _ensure_not_cancelled(meeting)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem(meeting=meeting, position=last + 1)
    assign_fields(item, fields, AGENDA_ITEM_FIELDS)
    item.full_clean()
    item.save()
    audit_record(actor=actor, action="agenda.item_added", obj=item, alliance=meeting.alliance)
    return item


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, actor: User, fields: dict[str, Any]) -> AgendaItem:
    _ensure_not_cancelled(item.meeting)
    changed = assign_fields(item, fields, AGENDA_ITEM_FIELDS)
    if changed:
        item.full_clean()
        item.save()
        audit_record(
            actor=actor,
            action="agenda.item_updated",
            obj=item,
            alliance=item.meeting.alliance,
            changes={"fields": ", ".join(changed)},
        )
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, actor: User) -> None:
    meeting = item.meeting
    _ensure_not_cancelled(meeting)
    audit_record(actor=actor, action="agenda.item_removed", obj=item, alliance=meeting.alliance)
    item.delete()
    _renumber(meeting, list(meeting.agenda_items.values_list("pk", flat=True)))


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, actor: User, offset: int) -> None:
    """Moves the item up (negative offset) or down the agenda."""
    meeting = item.meeting
    _ensure_not_cancelled(meeting)
    ids = list(meeting.agenda_items.values_list("pk", flat=True))
    index = ids.index(item.pk)
    target = index + offset
    if not 0 <= target < len(ids):
        raise ValidationError(ERR_MOVE)
    ids.insert(target, ids.pop(index))
    _renumber(meeting, ids)
    audit_record(actor=actor, action="agenda.reordered", obj=meeting)


@transaction.atomic
def agenda_publish(*, meeting: Meeting, actor: User) -> Meeting:
    """Publishes the agenda and mails every invitee the agenda with an answer link."""
    meeting.publish_agenda(item_count=meeting.agenda_items.count())
    meeting.save(update_fields=["agenda_published_at", "updated_at"])
    _invite_members(meeting)
    audit_record(actor=actor, action="agenda.published", obj=meeting)
    participants = list(meeting.participants.all())
    # Members get the agenda as a reminder they can switch off; guests have no account to
    # switch anything off with, so theirs is a plain invitation.
    _notify([participant for participant in participants if participant.user_id is None])
    signals.agenda_published.send(
        sender=Meeting,
        meeting=meeting,
        recipient_ids=[p.user_id for p in participants if p.user_id and p.email],
    )
    Participant.objects.filter(meeting=meeting, user__isnull=False).exclude(email="").update(
        invited_at=timezone.now()
    )
    return meeting


# Invitations and attendance ---------------------------------------------------------------------


def _invite_members(meeting: Meeting) -> None:
    """Adds every active member who is not yet a participant (members who joined since)."""
    invited = set(meeting.participants.exclude(user=None).values_list("user_id", flat=True))
    memberships = (
        Membership.objects.active()
        .filter(alliance_id=meeting.alliance_id)
        .exclude(user_id__in=invited)
        .select_related("user")
    )
    Participant.objects.bulk_create(
        [
            Participant(
                meeting=meeting,
                user=membership.user,
                name=str(membership.user),
                email=membership.user.email,
                organisation_name=membership.organisation_name,
                holds_seat=membership.role != Role.OBSERVER,
                # bulk_create skips save(), which fills in the answer key: each needs its own.
                response_key=new_response_key(),
            )
            for membership in memberships
        ]
    )


def _notify(participants) -> None:
    ids = [participant.pk for participant in participants if participant.email]
    Participant.objects.filter(pk__in=ids).update(invited_at=timezone.now())
    for participant_id in ids:
        enqueue_on_commit(send_meeting_notification, participant_id)


@transaction.atomic
def guest_invite(
    *,
    meeting: Meeting,
    actor: User,
    name: str,
    email: str,
    organisation_name: str = "",
    present: bool = False,
    language: str = "",
) -> Participant:
    """A guest by email, or added on the spot at the meeting (present, email optional).

    `language` is that of the guest's mails; empty follows `meetings.emails.mail_language`.
    """
    _ensure_not_cancelled(meeting)
    email = email.strip().lower()
    if email and meeting.participants.filter(email__iexact=email).exists():
        raise ValidationError({"email": ERR_GUEST_ALREADY_INVITED % {"email": email}})
    guest = Participant(
        meeting=meeting,
        name=name,
        email=email,
        organisation_name=organisation_name,
        is_guest=True,
        language=language,
        attendance=Participant.Attendance.PRESENT if present else "",
    )
    guest.full_clean(exclude=["response_key"])  # also refuses a language not offered
    try:
        with transaction.atomic():
            guest.save()
    except IntegrityError as exc:  # invited by someone else a moment ago
        raise ValidationError({"email": ERR_GUEST_ALREADY_INVITED % {"email": email}}) from exc
    audit_record(
        actor=actor, action="meeting.guest_invited", obj=meeting, changes={"guest": guest.name}
    )
    if meeting.agenda_is_published and not present:
        _notify([guest])
    return guest


@transaction.atomic
def participant_answer(*, participant: Participant, response: str, actor: User | None) -> None:
    _ensure_not_cancelled(participant.meeting)
    participant.answer(response)
    participant.save(update_fields=["response", "responded_at"])
    audit_record(
        actor=actor,
        action="meeting.answered",
        obj=participant.meeting,
        changes={"participant": f"participant #{participant.pk}", "answer": response},
    )


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, actor: User, attendance: dict[int, str]
) -> list[Participant]:
    """Records present / absent / excused for the given participants of this meeting."""
    _ensure_not_cancelled(meeting)
    participants = {p.pk: p for p in meeting.participants.filter(pk__in=attendance)}
    if set(participants) != set(attendance):
        raise ValidationError(ERR_WRONG_MEETING)
    changed = []
    for participant_id, status in attendance.items():
        participant = participants[participant_id]
        if participant.attendance != status:
            participant.attendance = Participant.Attendance(status)
            changed.append(participant)
    Participant.objects.bulk_update(changed, ["attendance"])
    if changed:
        audit_record(
            actor=actor,
            action="meeting.attendance_recorded",
            obj=meeting,
            changes={"participants": len(changed)},
        )
    return changed
