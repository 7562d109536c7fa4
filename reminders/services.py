"""Writes for reminders: the scheduler's run, sending one delivery, and people's choices.

Exactly once: a delivery row is written (its key unique in the database) before anything is
queued, and sending locks the row, sends, and marks it sent in one transaction. A second worker
holding the same delivery skips it; a worker killed before the commit leaves it pending, and the
scheduler queues it again once its lease has run out.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.exceptions import InvalidTransition
from alliance_portal.queue import enqueue
from alliance_portal.services import assign_fields
from alliances.audit import audit_record
from alliances.models import Alliance, Membership, User
from meetings.models import Meeting, Minutes

from .emails import reminder_message, send_on_kept_connection
from .kinds import EVENT_KINDS, SPECS
from .models import Delivery, ReminderKind, ReminderOptOut, ReminderRun, ReminderSettings
from .schedule import FINDERS, Due, ScheduleContext, schedule_context

logger = logging.getLogger(__name__)

ERR_MANDATORY = _("This reminder comes with a role and cannot be switched off.")
ERR_RETRY_NOT_WANTED = _("This reminder is not sent again: %(reason)s.")
# Scheduler runs are kept this long for the health page and the history.
RUN_HISTORY = timedelta(days=30)

Reason = Delivery.DropReason


class DeliveryRetry(Exception):
    """Sending failed for a reason that may pass; try again after `countdown` seconds."""

    def __init__(self, countdown: int):
        super().__init__(countdown)
        self.countdown = countdown


class Outcome:
    RETRYING = "retrying"
    SENT = "sent"
    DROPPED = "dropped"
    FAILED = "failed"
    # Already sent or dropped, or another worker is sending it right now.
    SKIPPED = "skipped"


# The scheduler ---------------------------------------------------------------------------------


def _reason_not_to_send(due: Due, context: ScheduleContext) -> str | None:
    if not context.settings_for(due.alliance_id).is_on(due.kind):
        return Reason.SWITCHED_OFF
    if due.recipient_id not in context.seats.get(due.alliance_id, {}):
        return Reason.NOT_A_MEMBER
    if not SPECS[due.kind].mandatory and (due.recipient_id, due.kind) in context.opt_outs:
        return Reason.OPTED_OUT
    return None


def _stale_reason(row_key, reasons: dict, meeting_times: dict[int, str]) -> str:
    if row_key in reasons:
        return reasons[row_key]
    kind, object_id, _, slot = row_key
    current_time = meeting_times.get(object_id)
    if kind == ReminderKind.MEETING_UPCOMING and current_time and not slot.endswith(current_time):
        return Reason.RESCHEDULED
    return Reason.NO_LONGER_DUE


def reminders_plan(*, now: datetime) -> tuple[int, int]:
    """Writes the deliveries that are due now or within the horizon, drops pending ones that are
    no longer wanted, and moves pending ones whose time changed. Returns (created, dropped)."""
    context = schedule_context(now)
    candidates: dict[tuple, Due] = {}
    for finder in FINDERS.values():
        for due in finder(context):
            candidates[due.key] = due
    reasons = {key: _reason_not_to_send(due, context) for key, due in candidates.items()}
    wanted = {key: due for key, due in candidates.items() if reasons[key] is None}
    reasons = {key: reason for key, reason in reasons.items() if reason is not None}
    # A meeting's slots end with its current start ("7d@20261210T0900Z").
    meeting_times = {
        due.object_id: due.slot[due.slot.index("@") :]
        for due in candidates.values()
        if due.kind == ReminderKind.MEETING_UPCOMING
    }

    pending = Delivery.objects.pending().filter(kind__in=list(FINDERS))
    to_drop: dict[str, list[int]] = defaultdict(list)
    moved = []
    for row in pending.only("pk", "kind", "object_id", "recipient_id", "slot", "due_at"):
        key = (row.kind, row.object_id, row.recipient_id, row.slot)
        due = wanted.get(key)
        if due is None:
            to_drop[_stale_reason(key, reasons, meeting_times)].append(row.pk)
        elif due.due_at != row.due_at:
            row.due_at = due.due_at
            moved.append(row)
    dropped = sum(
        Delivery.objects.filter(pk__in=ids).drop(reason) for reason, ids in to_drop.items()
    )
    Delivery.objects.bulk_update(moved, ["due_at"], batch_size=500)
    created = _create_new(wanted.values())
    return created, dropped


def _create_new(wanted: Iterable[Due]) -> int:
    """Writes the wanted deliveries that have no row yet, and sets dropped ones wanted again
    back to pending (a meeting moved back to its first time, a kind switched on again). Sent
    and failed rows are never touched. Returns how many rows were written or revived."""
    wanted = [due for due in wanted if due.create]
    if not wanted:
        return 0
    existing = {
        (kind, object_id, recipient_id, slot): (pk, status)
        for pk, kind, object_id, recipient_id, slot, status in Delivery.objects.filter(
            kind__in={due.kind for due in wanted},
            object_id__in={due.object_id for due in wanted},
        ).values_list("pk", "kind", "object_id", "recipient_id", "slot", "status")
    }
    new, revived = [], []
    for due in wanted:
        pk, status = existing.get(due.key, (None, None))
        if pk is None:
            new.append(
                Delivery(
                    kind=due.kind,
                    alliance_id=due.alliance_id,
                    object_id=due.object_id,
                    recipient_id=due.recipient_id,
                    slot=due.slot,
                    due_at=due.due_at,
                )
            )
        elif status == Delivery.Status.DROPPED:
            revived.append(Delivery(pk=pk, due_at=due.due_at))
    # A second scheduler writing the same rows at the same moment is refused by the unique key.
    Delivery.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    for delivery in revived:
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.DROPPED).update(
            status=Delivery.Status.PENDING,
            drop_reason="",
            due_at=delivery.due_at,
            attempts=0,
            last_error="",
            enqueued_at=None,
            updated_at=timezone.now(),
        )
    return len(new) + len(revived)


def deliveries_claim_due(*, now: datetime, limit: int | None = None) -> list[int]:
    """Pending deliveries that are due and not queued within the lease; marks them queued."""
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    ids = list(
        Delivery.objects.pending()
        .due(now)
        .unleased(now - lease)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[: limit or settings.REMINDER_BATCH_SIZE]
    )
    Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def deliveries_queue(ids: list[int]) -> int:
    """Hands the deliveries to the workers, REMINDER_DELIVERIES_PER_TASK to a task. When the
    broker is down, those not queued are marked unqueued again, so the next run tries them
    first. Returns how many were queued."""
    from .tasks import send_reminder_batch

    size = settings.REMINDER_DELIVERIES_PER_TASK
    for start in range(0, len(ids), size):
        if not enqueue(send_reminder_batch, ids[start : start + size]):
            Delivery.objects.filter(pk__in=ids[start:]).pending().update(enqueued_at=None)
            return start
    return len(ids)


def reminders_dispatch(*, now: datetime | None = None) -> ReminderRun:
    """One run of the scheduler: plan, then queue one task per due delivery."""
    now = now or timezone.now()
    run = ReminderRun.objects.create(started_at=now)
    with transaction.atomic():
        run.created, run.dropped = reminders_plan(now=now)
        ids = deliveries_claim_due(now=now)
    run.queued = deliveries_queue(ids)
    run.finished_at = timezone.now()
    run.save(update_fields=["created", "dropped", "queued", "finished_at"])
    ReminderRun.objects.filter(started_at__lt=now - RUN_HISTORY).delete()
    return run


# Events: reminders that go out as soon as something happens -----------------------------------


def reminders_create_now(
    *, kind: str, alliance: Alliance, object_id: int, recipient_ids: Iterable[int], slot: str
) -> None:
    """Deliveries due now for an event (an agenda published, minutes circulated), queued once
    the caller's transaction commits. Call inside the service's transaction."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"{kind} is written by the scheduler, not by an event")
    settings_row = ReminderSettings.objects.filter(alliance=alliance).first()
    if settings_row is not None and not settings_row.is_on(kind):
        return
    recipients = set(recipient_ids) - set(
        ReminderOptOut.objects.filter(kind=kind, user_id__in=recipient_ids).values_list(
            "user_id", flat=True
        )
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                kind=kind,
                alliance=alliance,
                object_id=object_id,
                recipient_id=recipient_id,
                slot=slot,
                due_at=now,
                enqueued_at=now,
            )
            for recipient_id in sorted(recipients)
        ],
        ignore_conflicts=True,
    )

    def queue():
        ids = list(
            Delivery.objects.pending()
            .filter(kind=kind, object_id=object_id, slot=slot, enqueued_at=now)
            .values_list("pk", flat=True)
        )
        deliveries_queue(ids)

    transaction.on_commit(queue)


