"""Reminders: every mail the portal sends on a schedule, or on an event, as a delivery row.

A delivery is one mail of one kind about one object to one person, in one slot (the 7-day
reminder of a meeting at its current time, the second weekly overdue notice of an action...).
The database refuses a second row with the same (kind, object, recipient, slot), so retries, two
schedulers or two workers can never send twice. A row is written before anything is queued, so a
lost queue message or a killed worker loses nothing: the scheduler queues pending rows again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.exceptions import InvalidTransition
from sustainability.rules import GUIDE_MONTHS_BEFORE_END

MAX_ERROR_CHARS = 500
# The most reminders the guide's "not signed" rule allows, and the widest offsets accepted.
MAX_AGREEMENT_REMINDERS = 3
MAX_OFFSET_DAYS = 60

ERR_SENT_ALREADY = _("This reminder has already been sent.")
ERR_NOT_PENDING = _("Only a reminder that is waiting to be sent can change this way.")
ERR_RETRY_STATUS = _("Only a reminder that could not be sent can be sent again.")
ERR_DAYS_LIST = _("Give one to %(count)d whole numbers of days between 1 and %(max)d, e.g. 7, 1.")


class ReminderKind(models.TextChoices):
    MEETING_UPCOMING = "meeting_upcoming", _("Upcoming meeting")
    AGENDA_PUBLISHED = "agenda_published", _("Agenda published")
    MINUTES_CIRCULATED = "minutes_circulated", _("Minutes circulated for comments")
    MINUTES_APPROVAL = "minutes_approval", _("Minutes awaiting the chair's approval")
    SECRETARY_NUDGE = "secretary_nudge", _("Minutes not yet started after a meeting")
    ACTION_DUE = "action_due", _("Action due soon")
    ACTION_OVERDUE = "action_overdue", _("Action overdue")
    AGREEMENT_UNSIGNED = "agreement_unsigned", _("Commitment agreement not yet signed")
    PLAN_SIGNOFF = "plan_signoff", _("Action plan awaiting the chair's sign-off")
    SUSTAINABILITY_PROMPT = "sustainability_prompt", _("Sustainability plan due")


class DeliveryQuerySet(models.QuerySet):
    def pending(self) -> DeliveryQuerySet:
        return self.filter(status=Delivery.Status.PENDING)

    def due(self, now) -> DeliveryQuerySet:
        return self.filter(due_at__lte=now)

    def unleased(self, cutoff) -> DeliveryQuerySet:
        """Not queued since `cutoff`: never queued, or queued and not sent within the lease."""
        return self.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))

    def drop(self, reason: str) -> int:
        """Delivery.drop() for many pending rows at once."""
        return self.filter(status=Delivery.Status.PENDING).update(
            status=Delivery.Status.DROPPED,
            drop_reason=Delivery.DropReason(reason),
            updated_at=timezone.now(),
        )


class Delivery(models.Model):
    """One reminder mail to one person; its key is unique, so it is sent at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")
        DROPPED = "dropped", _("Not sent")

    class DropReason(models.TextChoices):
        RESCHEDULED = "rescheduled", _("The meeting moved to another time")
        NO_LONGER_DUE = "no_longer_due", _("No longer needed")
        OPTED_OUT = "opted_out", _("The recipient switched this reminder off")
        SWITCHED_OFF = "switched_off", _("The alliance switched this reminder off")
        NOT_A_MEMBER = "not_a_member", _("The recipient is no longer a member")
        NO_ADDRESS = "no_address", _("The recipient has no email address")

    kind = models.CharField(_("reminder"), max_length=32, choices=ReminderKind.choices)
    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="reminder_deliveries",
        verbose_name=_("alliance"),
    )
    # The meeting, minutes, action, signature or plan version the reminder is about; the kind
    # says which.
    object_id = models.PositiveBigIntegerField(_("object"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminder_deliveries",
        verbose_name=_("recipient"),
    )
    slot = models.CharField(_("slot"), max_length=64)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    drop_reason = models.CharField(
        _("why not sent"), max_length=16, choices=DropReason.choices, blank=True
    )
    # When it was last handed to the queue; pending rows queued longer ago than the lease are
    # queued again (their message was lost, or the worker holding it died).
    enqueued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=MAX_ERROR_CHARS, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_delivery"
        ordering = ["-due_at", "-pk"]
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "recipient", "slot"], name="one_delivery_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="delivery_status_due"),
            models.Index(fields=["kind", "object_id"], name="delivery_kind_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} → {self.recipient_id} [{self.slot}]"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}:{self.recipient_id}:{self.slot}"

    def _ensure_pending(self) -> None:
        if self.status != self.Status.PENDING:
            raise InvalidTransition(ERR_NOT_PENDING)

    def mark_sent(self) -> None:
        if self.status == self.Status.SENT:
            raise InvalidTransition(ERR_SENT_ALREADY)
        self._ensure_pending()
        self.status = self.Status.SENT
        self.sent_at = timezone.now()
        self.last_error = ""

    def drop(self, reason: str) -> None:
        self._ensure_pending()
        self.status = self.Status.DROPPED
        self.drop_reason = self.DropReason(reason)

    def record_failure(self, error: str, *, max_attempts: int) -> bool:
        """Counts a failed attempt; True when it was the last one and the delivery failed."""
        self._ensure_pending()
        self.attempts += 1
        self.last_error = error[:MAX_ERROR_CHARS]
        if self.attempts >= max_attempts:
            self.status = self.Status.FAILED
            self.failed_at = timezone.now()
            return True
        return False

    def retry(self) -> None:
        """A person asks for a failed delivery to be tried again from the start."""
        if self.status != self.Status.FAILED:
            raise InvalidTransition(ERR_RETRY_STATUS)
        self.status = self.Status.PENDING
        self.attempts = 0
        self.failed_at = None
        self.enqueued_at = None


