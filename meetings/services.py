"""Every write to meetings, agendas, attendance and minutes: validated, atomic, audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import ERR_ONE_RESPONSIBLE, Action
from alliance_portal.canonical import canonical_sha256
from alliance_portal.exceptions import InvalidTransition
from alliance_portal.permissions import Capability, Role, role_can
from alliance_portal.queue import enqueue_on_commit
from alliance_portal.richtext import sanitise_html
from alliance_portal.services import assign_fields
from alliances.audit import audit_record
from alliances.models import Alliance, Membership, User
from reminders.models import Delivery, ReminderKind
from reminders.services import reminders_create_now, reminders_drop
from stakeholders.models import Organisation

from . import selectors
from .models import (
    ERR_COMMENT_STATUS,
    MAX_COMMENT_CHARS,
    STANDING_AGENDA,
    AgendaItem,
    CalendarFeed,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesItem,
    MinutesRevision,
    Participant,
    StandingItem,
    new_response_key,
)

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
CALENDAR_FIELDS = (
    "kind",
    "title",
    "host_organisation",
    "place",
    "address",
    "online_link",
    "starts_at",
    "ends_at",
    "status",
)
AGENDA_ITEM_FIELDS = ("title", "description", "presenter", "duration_minutes")
# Autosaves by the same person within this time extend their revision instead of adding one.
REVISION_COALESCE = timedelta(minutes=10)

ERR_GUEST_ALREADY_INVITED = _("%(email)s is already invited to this meeting.")
ERR_COMMENT_TOO_LONG = _(
    "The comment on “%(item)s” is %(length)s characters long; the most is %(limit)s. "
    "Nothing was saved: shorten it and save again."
)
ERR_UNKNOWN_ITEM = _("These minutes have no such item.")
ERR_REASON_REQUIRED = _("Say why the approved minutes are corrected.")
ERR_CORRECTION_CHANGES_NOTHING = _("The correction changes nothing: edit a comment first.")
ERR_RESPONSIBLE_ELSEWHERE = _("Choose a member or organisation of this alliance.")
ERR_WRONG_MEETING = _("That person is not a participant of this meeting.")
ERR_MOVE = _("That item cannot move further.")
ERR_NOT_PREVIOUS_MINUTES = _(
    "Minutes are approved under the item “Minutes of the previous meeting”."
)
ERR_NO_PREVIOUS_MINUTES = _("There are no circulated minutes of a previous meeting to approve.")
ERR_NOT_CANCELLED_MEETING = _("A cancelled meeting cannot be changed.")
ERR_NUMBER_TAKEN = _("Another meeting was created at the same moment. Save again.")


MEETING_REMINDERS = (
    ReminderKind.MEETING_UPCOMING,
    ReminderKind.AGENDA_PUBLISHED,
    ReminderKind.SECRETARY_NUDGE,
)


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
        # Reminders for the old time are dropped; the scheduler writes those for the new time.
        reminders_drop(
            kinds=[ReminderKind.MEETING_UPCOMING],
            object_id=meeting.pk,
            reason=Delivery.DropReason.RESCHEDULED,
        )
    audit_record(
        actor=actor, action="meeting.updated", obj=meeting, changes={"fields": ", ".join(changed)}
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor: User) -> Meeting:
    meeting.cancel()
    meeting.save(update_fields=["status", "ical_sequence", "updated_at"])
    reminders_drop(
        kinds=MEETING_REMINDERS, object_id=meeting.pk, reason=Delivery.DropReason.NO_LONGER_DUE
    )
    audit_record(actor=actor, action="meeting.cancelled", obj=meeting)
    return meeting


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, actor: User) -> Meeting:
    meeting.mark_held()
    meeting.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="meeting.held", obj=meeting)
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
    reminders_create_now(
        kind=ReminderKind.AGENDA_PUBLISHED,
        alliance=meeting.alliance,
        object_id=meeting.pk,
        recipient_ids=[p.user_id for p in participants if p.user_id and p.email],
        slot="published",
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
    from .tasks import send_meeting_notification

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
) -> Participant:
    """A guest by email, or added on the spot at the meeting (present, email optional)."""
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
        attendance=Participant.Attendance.PRESENT if present else "",
    )
    guest.full_clean(exclude=["response_key"])
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


# Minutes ----------------------------------------------------------------------------------------


def _record_revision(
    *, minutes: Minutes, actor: User, kind: str = MinutesRevision.Kind.EDIT, reason: str = ""
) -> MinutesRevision:
    """Stores the minutes' content as of now; autosaves by one person in a row share a revision."""
    content = selectors.minutes_content(minutes)
    digest = canonical_sha256(content)
    now = timezone.now()
    latest = minutes.revisions.order_by("-version", "-pk").first()
    if (
        kind == MinutesRevision.Kind.EDIT
        and latest is not None
        and latest.kind == MinutesRevision.Kind.EDIT
        and latest.author_id == actor.pk
        and now - latest.saved_at < REVISION_COALESCE
    ):
        latest.version, latest.content, latest.sha256, latest.saved_at = (
            minutes.version,
            content,
            digest,
            now,
        )
        latest.save(update_fields=["version", "content", "sha256", "saved_at"])
        return latest
    return MinutesRevision.objects.create(
        minutes=minutes,
        version=minutes.version,
        kind=kind,
        author=actor,
        created_at=now,
        saved_at=now,
        content=content,
        sha256=digest,
        reason=reason,
    )