def reminders_drop(*, kinds: Iterable[str], object_id: int, reason: str) -> int:
    """Drops the pending deliveries of these kinds about one object (a meeting that moved or was
    cancelled). The scheduler writes the new ones on its next run."""
    return Delivery.objects.filter(kind__in=list(kinds), object_id=object_id).pending().drop(reason)


# What meetings announce (meetings.signals), inside the transaction of the change -------------

# The kinds about one meeting that stop when it is cancelled.
MEETING_REMINDERS = (
    ReminderKind.MEETING_UPCOMING,
    ReminderKind.AGENDA_PUBLISHED,
    ReminderKind.SECRETARY_NUDGE,
)


def reminders_meeting_rescheduled(*, meeting: Meeting) -> int:
    """Drops the pending reminders for the meeting's old time; the scheduler writes those for
    the new time on its next run."""
    return reminders_drop(
        kinds=[ReminderKind.MEETING_UPCOMING], object_id=meeting.pk, reason=Reason.RESCHEDULED
    )


def reminders_meeting_cancelled(*, meeting: Meeting) -> int:
    """Drops every pending reminder about the cancelled meeting."""
    return reminders_drop(
        kinds=MEETING_REMINDERS, object_id=meeting.pk, reason=Reason.NO_LONGER_DUE
    )


