"""Alliances, the people in them, invitations and the audit log."""

from __future__ import annotations

import uuid
import zoneinfo
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.bidi import forward_arrow
from alliance_portal.exceptions import InvalidTransition
from alliance_portal.models import AppendOnlyModel, AppendOnlyQuerySet
from alliance_portal.permissions import Role

from .audit_actions import ACTION_LABELS

# Error messages are constants so that tests can import them.
ERR_ONE_CHAIR = _(
    "An alliance has exactly one chair. Hand the chair over to another member instead."
)
ERR_SECOND_CHAIR = _(
    "This alliance already has a chair. The chair can hand the role over to another member."
)
ERR_ACTIVE_NEEDS_CHAIR = _("An active alliance must have a chair.")
ERR_ACTIVE_NEEDS_SECRETARY = _("An active alliance must have at least one secretary.")
ERR_PERIOD_ORDER = _("The period must end after it starts.")
ERR_ALREADY_MEMBER = _("This person is already a member of the alliance.")
ERR_MEMBERSHIP_ENDED = _("This membership has already ended.")
ERR_ACTIVATE_STATUS = _("Only an alliance that is being formed can be activated.")
ERR_CLOSE_STATUS = _("Only an active alliance can be closed.")
ERR_REOPEN_STATUS = _("Only a closed alliance can be reopened.")
ERR_CURRENCY_CODE = _("Give the currency as a three-letter code such as SEK or EUR.")
ERR_INVITATION_USED = _("This invitation has already been used.")
ERR_INVITATION_REVOKED = _("This invitation has been withdrawn.")
ERR_INVITATION_EXPIRED = _("This invitation has expired. Ask the alliance for a new one.")
ERR_AUDIT_APPEND_ONLY = "Audit entries are append-only."
EMPTY_VALUE = "\N{EN DASH}"  # how an empty before/after value shows in the audit log

# The guide recommends an action period of 12-18 months; outside that range is allowed but flagged.
RECOMMENDED_PERIOD_MONTHS = (12, 18)