@transaction.atomic
def minutes_start(*, meeting: Meeting, actor: User) -> Minutes:
    """Minutes for the meeting, starting from a copy of its agenda as it stands now."""
    _ensure_not_cancelled(meeting)
    existing = Minutes.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    minutes = Minutes.objects.create(meeting=meeting)
    MinutesItem.objects.bulk_create(
        MinutesItem(
            minutes=minutes,
            position=item.position,
            kind=item.kind,
            title=item.title,
            description=item.description,
            presenter=item.presenter,
        )
        for item in meeting.agenda_items.all()
    )
    _record_revision(minutes=minutes, actor=actor)
    audit_record(actor=actor, action="minutes.started", obj=minutes, alliance=meeting.alliance)
    return minutes


def _clean_comments(minutes: Minutes, comments: dict[int, str]) -> dict[MinutesItem, str]:
    items = {item.pk: item for item in minutes.items.all()}
    cleaned = {}
    for item_id, html in comments.items():
        item = items.get(item_id)
        if item is None:
            raise ValidationError(ERR_UNKNOWN_ITEM)
        safe = sanitise_html(html)
        if len(safe) > MAX_COMMENT_CHARS:
            raise ValidationError(
                ERR_COMMENT_TOO_LONG
                % {"item": item.title, "length": len(safe), "limit": MAX_COMMENT_CHARS}
            )
        cleaned[item] = safe
    return cleaned