def reminders_agenda_published(*, meeting: Meeting, recipient_ids: list[int]) -> None:
    """The published agenda, to the members among its invitees, queued on commit."""
    reminders_create_now(
        kind=ReminderKind.AGENDA_PUBLISHED,
        alliance=meeting.alliance,
        object_id=meeting.pk,
        recipient_ids=recipient_ids,
        slot="published",
    )


def reminders_minutes_circulated(*, minutes: Minutes, recipient_ids: list[int]) -> None:
    """The circulated minutes, to the members who may comment on them, queued on commit."""
    reminders_create_now(
        kind=ReminderKind.MINUTES_CIRCULATED,
        alliance=minutes.meeting.alliance,
        object_id=minutes.pk,
        recipient_ids=recipient_ids,
        slot="circulated",
    )


# Sending one delivery --------------------------------------------------------------------------


def _with_send_facts(deliveries):
    """What deciding to send needs, read in the same query: the alliance's settings, the
    recipient, whether they switched the kind off and whether they still hold a seat."""
    opted_out = ReminderOptOut.objects.filter(user=OuterRef("recipient_id"), kind=OuterRef("kind"))
    seat = Membership.objects.active().filter(
        alliance_id=OuterRef("alliance_id"), user=OuterRef("recipient_id")
    )
    return deliveries.select_related("recipient", "alliance__reminder_settings").annotate(
        opted_out=Exists(opted_out), has_seat=Exists(seat)
    )


def _locked_pending(delivery_id: int) -> Delivery | None:
    """The pending delivery, locked, with its send facts. None when it is not pending or
    another worker holds it."""
    return (
        _with_send_facts(Delivery.objects.select_for_update(skip_locked=True, of=("self",)))
        .filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )


