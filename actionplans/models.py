"""Action plans: the guide's action table, SMART goals, progress and the chair's sign-off.

`Action` is the one model for every tracked action. An action decided in a meeting's minutes is
a row of it from the start (with `decided_in` pointing back to its item) and joins a plan when it
is adopted. A plan's promises (its goals and its actions' columns) are what the chair signs off;
progress (status, percent, updates) moves on without a new version.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.exceptions import InvalidTransition
from alliance_portal.models import MAX_TEXT_CHARS, limited_text  # noqa: F401 (re-exported)
from alliance_portal.permissions import ConfirmedBy

MAX_DESCRIPTION_CHARS = 4_000
MAX_BUDGET = 10**10  # below the column's 12 digits with 2 decimals

ERR_ONE_RESPONSIBLE = _("Choose who is responsible: a member or an organisation, not both.")
ERR_PLAN_PERIOD = _("The plan's period must end after it starts.")
ERR_DUE_BEFORE_START = _("The due date cannot be before the start date.")
ERR_GOAL_TARGET = _(
    "A SMART goal is measurable: give the target as a number, e.g. 60 for “60 per cent of "
    "participants report new knowledge”."
)
ERR_GOAL_UNIT = _("Say what the target counts, e.g. “%”, “participants” or “meetings”.")
ERR_GOAL_DATE = _("A SMART goal is time-bound: give the date by which the target is reached.")
ERR_PLAN_SUBMITTED = _(
    "This version is waiting for the chair's sign-off and cannot be changed. Withdraw the "
    "submission to change it."
)
ERR_SUBMIT_STATUS = _("Only a draft or a returned plan can be submitted for sign-off.")
ERR_WITHDRAW_STATUS = _("Only a plan that is waiting for sign-off can be withdrawn.")
ERR_DECIDE_STATUS = _(
    "Only a plan that has been submitted for sign-off can be approved or returned."
)
ERR_STALE_HASH = _(
    "The plan changed after you opened it: the version you saw is no longer the one waiting "
    "for sign-off. Nothing was approved; review the current version."
)
ERR_DONE_NEEDS_FULL = _(
    "An action that is done is complete: set the progress to 100, or choose another status."
)
ERR_UPDATE_IN_FUTURE = _("A progress update cannot be dated in the future.")


class ActionPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for sign-off")
        RETURNED = "returned", _("Returned with comments")
        APPROVED = "approved", _("Approved")

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="action_plans",
        verbose_name=_("alliance"),
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # The version being drafted, or the last one submitted or approved.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise ValidationError({"period_end": ERR_PLAN_PERIOD})

    @property
    def is_draft(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def prepare_change(self) -> bool:
        """Called before anything the plan promises changes. A plan waiting for sign-off cannot
        change; an approved plan starts a new draft version. True when a new version began."""
        if self.status == self.Status.SUBMITTED:
            raise InvalidTransition(ERR_PLAN_SUBMITTED, code="submitted")
        if self.status == self.Status.APPROVED:
            self.version += 1
            self.status = self.Status.DRAFT
            return True
        return False

    def submit(self) -> None:
        if not self.is_draft:
            raise InvalidTransition(ERR_SUBMIT_STATUS)
        self.status = self.Status.SUBMITTED

    def withdraw(self) -> None:
        if self.status != self.Status.SUBMITTED:
            raise InvalidTransition(ERR_WITHDRAW_STATUS)
        self.status = self.Status.DRAFT

    def _ensure_decidable(self, version: PlanVersion | None, shown_sha256: str) -> None:
        if self.status != self.Status.SUBMITTED or version is None:
            raise InvalidTransition(ERR_DECIDE_STATUS)
        if shown_sha256 != version.sha256:
            raise InvalidTransition(ERR_STALE_HASH, code="stale")

    def approve(self, *, version: PlanVersion | None, by, shown_sha256: str) -> None:
        """The chair's approval of exactly the submitted version they were shown."""
        self._ensure_decidable(version, shown_sha256)
        self.status = self.Status.APPROVED
        version.approved_by = by
        version.approved_at = timezone.now()

    def return_with_comments(
        self, *, version: PlanVersion | None, by, shown_sha256: str, comments: str
    ) -> None:
        self._ensure_decidable(version, shown_sha256)
        self.status = self.Status.RETURNED
        version.returned_by = by
        version.returned_at = timezone.now()
        version.return_comments = comments


class PlanVersionQuerySet(models.QuerySet):
    def approved(self) -> PlanVersionQuerySet:
        """Versions the chair has signed off (`is_approved`)."""
        return self.filter(approved_at__isnull=False)