def _claim_next_version(minutes: Minutes, base_version: int) -> None:
    """Moves the version on by one, but only from the version the save was based on.

    One conditional UPDATE decides between two saves from the same version on every database:
    the second finds the version already moved and is refused.
    """
    claimed = Minutes.objects.filter(pk=minutes.pk, version=base_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not claimed:
        minutes.refresh_from_db(fields=["version", "status"])
        minutes.ensure_version(base_version)
    minutes.version = base_version + 1


def _write_comments(
    minutes: Minutes, base_version: int, comments: dict[int, str], no_actions: dict[int, bool]
) -> list[MinutesItem]:
    """Writes the sanitised comments that differ from the saved ones under the next version;
    returns the items that changed (none: nothing is written and the version stays)."""
    cleaned = _clean_comments(minutes, comments)
    minutes.ensure_version(base_version)
    changed = []
    for item, html in cleaned.items():
        flag = no_actions.get(item.pk, item.no_actions)
        if item.comment_html != html or item.no_actions != flag:
            item.comment_html, item.no_actions = html, flag
            changed.append(item)
    if changed:
        _claim_next_version(minutes, base_version)
        MinutesItem.objects.bulk_update(changed, ["comment_html", "no_actions"])
    return changed


@transaction.atomic
def minutes_save(
    *,
    minutes: Minutes,
    actor: User,
    base_version: int,
    comments: dict[int, str],
    no_actions: dict[int, bool] | None = None,
) -> Minutes:
    """Saves the comments typed since `base_version`; refused when anyone saved in between.

    Raises InvalidTransition with code "stale" on a conflict, "locked" or "not_editable" when the
    minutes' status forbids editing, and ValidationError for an oversize comment.
    """
    minutes.ensure_editable()
    # An autosave that changes nothing leaves no new version behind.
    if _write_comments(minutes, base_version, comments, no_actions or {}):
        _record_revision(minutes=minutes, actor=actor)
    return minutes


@transaction.atomic
def minutes_correct(
    *, minutes: Minutes, actor: User, base_version: int, comments: dict[int, str], reason: str
) -> Minutes:
    """A correction of approved minutes: a new revision with its reason, visible to everyone."""
    minutes.ensure_correctable()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ERR_REASON_REQUIRED})
    changed = _write_comments(minutes, base_version, comments, {})
    if not changed:
        raise ValidationError(ERR_CORRECTION_CHANGES_NOTHING)
    revision = _record_revision(
        minutes=minutes, actor=actor, kind=MinutesRevision.Kind.CORRECTION, reason=reason
    )
    audit_record(
        actor=actor,
        action="minutes.corrected",
        obj=minutes,
        alliance=minutes.meeting.alliance,
        changes={
            "reason": reason,
            "items": ", ".join(item.title for item in changed),
            "sha256": revision.sha256,
        },
    )
    return minutes


@transaction.atomic
def minutes_circulate(*, minutes: Minutes, actor: User) -> Minutes:
    minutes.circulate()
    minutes.save(update_fields=["status", "circulated_at", "updated_at"])
    audit_record(actor=actor, action="minutes.circulated", obj=minutes)
    commenters = (
        Membership.objects.active()
        .filter(alliance_id=minutes.meeting.alliance_id)
        .exclude(user=actor)
        .values_list("user_id", "role")
    )
    reminders_create_now(
        kind=ReminderKind.MINUTES_CIRCULATED,
        alliance=minutes.meeting.alliance,
        object_id=minutes.pk,
        recipient_ids=[
            user_id for user_id, role in commenters if role_can(role, Capability.COMMENT_MINUTES)
        ],
        slot="circulated",
    )
    return minutes


def _approve(minutes: Minutes, actor: User, at_meeting: Meeting | None) -> Minutes:
    content = selectors.minutes_content(minutes)
    minutes.approve(by=actor, content_sha256=canonical_sha256(content), at_meeting=at_meeting)
    minutes.save(
        update_fields=[
            "status",
            "approved_at",
            "approved_by",
            "approved_at_meeting",
            "approved_sha256",
            "updated_at",
        ]
    )
    _record_revision(minutes=minutes, actor=actor, kind=MinutesRevision.Kind.APPROVAL)
    audit_record(
        actor=actor,
        action="minutes.approved",
        obj=minutes,
        alliance=minutes.meeting.alliance,
        changes={
            "sha256": minutes.approved_sha256,
            **({"at_meeting": str(at_meeting)} if at_meeting else {}),
        },
    )
    return minutes


@transaction.atomic
def minutes_approve(*, minutes: Minutes, actor: User) -> Minutes:
    """The chair's approval; stores the SHA-256 of the minutes' canonical content."""
    return _approve(minutes, actor, None)