def _reason_to_drop(delivery: Delivery, obj) -> str | None:
    """Precondition: `delivery` was read through _with_send_facts."""
    spec = SPECS[delivery.kind]
    if obj is None or delivery.alliance.status == Alliance.Status.CLOSED:
        return Reason.NO_LONGER_DUE
    try:
        settings_row = delivery.alliance.reminder_settings
    except ReminderSettings.DoesNotExist:
        settings_row = None
    if settings_row is not None and not settings_row.is_on(delivery.kind):
        return Reason.SWITCHED_OFF
    recipient = delivery.recipient
    if not spec.mandatory and delivery.opted_out:
        return Reason.OPTED_OUT
    if not recipient.is_active or not delivery.has_seat:
        return Reason.NOT_A_MEMBER
    if not recipient.email:
        return Reason.NO_ADDRESS
    return spec.still_due(obj, delivery)


def _send_locked(delivery_id: int) -> str:
    delivery = _locked_pending(delivery_id)
    if delivery is None:
        return Outcome.SKIPPED
    obj = SPECS[delivery.kind].load(delivery.object_id)
    reason = _reason_to_drop(delivery, obj)
    if reason is not None:
        delivery.drop(reason)
        delivery.save(update_fields=["status", "drop_reason", "updated_at"])
        return Outcome.DROPPED
    message = reminder_message(delivery=delivery, obj=obj, spec=SPECS[delivery.kind])
    # Marked sent before the mail goes, in the same transaction: a failed send rolls it back,
    # and a worker killed after the mail server took the mail loses only the commit, not an
    # update and the commit. That moment is the one where a mail can still go twice; the
    # copy carries the same Message-ID.
    delivery.mark_sent()
    delivery.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
    send_on_kept_connection(message)
    return Outcome.SENT


def delivery_send(*, delivery_id: int) -> str:
    """Sends one delivery if it is still pending and still due. Raises DeliveryRetry when the
    mail could not be sent and attempts remain; after the last one the delivery is failed."""
    try:
        with transaction.atomic():
            return _send_locked(delivery_id)
    except Exception as exc:
        # SMTP trouble is the usual cause, but a bug in one kind's mail must not loop forever
        # either: every failure is counted, and the last one marks the delivery failed.
        logger.warning("Reminder delivery %s failed: %s", delivery_id, exc, exc_info=True)
        outcome, countdown = _record_failure(delivery_id, exc)
    if countdown is not None:
        raise DeliveryRetry(countdown)
    return outcome


def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    """Sends each delivery on its own, as delivery_send does. One that is to be tried again is
    queued alone with its backoff, so the others neither wait for it nor go twice."""
    from .tasks import send_reminder

    outcomes: Counter[str] = Counter()
    for delivery_id in delivery_ids:
        try:
            outcomes[delivery_send(delivery_id=delivery_id)] += 1
        except DeliveryRetry as retry:
            # Should the broker be down, the row stays pending and its lease brings it back.
            enqueue(send_reminder, delivery_id, countdown=retry.countdown)
            outcomes[Outcome.RETRYING] += 1
    return dict(outcomes)


def _backoff_seconds(attempts: int) -> int:
    return settings.REMINDER_RETRY_SECONDS * 2 ** max(attempts - 1, 0)