class PlanVersion(models.Model):
    """A submitted version of a plan: the canonical snapshot the chair reviews and signs.

    Once approved it never changes; the plan's later edits go into the next version.
    """

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="versions", verbose_name=_("plan")
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # How the chair proved it was them when approving (alliances.signin.ConfirmedBy).
    approval_confirmed_by = models.CharField(
        _("confirmed with"), max_length=20, choices=ConfirmedBy.choices, blank=True
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    return_comments = limited_text(_("comments"))

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique_number")
        ]

    def __str__(self) -> str:
        return str(_("%(plan)s, version %(number)d") % {"plan": self.plan, "number": self.number})

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class Goal(models.Model):
    """A SMART goal: specific (title), measurable (target, unit, current value), relevant
    (why), time-bound (by when). Achievable is what the plan's actions argue."""

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(
        _("what"), max_length=300, help_text=_("What exactly should be achieved.")
    )
    # Nullable so that a missing target or date is explained by clean(), not a bare "required".
    target_value = models.DecimalField(
        _("target"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_BUDGET)],
    )
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    current_value = models.DecimalField(
        _("current value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_BUDGET)],
        help_text=_("Where the alliance stands today; leave empty if not yet measured."),
    )
    relevance = limited_text(_("why it matters"))
    due_date = models.DateField(_("by when"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "number", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.target_value is None:
            errors["target_value"] = ERR_GOAL_TARGET
        if not self.unit.strip():
            errors["unit"] = ERR_GOAL_UNIT
        if self.due_date is None:
            errors["due_date"] = ERR_GOAL_DATE
        if errors:
            raise ValidationError(errors)


class Action(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")
        DROPPED = "dropped", _("Dropped")

    # Statuses after which an action is no longer due. Every other status is open (`is_open`),
    # blocked too: a blocked action still has to be done.
    CLOSED_STATUSES = (Status.DONE, Status.DROPPED)
    # The open statuses that reminders about the due date count. Blocked is not one of them:
    # marking an action blocked is the responsible person's answer to those reminders, and more
    # of them would not unblock it.
    REMINDED_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("alliance"),
    )
    plan = models.ForeignKey(
        ActionPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("plan"),
    )
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    title = models.CharField(_("action"), max_length=500)
    local_problem = limited_text(_("local problem it solves"))
    description = limited_text(_("description"), MAX_DESCRIPTION_CHARS)
    budget_amount = models.DecimalField(
        _("estimated budget"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_BUDGET - 1)],
    )
    budget_currency = models.CharField(
        _("currency"),
        max_length=3,
        default="SEK",
        validators=[
            RegexValidator(
                r"^[A-Z]{3}\Z", _("Give the currency as a three-letter code such as SEK or EUR.")
            )
        ],
    )
    resources = limited_text(_("possible resources or grants"))
    responsible_member = models.ForeignKey(
        "alliances.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("responsible person"),
    )
    responsible_organisation = models.ForeignKey(
        "stakeholders.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("responsible authority or partner"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    # Empty is the guide's "not applicable": no date was set for it.
    due_date = models.DateField(_("due date"), null=True, blank=True)
    obstacles = limited_text(_("obstacles or resistance"))
    obstacle_plan = limited_text(_("plan to overcome them"))
    collaborators = limited_text(_("collaborators who should know"))
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="actions", verbose_name=_("goals")
    )
    gaps = models.ManyToManyField(
        "stakeholders.Gap", blank=True, related_name="actions", verbose_name=_("gaps")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    progress_percent = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    decided_in = models.ForeignKey(
        "meetings.MinutesItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("decided under"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["number", "due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["plan", "number"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValidationError({"due_date": ERR_DUE_BEFORE_START})

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    @property
    def responsible_person_label(self) -> str:
        return str(self.responsible_member.user) if self.responsible_member_id else ""

    @property
    def responsible_label(self) -> str:
        """Who answers for the action, as the minutes and the plan print it."""
        organisation = self.responsible_organisation
        if self.responsible_member_id:
            person = self.responsible_person_label
            in_organisation = (
                organisation.name if organisation else self.responsible_member.organisation_name
            )
            return f"{person} ({in_organisation})" if in_organisation else person
        return str(organisation) if organisation else ""

    def record_progress(self, update: ProgressUpdate) -> None:
        """Takes the status and percent of the latest progress update."""
        self.status = update.status
        self.progress_percent = update.percent


class ProgressUpdate(models.Model):
    """One report on an action's progress; the history is kept, the latest one counts."""

    action = models.ForeignKey(
        Action,
        on_delete=models.CASCADE,
        related_name="progress_updates",
        verbose_name=_("action"),
    )
    date = models.DateField(_("date"))
    note = limited_text(_("note"))
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    status = models.CharField(_("status"), max_length=16, choices=Action.Status.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")

    def __str__(self) -> str:
        return f"{self.action}: {self.percent} %"

    def clean(self) -> None:
        errors = {}
        if self.status == Action.Status.DONE and self.percent != 100:
            errors["percent"] = ERR_DONE_NEEDS_FULL
        if self.date and self.date > timezone.localdate():
            errors["date"] = ERR_UPDATE_IN_FUTURE
        if errors:
            raise ValidationError(errors)