@transaction.atomic
def minutes_record_approval(*, item: MinutesItem, actor: User) -> Minutes:
    """Records, under this meeting's "previous minutes" item, that the previous minutes were
    approved at this meeting."""
    if item.kind != StandingItem.PREVIOUS_MINUTES:
        raise InvalidTransition(ERR_NOT_PREVIOUS_MINUTES)
    previous = selectors.previous_meeting(item.minutes.meeting)
    previous_minutes = getattr(previous, "minutes", None) if previous else None
    if previous_minutes is None or previous_minutes.status != Minutes.Status.CIRCULATED:
        raise InvalidTransition(ERR_NO_PREVIOUS_MINUTES)
    return _approve(previous_minutes, actor, item.minutes.meeting)


@transaction.atomic
def minutes_lock(*, minutes: Minutes, actor: User) -> Minutes:
    minutes.lock()
    minutes.save(update_fields=["status", "locked_at", "updated_at"])
    audit_record(actor=actor, action="minutes.locked", obj=minutes)
    return minutes


@transaction.atomic
def member_comment_add(*, item: MinutesItem, actor: User, body: str) -> MinutesComment:
    if item.minutes.status != Minutes.Status.CIRCULATED:
        raise InvalidTransition(ERR_COMMENT_STATUS)
    comment = MinutesComment(item=item, author=actor, body=body.strip())
    comment.full_clean()
    comment.save()
    audit_record(
        actor=actor,
        action="minutes.commented",
        obj=item.minutes,
        alliance=item.minutes.meeting.alliance,
    )
    return comment


# Decided actions --------------------------------------------------------------------------------


@transaction.atomic
def decided_action_add(
    *,
    item: MinutesItem,
    actor: User,
    title: str,
    responsible_member: Membership | None = None,
    responsible_organisation: Organisation | None = None,
    due_date: date | None = None,
) -> Action:
    """An action decided under a minutes item; it is tracked with the alliance's other actions."""
    minutes = item.minutes
    minutes.ensure_editable()
    alliance = minutes.meeting.alliance
    # The minutes record one responsible per decision; a plan's action may name both.
    if responsible_member is not None and responsible_organisation is not None:
        raise ValidationError(ERR_ONE_RESPONSIBLE)
    if responsible_member is not None and (
        responsible_member.alliance_id != alliance.pk or not responsible_member.is_active
    ):
        raise ValidationError({"responsible_member": ERR_RESPONSIBLE_ELSEWHERE})
    if (
        responsible_organisation is not None
        and not alliance.stakeholders.filter(organisation=responsible_organisation).exists()
    ):
        raise ValidationError({"responsible_organisation": ERR_RESPONSIBLE_ELSEWHERE})
    action = Action(
        alliance=alliance,
        title=title.strip(),
        responsible_member=responsible_member,
        responsible_organisation=responsible_organisation,
        due_date=due_date,
        decided_in=item,
        created_by=actor,
    )
    action.full_clean()
    action.save()
    if item.no_actions:
        item.no_actions = False
        item.save(update_fields=["no_actions"])
    audit_record(actor=actor, action="action.decided", obj=action)
    return action


@transaction.atomic
def decided_action_remove(*, action: Action, actor: User) -> None:
    action.decided_in.minutes.ensure_editable()
    audit_record(actor=actor, action="action.removed", obj=action)
    action.delete()


# Calendar feeds ---------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_renew(*, user: User, alliance: Alliance | None = None) -> CalendarFeed:
    """A new private feed address; the previous one for the same calendar stops working."""
    # Locking the user's row makes two renewals at once (a double click) run one after the
    # other, so only one address stays live.
    User.objects.select_for_update().filter(pk=user.pk).first()
    calendar_feed_revoke(user=user, alliance=alliance)
    feed = CalendarFeed.objects.create(user=user, alliance=alliance)
    audit_record(actor=user, action="calendar.feed_created", alliance=alliance)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User, alliance: Alliance | None = None) -> int:
    revoked = CalendarFeed.objects.filter(
        user=user, alliance=alliance, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        audit_record(actor=user, action="calendar.feed_revoked", alliance=alliance)
    return revoked
