"""Outreach: the information material and invitation for new members (the guide's step 2) and
the communication plan with what was carried out (step 5).

The public profile's switch lives on the alliance itself (`Alliance.profile_public`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.models import limited_text, text_lines

# The guide: information material gives "at least five reasons to join".
MIN_REASONS_TO_JOIN = 5
MAX_MATERIAL_CHARS = 5_000

ERR_DONE_IN_FUTURE = _("A communication cannot be recorded as carried out in the future.")
ERR_PRESS_CONTACT = _("Choose a current member of this alliance as the press contact.")


class InformationMaterial(models.Model):
    """What new members receive: why the alliance, the regional situation, the reasons to join
    and the time asked of them, with practical facts for the invitation."""

    alliance = models.OneToOneField(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="information_material",
        verbose_name=_("alliance"),
    )
    why_alliance = limited_text(_("why the alliance"), MAX_MATERIAL_CHARS)
    regional_situation = limited_text(
        _("the regional situation and its challenges"), MAX_MATERIAL_CHARS
    )
    reasons_to_join = limited_text(_("reasons to join"), MAX_MATERIAL_CHARS)
    time_commitment = limited_text(_("expected time commitment"), MAX_MATERIAL_CHARS)
    target_group = models.CharField(_("who is invited"), max_length=300, blank=True)
    registration = limited_text(_("how and by when to register"))
    practical_details = limited_text(_("cost and travel"))
    contact = models.CharField(_("contact for questions"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_informationmaterial"
        verbose_name = _("information material")
        verbose_name_plural = _("information material")

    def __str__(self) -> str:
        return str(_("Information material of %(alliance)s") % {"alliance": self.alliance})

    @property
    def reasons(self) -> list[str]:
        """The reasons to join, one a line."""
        return text_lines(self.reasons_to_join)

    def missing_parts(self) -> list[str]:
        """What the guide's checklist still lacks, as labels; empty when complete."""
        missing = []
        if not self.why_alliance.strip():
            missing.append(str(_("why the alliance")))
        if not self.regional_situation.strip():
            missing.append(str(_("the regional situation")))
        reasons = len(self.reasons)
        if reasons < MIN_REASONS_TO_JOIN:
            missing.append(
                str(
                    _("at least %(min)d reasons to join (%(count)d given)")
                    % {"min": MIN_REASONS_TO_JOIN, "count": reasons}
                )
            )
        if not self.time_commitment.strip():
            missing.append(str(_("the expected time commitment")))
        return missing


class CommunicationPlan(models.Model):
    """The alliance's communication plan: who tells whom what, how and how often, and the
    member who answers the press."""

    alliance = models.OneToOneField(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="communication_plan",
        verbose_name=_("alliance"),
    )
    press_contact = models.ForeignKey(
        "alliances.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("communication and press contact"),
    )
    strategy = limited_text(_("the strategy in a few words"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_communicationplan"
        verbose_name = _("communication plan")
        verbose_name_plural = _("communication plans")

    def __str__(self) -> str:
        return str(_("Communication plan of %(alliance)s") % {"alliance": self.alliance})

    def clean(self) -> None:
        contact = self.press_contact
        if contact is not None and (
            contact.alliance_id != self.alliance_id or not contact.is_active
        ):
            raise ValidationError({"press_contact": ERR_PRESS_CONTACT})


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every three months")
    HALF_YEARLY = "half_yearly", _("Twice a year")
    YEARLY = "yearly", _("Once a year")


# How long a recurring communication may go without being carried out before it is overdue:
# the interval and a week's grace.
FREQUENCY_DAYS = {
    Frequency.WEEKLY: 7,
    Frequency.MONTHLY: 31,
    Frequency.QUARTERLY: 92,
    Frequency.HALF_YEARLY: 183,
    Frequency.YEARLY: 366,
}
GRACE_DAYS = 7


class CommunicationEntry(models.Model):
    """One row of the guide's communication plan."""

    plan = models.ForeignKey(
        CommunicationPlan,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("communication plan"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    audience = models.CharField(_("stakeholder (group)"), max_length=200)
    purpose = limited_text(_("purpose (desired action)"))
    message = limited_text(_("content of the message"))
    delivery = limited_text(_("delivery (methods and place)"))
    frequency = models.CharField(
        _("how often"), max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    timing = models.CharField(
        _("when"),
        max_length=200,
        blank=True,
        help_text=_("In words, e.g. “the week after each plenary meeting”."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_communicationentry"
        ordering = ["position", "pk"]
        verbose_name = _("communication plan row")
        verbose_name_plural = _("communication plan rows")

    def __str__(self) -> str:
        return self.audience

    @property
    def alliance(self):
        return self.plan.alliance

    def overdue_since(self, last_done: date | None, *, today: date) -> date | None:
        """The day a recurring communication fell due again and was not carried out, or None.

        A row never carried out is not "overdue" but "not carried out yet" (last_done None)."""
        days = FREQUENCY_DAYS.get(self.frequency)
        if days is None or last_done is None:
            return None
        due = last_done + timedelta(days=days)
        return due if today > due + timedelta(days=GRACE_DAYS) else None


class CommunicationLog(models.Model):
    """A communication from the plan that was carried out, with what was done."""

    entry = models.ForeignKey(
        CommunicationEntry,
        on_delete=models.CASCADE,
        related_name="logs",
        verbose_name=_("communication plan row"),
    )
    date = models.DateField(_("carried out on"))
    note = limited_text(_("what was done"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_communicationlog"
        ordering = ["-date", "-pk"]
        verbose_name = _("communication carried out")
        verbose_name_plural = _("communications carried out")

    def __str__(self) -> str:
        return f"{self.entry}: {self.date}"

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": ERR_DONE_IN_FUTURE})