class PortalUserManager(UserManager):
    def get_by_natural_key(self, username):
        # People type their address in any case; addresses are stored lower-case.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person who logs in with their email address. Roles live on memberships."""

    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    objects = PortalUserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.username

    def save(self, *args, **kwargs):
        # One address, one account: compare addresses case-insensitively by storing them lower-case.
        if self.email:
            self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Alliance(models.Model):
    class Status(models.TextChoices):
        FORMING = "forming", _("Being formed")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    region = models.TextField(
        _("region"),
        help_text=_(
            "The geographic area the alliance covers, e.g. the municipalities it includes."
        ),
    )
    purpose = models.TextField(_("purpose"), blank=True)
    vision = models.TextField(_("vision"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    rules_of_operation = models.TextField(
        _("rules of operation"),
        blank=True,
        help_text=_("How the alliance works: meetings, decisions, responsibilities."),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(
        _("period end"),
        null=True,
        blank=True,
        help_text=_("The guide recommends a period of 12 to 18 months."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.FORMING
    )
    public_profile = models.TextField(
        _("public profile"),
        blank=True,
        help_text=_("A short public description of the alliance."),
    )
    # The public profile page is opt-in: it exists only while this is on. Its address keeps the
    # slug it was first published under, so links that were shared keep working.
    profile_public = models.BooleanField(_("public profile page published"), default=False)
    public_slug = models.SlugField(
        _("address of the public page"), max_length=80, unique=True, null=True, blank=True
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=_timezone_choices, default="Europe/Stockholm"
    )
    # The guide's own words in new content (standing agenda items, the agreement's template,
    # the mapping questions, the SWOT prompts) are written in this language; empty keeps them in
    # the language of the person who creates it.
    language = models.CharField(
        _("main language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "New agendas, the agreement's template and other texts from the guide are written in "
            "this language. Leave it empty to use the language of whoever creates them."
        ),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="SEK",
        validators=[RegexValidator(r"^[A-Z]{3}\Z", ERR_CURRENCY_CODE)],
        help_text=_("New budgets are in this currency (a code such as SEK, DKK or EUR)."),
    )
    # A single sign-on provider's name (OIDC_PROVIDERS) the members must log in with to open
    # the alliance's pages; empty: a password or any provider (alliances.signin).
    login_provider = models.CharField(
        _("members log in with"),
        max_length=40,
        blank=True,
        help_text=_(
            "To open this alliance's pages, members must have logged in with this provider."
        ),
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (%)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of members who must be present for a meeting to take decisions."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise ValidationError({"period_end": ERR_PERIOD_ORDER})

    @property
    def period_months(self) -> int | None:
        if not (self.period_start and self.period_end):
            return None
        start, end = self.period_start, self.period_end
        return (end.year - start.year) * 12 + (end.month - start.month)

    @property
    def period_outside_recommendation(self) -> bool:
        months = self.period_months
        low, high = RECOMMENDED_PERIOD_MONTHS
        return months is not None and not (low <= months <= high)

    def leadership_problems(self, roles: list[str], *, status: str | None = None) -> list[str]:
        """What is wrong with these active roles for this (or the given) status; empty when fine."""
        counts = Counter(roles)
        problems = []
        if counts[Role.CHAIR] > 1:
            problems.append(ERR_SECOND_CHAIR)
        if (status or self.status) == self.Status.ACTIVE:
            if counts[Role.CHAIR] == 0:
                problems.append(ERR_ACTIVE_NEEDS_CHAIR)
            if counts[Role.SECRETARY] == 0:
                problems.append(ERR_ACTIVE_NEEDS_SECRETARY)
        return problems

    def active_roles(self) -> list[str]:
        return list(self.memberships.active().values_list("role", flat=True))

    def activate(self) -> None:
        if self.status != self.Status.FORMING:
            raise InvalidTransition(ERR_ACTIVATE_STATUS)
        self.status = self.Status.ACTIVE
        problems = self.leadership_problems(self.active_roles())
        if problems:
            self.status = self.Status.FORMING
            raise InvalidTransition(problems)

    def close(self) -> None:
        if self.status != self.Status.ACTIVE:
            raise InvalidTransition(ERR_CLOSE_STATUS)
        self.status = self.Status.CLOSED

    def reopen(self) -> None:
        if self.status != self.Status.CLOSED:
            raise InvalidTransition(ERR_REOPEN_STATUS)
        self.status = self.Status.ACTIVE
        problems = self.leadership_problems(self.active_roles())
        if problems:
            self.status = self.Status.CLOSED
            raise InvalidTransition(problems)


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(ended_at__isnull=True)

    def seated(self) -> MembershipQuerySet:
        """Active members who hold a seat: everyone but observers."""
        return self.active().exclude(role=Role.OBSERVER)


class Membership(models.Model):
    """A person's seat in an alliance. Ending it keeps the row: the history stays."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("alliance")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    organisation_name = models.CharField(
        _("organisation"),
        max_length=200,
        blank=True,
        help_text=_("The organisation this person represents; empty for a personal member."),
    )
    organisation = models.ForeignKey(
        "stakeholders.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation in the register"),
        help_text=_("Links the seat to the register, so representation balance can count it."),
    )
    contact = models.ForeignKey(
        "stakeholders.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("contact person in the register"),
    )
    started_at = models.DateTimeField(_("member since"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(_("reason for ending"), max_length=500, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["alliance", "user__first_name", "user__last_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "user"],
                condition=Q(ended_at__isnull=True),
                name="one_active_membership_per_user",
            ),
            models.UniqueConstraint(
                fields=["alliance"],
                condition=Q(ended_at__isnull=True, role="chair"),
                name="one_active_chair_per_alliance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def end(self, *, by, reason: str = "") -> None:
        if self.ended_at is not None:
            raise InvalidTransition(ERR_MEMBERSHIP_ENDED)
        self.ended_at = timezone.now()
        self.ended_by = by
        self.end_reason = reason


def _default_invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        """Neither accepted, withdrawn nor expired."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An invitation by email to join an alliance. The emailed link carries a signed `key`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("alliance")
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    # The person invited has no account yet, so the inviter chooses the language of their mail
    # and of the pages they open from it; empty is the inviter's own.
    language = models.CharField(
        _("language of the invitation"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), default=_default_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.alliance}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if timezone.now() >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def guest_language(self) -> str:
        """The language of the mail and of the pages opened from it for someone with no account:
        the one the inviter chose, else the inviter's own."""
        return self.language or self.invited_by.preferred_language

    def ensure_usable(self) -> None:
        """Raises InvalidTransition with the reason this invitation can no longer be accepted."""
        status = self.status
        if status == self.Status.ACCEPTED:
            raise InvalidTransition(ERR_INVITATION_USED, code="used")
        if status == self.Status.REVOKED:
            raise InvalidTransition(ERR_INVITATION_REVOKED, code="revoked")
        if status == self.Status.EXPIRED:
            raise InvalidTransition(ERR_INVITATION_EXPIRED, code="expired")

    def accept(self, *, by) -> None:
        self.ensure_usable()
        self.accepted_at = timezone.now()
        self.accepted_by = by

    def revoke(self) -> None:
        self.ensure_usable()
        self.revoked_at = timezone.now()


class AuditEntry(AppendOnlyModel):
    """One thing someone did. Written by services through audit_record(); never changed."""

    alliance = models.ForeignKey(
        Alliance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("alliance"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Kept as text too, so the entry still reads right if the account is renamed.
    actor_label = models.CharField(_("actor"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    APPEND_ONLY_MESSAGE = ERR_AUDIT_APPEND_ONLY
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["alliance", "-created_at"], name="audit_alliance_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def action_label(self) -> str:

        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def change_lines(self) -> list[str]:
        """The recorded details as short "field: before → after" lines."""
        lines = []
        arrow = forward_arrow()
        for key, value in (self.changes or {}).items():
            if isinstance(value, dict) and set(value) == {"from", "to"}:
                before, after = value["from"] or EMPTY_VALUE, value["to"] or EMPTY_VALUE
                lines.append(f"{key}: {before} {arrow} {after}")
            elif value not in ("", None, {}):
                lines.append(f"{key}: {value}")
        return lines
