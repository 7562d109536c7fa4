"""Meetings, their agendas, who was invited and who came, and the minutes with their history.

Minutes go draft → circulated → approved → locked. Every text save carries the version it was
based on, so two people editing at once can never overwrite each other silently.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance_portal.exceptions import InvalidTransition

ERR_END_BEFORE_START = _("The meeting must end after it starts.")
ERR_MEETING_TOO_LONG = _("A meeting can last at most 7 days.")
ERR_MEETING_NOT_PLANNED = _("Only a planned meeting can be changed this way.")
ERR_MEETING_NOT_STARTED = _("A meeting can be marked as held once it has started.")
ERR_MEETING_CANCELLED = _("This meeting was cancelled.")
ERR_AGENDA_EMPTY = _("Add at least one item to the agenda before publishing it.")
ERR_AGENDA_ALREADY_PUBLISHED = _("The agenda has already been published.")
ERR_MINUTES_NOT_EDITABLE = _(
    "These minutes are %(status)s and can no longer be edited. "
    "A correction after approval needs a stated reason."
)
ERR_MINUTES_LOCKED = _("These minutes are locked: nothing in them can change any more.")
ERR_CIRCULATE_STATUS = _("Only draft minutes can be circulated.")
# Minutes record what happened: a meeting that has not started has nothing to circulate or approve.
ERR_MINUTES_BEFORE_MEETING = _("Minutes can be circulated once the meeting has started.")
ERR_APPROVAL_BEFORE_MEETING = _("Minutes can be approved once the meeting has started.")
ERR_APPROVED_AT_FUTURE_MEETING = _(
    "Minutes are recorded as approved at a meeting once that meeting has started."
)
ERR_APPROVE_STATUS = _("Only circulated minutes can be approved.")
ERR_LOCK_STATUS = _("Only approved minutes can be locked.")
ERR_CORRECT_STATUS = _("Only approved minutes are corrected with a stated reason.")
ERR_COMMENT_STATUS = _("Members comment on minutes while they are circulated.")
ERR_APPROVED_AT_WRONG_MEETING = _(
    "Minutes are recorded as approved at a later meeting of the same alliance."
)
ERR_STALE_VERSION = _(
    "Someone else saved these minutes after you opened them. Nothing was overwritten."
)

# Durations are in minutes; a whole day is the most a single item can take.
MAX_ITEM_MINUTES = 8 * 60
# Sanitised HTML of one item's comment; longer is refused, never cut.
MAX_COMMENT_CHARS = 20_000
MAX_MEMBER_COMMENT_CHARS = 2_000
MAX_DESCRIPTION_CHARS = 4_000


class StandingItem(models.TextChoices):
    """The guide's standing agenda items; custom items have no kind."""

    WELCOME = "welcome", _("Welcome and introductions")
    PREVIOUS_MINUTES = "previous_minutes", _("Minutes of the previous meeting")
    UPDATES = "updates", _("Updates on activities since the last meeting")
    OTHER_BUSINESS = "other_business", _("Any other business")
    NEXT_MEETING = "next_meeting", _("Date, time and place of the next meeting")
    CLOSING = "closing", _("Closing and thanks")


# (kind, description, minutes) for a new agenda, in the guide's order.
STANDING_AGENDA = (
    (StandingItem.WELCOME, "", 10),
    (StandingItem.PREVIOUS_MINUTES, "", 10),
    (
        StandingItem.UPDATES,
        _(
            "For example communication, events and networking; knowledge sharing; "
            "evaluation of an event; revision of the action plan."
        ),
        40,
    ),
    (StandingItem.OTHER_BUSINESS, "", 15),
    (StandingItem.NEXT_MEETING, "", 10),
    (StandingItem.CLOSING, "", 5),
)


def _held_by(now: datetime) -> Q:
    return Q(status=Meeting.Status.HELD) | Q(status=Meeting.Status.PLANNED, ends_at__lte=now)


class MeetingQuerySet(models.QuerySet):
    def held(self, now: datetime) -> MeetingQuerySet:
        """Meetings that count as held at `now`: marked as held, or still planned and ended by
        then. Nobody has to mark a meeting for it to count once it is over; a cancelled one never
        counts."""
        return self.filter(_held_by(now))

    def with_held(self, now: datetime) -> MeetingQuerySet:
        """Each meeting with `is_held`: whether it counts as held at `now`, as `held()` says."""
        return self.annotate(is_held=ExpressionWrapper(_held_by(now), output_field=BooleanField()))