class ReminderOptOut(models.Model):
    """A person who switched one kind of reminder off, from their profile or a mail's link."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_opt_outs"
    )
    kind = models.CharField(_("reminder"), max_length=32, choices=ReminderKind.choices)
    created_at = models.DateTimeField(_("switched off"), auto_now_add=True)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_reminderoptout"
        verbose_name = _("reminder switched off")
        verbose_name_plural = _("reminders switched off")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_opt_out_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


def _days_list(value, *, longest: int) -> None:
    ok = (
        isinstance(value, list)
        and 1 <= len(value) <= longest
        and all(isinstance(day, int) and 1 <= day <= MAX_OFFSET_DAYS for day in value)
        and len(set(value)) == len(value)
    )
    if not ok:
        raise ValidationError(ERR_DAYS_LIST, params={"count": longest, "max": MAX_OFFSET_DAYS})


def validate_meeting_days(value) -> None:
    _days_list(value, longest=3)


def validate_agreement_days(value) -> None:
    _days_list(value, longest=MAX_AGREEMENT_REMINDERS)


def _default_meeting_days() -> list[int]:
    return [7, 1]


def _default_agreement_days() -> list[int]:
    return [3, 7, 14]


def _days_field(verbose_name, help_text, *, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFSET_DAYS)],
        help_text=help_text,
    )


class ReminderSettings(models.Model):
    """An alliance's own reminder schedule. An alliance without a row uses the defaults."""

    alliance = models.OneToOneField(
        "alliances.Alliance", on_delete=models.CASCADE, related_name="reminder_settings"
    )
    switched_off = models.JSONField(
        _("reminders switched off"),
        default=list,
        blank=True,
        help_text=_("Kinds of reminder this alliance does not send."),
    )
    meeting_days_before = models.JSONField(
        _("days before a meeting"),
        default=_default_meeting_days,
        validators=[validate_meeting_days],
    )
    minutes_approval_days = _days_field(
        _("days after circulating minutes"),
        _("When the chair is reminded to approve circulated minutes; then every week."),
        default=7,
    )
    secretary_nudge_days = _days_field(
        _("days after a meeting without minutes"),
        _("When the secretaries are reminded to start the minutes."),
        default=3,
    )
    action_due_days = _days_field(
        _("days before an action is due"),
        _("When the responsible person is reminded."),
        default=3,
    )
    agreement_days = models.JSONField(
        _("days after the agreement was sent"),
        default=_default_agreement_days,
        validators=[validate_agreement_days],
        help_text=_("At most three reminders to members who have not signed."),
    )
    plan_signoff_days = _days_field(
        _("days after a plan was submitted"),
        _("When the chair is reminded to sign the plan off; then every week."),
        default=2,
    )
    sustainability_months = models.PositiveSmallIntegerField(
        _("months before the plan period ends"),
        default=GUIDE_MONTHS_BEFORE_END,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "The guide asks for a sustainability plan six months before the action plan ends."
        ),
    )
    send_hour = models.PositiveSmallIntegerField(
        _("hour for reminders about dates"),
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text=_("Reminders about due dates go out at this hour, in the alliance's time zone."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_remindersettings"
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return f"reminder settings of alliance {self.alliance_id}"

    def is_on(self, kind: str) -> bool:
        return kind not in self.switched_off


class ReminderRun(models.Model):
    """One run of the scheduler: what it found and queued. The health page reads the last one."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created = models.PositiveIntegerField(_("new deliveries"), default=0)
    dropped = models.PositiveIntegerField(_("dropped"), default=0)
    queued = models.PositiveIntegerField(_("queued"), default=0)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_reminderrun"
        ordering = ["-started_at"]
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        indexes = [models.Index(fields=["-started_at"], name="reminder_run_started")]

    def __str__(self) -> str:
        return f"run at {self.started_at:%Y-%m-%d %H:%M}"
