"""Actions: the one model for every tracked action, whether decided in minutes or planned.

The action-plan issue extends this model with plans, goals, budgets and progress; actions decided
in a meeting's minutes are rows of it from the start and keep a link back to their item.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_DESCRIPTION_CHARS = 4_000

ERR_ONE_RESPONSIBLE = _("Choose who is responsible: a member or an organisation, not both.")
ERR_NO_RESPONSIBLE = _("Choose who is responsible: a member or an organisation.")


class Action(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")
        DROPPED = "dropped", _("Dropped")

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("alliance"),
    )
    title = models.CharField(_("action"), max_length=500)
    description = models.TextField(
        _("description"),
        max_length=MAX_DESCRIPTION_CHARS,
        blank=True,
        # A TextField's max_length only sizes the form's box; the validator makes the model check.
        validators=[MaxLengthValidator(MAX_DESCRIPTION_CHARS)],
    )
    responsible_member = models.ForeignKey(
        "alliances.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("responsible member"),
    )
    responsible_organisation = models.ForeignKey(
        "stakeholders.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("responsible organisation"),
    )
    # Empty is the guide's "not applicable": no date was set for it.
    due_date = models.DateField(_("by date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
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
        ordering = ["due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_member__isnull=True)
                | Q(responsible_organisation__isnull=True),
                name="action_one_kind_of_responsible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.responsible_member_id and self.responsible_organisation_id:
            raise ValidationError(ERR_ONE_RESPONSIBLE)

    @property
    def responsible_label(self) -> str:
        """Who answers for the action, as the minutes print it."""
        if self.responsible_member_id:
            membership = self.responsible_member
            organisation = membership.organisation_name
            return f"{membership.user} ({organisation})" if organisation else str(membership.user)
        if self.responsible_organisation_id:
            return str(self.responsible_organisation)
        return ""