class Meeting(models.Model):
    class Kind(models.TextChoices):
        INITIAL_WORKSHOP = "initial_workshop", _("Initial workshop")
        PLENARY = "plenary", _("Plenary meeting")
        STEERING_GROUP = "steering_group", _("Steering group")
        WORKING_GROUP = "working_group", _("Working group")
        CONFERENCE = "conference", _("Conference")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="meetings",
        verbose_name=_("alliance"),
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.PLENARY)
    title = models.CharField(_("title"), max_length=200)
    host_organisation = models.CharField(_("host organisation"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_link = models.URLField(
        _("online link"),
        max_length=500,
        blank=True,
        help_text=_("For people joining online, e.g. a video call address."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    agenda_published_at = models.DateTimeField(_("agenda published"), null=True, blank=True)
    # Calendar clients recognise the event by its UID and take a higher SEQUENCE as an update.
    ical_uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "number"], name="one_meeting_number_per_alliance"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": ERR_END_BEFORE_START})
            if self.ends_at - self.starts_at > timedelta(days=7):
                raise ValidationError({"ends_at": ERR_MEETING_TOO_LONG})

    @property
    def agenda_is_published(self) -> bool:
        return self.agenda_published_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_started(self) -> bool:
        """Whether the meeting's start is past: it can be held and its minutes circulated."""
        return timezone.now() >= self.starts_at

    def bump_calendar_sequence(self) -> None:
        self.ical_sequence += 1

    def publish_agenda(self, *, item_count: int) -> None:
        if self.status != self.Status.PLANNED:
            raise InvalidTransition(ERR_MEETING_NOT_PLANNED)
        if self.agenda_published_at is not None:
            raise InvalidTransition(ERR_AGENDA_ALREADY_PUBLISHED)
        if item_count == 0:
            raise InvalidTransition(ERR_AGENDA_EMPTY)
        self.agenda_published_at = timezone.now()

    def mark_held(self) -> None:
        if self.status != self.Status.PLANNED:
            raise InvalidTransition(ERR_MEETING_NOT_PLANNED)
        if not self.has_started:
            raise InvalidTransition(ERR_MEETING_NOT_STARTED)
        self.status = self.Status.HELD

    def cancel(self) -> None:
        if self.status != self.Status.PLANNED:
            raise InvalidTransition(ERR_MEETING_NOT_PLANNED)
        self.status = self.Status.CANCELLED
        self.bump_calendar_sequence()


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(
        _("standing item"), max_length=20, choices=StandingItem.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"),
        max_length=MAX_DESCRIPTION_CHARS,
        blank=True,
        # A TextField's max_length only sizes the form's box; the validator makes the model check.
        validators=[MaxLengthValidator(MAX_DESCRIPTION_CHARS)],
    )
    presenter = models.CharField(_("presenter"), max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ITEM_MINUTES)],
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """Someone invited to a meeting: a member of the alliance or a guest by email."""

    class Response(models.TextChoices):
        NONE = "", _("No answer yet")
        YES = "yes", _("Yes")
        NO = "no", _("No")
        MAYBE = "maybe", _("Maybe")

    class Attendance(models.TextChoices):
        UNKNOWN = "", pgettext_lazy("attendance", "Not recorded")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participants", verbose_name=_("meeting")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_participations",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email address"), blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    is_guest = models.BooleanField(_("guest"), default=False)
    # A guest invited by address has no account to hold a language: the secretary picks the one
    # their mails are written in. Empty is the alliance's main language, else the sender's.
    language = models.CharField(
        _("language of the mails"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    # Observers are invited but hold no seat, so only the other members count for the quorum.
    holds_seat = models.BooleanField(_("holds a seat"), default=False)
    response = models.CharField(
        _("answer"), max_length=8, choices=Response.choices, blank=True, default=""
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=8, choices=Attendance.choices, blank=True, default=""
    )
    # The answer link in the invitation mail; guests have no account to log in with.
    response_key = models.CharField(max_length=64, unique=True, editable=False)
    invited_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        ordering = ["is_guest", "name", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="one_participation_per_member",
            ),
            models.UniqueConstraint(
                "meeting",
                Lower("email"),
                condition=~Q(email=""),
                name="one_participation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.response_key:
            self.response_key = new_response_key()
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def answer(self, response: str) -> None:
        self.response = self.Response(response)
        self.responded_at = timezone.now()


class Minutes(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CIRCULATED = "circulated", _("Circulated for comments")
        APPROVED = "approved", _("Approved")
        LOCKED = "locked", _("Locked")

    # Approved or locked minutes no longer change: their PDF is printed once and kept.
    FINAL_STATUSES = (Status.APPROVED, Status.LOCKED)

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="minutes", verbose_name=_("meeting")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # Goes up by one with every saved change of the text; a save based on an older one is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    circulated_at = models.DateTimeField(_("circulated"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at_meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_minutes",
        verbose_name=_("approved at meeting"),
    )
    approved_sha256 = models.CharField(_("SHA-256 at approval"), max_length=64, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(_("Minutes of %(meeting)s") % {"meeting": self.meeting})

    @property
    def alliance(self):
        return self.meeting.alliance

    @property
    def text_is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.CIRCULATED)

    def ensure_editable(self) -> None:
        if self.status == self.Status.LOCKED:
            raise InvalidTransition(ERR_MINUTES_LOCKED, code="locked")
        if not self.text_is_editable:
            raise InvalidTransition(
                ERR_MINUTES_NOT_EDITABLE % {"status": self.get_status_display().lower()},
                code="not_editable",
            )

    def ensure_version(self, base_version: int) -> None:
        if base_version != self.version:
            raise InvalidTransition(ERR_STALE_VERSION, code="stale")

    def circulate(self) -> None:
        if self.status != self.Status.DRAFT:
            raise InvalidTransition(ERR_CIRCULATE_STATUS)
        if not self.meeting.has_started:
            raise InvalidTransition(ERR_MINUTES_BEFORE_MEETING, code="before_meeting")
        self.status = self.Status.CIRCULATED
        self.circulated_at = timezone.now()

    def approve(self, *, by, content_sha256: str, at_meeting: Meeting | None = None) -> None:
        """Approval by the chair, or recorded by the secretary of a later meeting."""
        if self.status != self.Status.CIRCULATED:
            raise InvalidTransition(ERR_APPROVE_STATUS)
        # Circulation waits for the start, but the meeting may have been moved later since.
        if not self.meeting.has_started:
            raise InvalidTransition(ERR_APPROVAL_BEFORE_MEETING, code="before_meeting")
        if at_meeting is not None and (
            at_meeting.alliance_id != self.meeting.alliance_id
            or at_meeting.starts_at <= self.meeting.starts_at
        ):
            raise InvalidTransition(ERR_APPROVED_AT_WRONG_MEETING)
        if at_meeting is not None and not at_meeting.has_started:
            raise InvalidTransition(ERR_APPROVED_AT_FUTURE_MEETING, code="before_meeting")
        self.status = self.Status.APPROVED
        self.approved_at = timezone.now()
        self.approved_by = by
        self.approved_at_meeting = at_meeting
        self.approved_sha256 = content_sha256

    def lock(self) -> None:
        if self.status != self.Status.APPROVED:
            raise InvalidTransition(ERR_LOCK_STATUS)
        self.status = self.Status.LOCKED
        self.locked_at = timezone.now()

    def ensure_correctable(self) -> None:
        if self.status == self.Status.LOCKED:
            raise InvalidTransition(ERR_MINUTES_LOCKED, code="locked")
        if self.status != self.Status.APPROVED:
            raise InvalidTransition(ERR_CORRECT_STATUS)


class MinutesItem(models.Model):
    """One agenda item as the minutes record it: a copy of the agenda, then the comment."""

    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="items", verbose_name=_("minutes")
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(
        _("standing item"), max_length=20, choices=StandingItem.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    presenter = models.CharField(_("presenter"), max_length=200, blank=True)
    comment_html = models.TextField(_("comment"), blank=True)
    # The guide's "not applicable" in the date column: nothing was decided under this item.
    no_actions = models.BooleanField(_("no actions decided"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("minutes item")
        verbose_name_plural = _("minutes items")

    def __str__(self) -> str:
        return self.title


class MinutesRevision(models.Model):
    """The minutes' content as one person left it; the history and its diffs are built from these.

    Consecutive autosaves by the same person within a few minutes update one revision, so the
    history reads as edits, not keystrokes.
    """

    class Kind(models.TextChoices):
        EDIT = "edit", pgettext_lazy("kind of minutes revision", "Edit")
        CORRECTION = "correction", _("Correction after approval")
        APPROVAL = "approval", _("Approval")

    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("minutes")
    )
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.EDIT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)
    content = models.JSONField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-version", "-pk"]
        verbose_name = _("minutes revision")
        verbose_name_plural = _("minutes revisions")

    def __str__(self) -> str:
        return f"v{self.version}"


class MinutesComment(models.Model):
    """A member's remark on one item while the minutes are circulated."""

    item = models.ForeignKey(
        MinutesItem, on_delete=models.CASCADE, related_name="comments", verbose_name=_("item")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    body = models.TextField(
        _("comment"),
        max_length=MAX_MEMBER_COMMENT_CHARS,
        validators=[MaxLengthValidator(MAX_MEMBER_COMMENT_CHARS)],
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment on the minutes")
        verbose_name_plural = _("comments on the minutes")

    def __str__(self) -> str:
        return self.body[:50]


class CalendarFeed(models.Model):
    """A private calendar address: all of a user's alliances, or one alliance.

    The token in the address is the only key, so it is random and long, and revoking it is final.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "alliance"],
                condition=Q(revoked_at__isnull=True, alliance__isnull=False),
                name="one_live_alliance_feed_per_user",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True, alliance__isnull=True),
                name="one_live_personal_feed_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"calendar feed #{self.pk}"

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


def new_response_key() -> str:
    """The secret in an invitee's answer link."""
    return secrets.token_urlsafe(32)


class MinutesPresence(models.Model):
    """Who has the minutes editor open, as last heard from their page.

    Kept in the database rather than in one server's memory, so that every server answering the
    editors' polls sees everyone. A row is a heartbeat: the editor's page refreshes `seen_at`
    while it is open and deletes the row when it is left.
    """

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("person editing the minutes")
        verbose_name_plural = _("people editing the minutes")
        constraints = [
            models.UniqueConstraint(fields=["minutes", "user"], name="one_presence_per_editor")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in minutes #{self.minutes_id}"