@transaction.atomic
def _record_failure(delivery_id: int, exc: Exception) -> tuple[str, int | None]:
    """Counts the failed attempt: (outcome, seconds until the next try or None)."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return Outcome.SKIPPED, None
    error = f"{type(exc).__name__}: {exc}"
    if delivery.record_failure(error, max_attempts=settings.REMINDER_MAX_ATTEMPTS):
        delivery.save(update_fields=["status", "attempts", "last_error", "failed_at", "updated_at"])
        logger.error("Reminder delivery %s failed for good: %s", delivery_id, error)
        return Outcome.FAILED, None
    countdown = _backoff_seconds(delivery.attempts)
    # The lease counts from the planned retry, so the scheduler does not queue it sooner.
    delivery.enqueued_at = timezone.now() + timedelta(seconds=countdown)
    delivery.save(update_fields=["attempts", "last_error", "enqueued_at", "updated_at"])
    return Outcome.SKIPPED, countdown


# People's choices -----------------------------------------------------------------------------


def deliveries_no_longer_wanted(deliveries: Iterable[Delivery]) -> dict[int, str]:
    """Why the sender would drop each delivery if it went now (the agreement was signed, the
    meeting has passed), by id; those still wanted are left out. Sending again is offered only
    for those, by the same rule the sender applies."""
    ids = [delivery.pk for delivery in deliveries]
    reasons = {}
    for delivery in _with_send_facts(Delivery.objects.filter(pk__in=ids)):
        reason = _reason_to_drop(delivery, SPECS[delivery.kind].load(delivery.object_id))
        if reason is not None:
            reasons[delivery.pk] = reason
    return reasons


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: User) -> Delivery:
    """A coordinator sends a failed delivery again, while it is still wanted."""
    failed = delivery.status == Delivery.Status.FAILED
    if failed and (reason := deliveries_no_longer_wanted([delivery]).get(delivery.pk)):
        raise InvalidTransition(ERR_RETRY_NOT_WANTED % {"reason": Reason(reason).label})
    return _retry(delivery, actor)


def _retry(delivery: Delivery, actor: User) -> Delivery:
    from .tasks import send_reminder

    delivery.retry()
    delivery.save(update_fields=["status", "attempts", "failed_at", "enqueued_at", "updated_at"])
    audit_record(
        actor=actor,
        action="reminder.retried",
        obj=delivery,
        alliance=delivery.alliance,
        changes={"kind": delivery.kind, "recipient": delivery.recipient.email},
    )
    transaction.on_commit(lambda: enqueue(send_reminder, delivery.pk))
    return delivery


@transaction.atomic
def deliveries_retry_failed(*, alliance: Alliance, actor: User) -> int:
    """Sends every failed delivery of the alliance that is still wanted again; returns how
    many."""
    failed = list(
        Delivery.objects.select_for_update(of=("self",))
        .filter(alliance=alliance, status=Delivery.Status.FAILED)
        .select_related("recipient", "alliance")
    )
    unwanted = deliveries_no_longer_wanted(failed)
    count = 0
    for delivery in failed:
        if delivery.pk not in unwanted:
            _retry(delivery, actor)
            count += 1
    return count


def reminder_preferences_update(*, user: User, receive: Iterable[str]) -> list[str]:
    """Switches off every optional kind not in `receive` and on every one in it. Returns the
    kinds now switched off."""
    receive = set(receive)
    optional = [kind for kind, spec in SPECS.items() if not spec.mandatory]
    with transaction.atomic():
        for kind in optional:
            if kind in receive:
                ReminderOptOut.objects.filter(user=user, kind=kind).delete()
            else:
                ReminderOptOut.objects.get_or_create(user=user, kind=kind)
    return sorted(kind for kind in optional if kind not in receive)


def reminder_opt_out(*, user: User, kind: str) -> bool:
    """Switches one kind off for the user (from a mail's link). False if it already was."""
    if SPECS[kind].mandatory:
        raise InvalidTransition(ERR_MANDATORY)
    _, created = ReminderOptOut.objects.get_or_create(user=user, kind=kind)
    return created


def reminder_opt_in(*, user: User, kind: str) -> None:
    """Switches one kind back on for the user."""
    ReminderOptOut.objects.filter(user=user, kind=kind).delete()


@transaction.atomic
def reminder_settings_update(*, alliance: Alliance, actor: User, fields: dict) -> ReminderSettings:
    row, _ = ReminderSettings.objects.select_for_update().get_or_create(alliance=alliance)
    changed = assign_fields(row, fields, ALLIANCE_SETTINGS_FIELDS)
    if changed:
        row.full_clean()
        row.save()
        audit_record(
            actor=actor,
            action="reminders.settings_updated",
            obj=alliance,
            changes={"fields": ", ".join(changed)},
        )
    return row


ALLIANCE_SETTINGS_FIELDS = (
    "switched_off",
    "meeting_days_before",
    "minutes_approval_days",
    "secretary_nudge_days",
    "action_due_days",
    "agreement_days",
    "plan_signoff_days",
    "sustainability_months",
    "send_hour",
)
