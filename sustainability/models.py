"""The guide's step 6: continuous evaluation (SWOT analyses and the three kinds of evaluation)
and the sustainability plan for what continues after an action plan ends."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.models import limited_text, text_lines

MAX_QUADRANT_CHARS = 5_000
MAX_FINDINGS_CHARS = 10_000

ERR_DATE_IN_FUTURE = _("The date cannot be in the future.")
ERR_EVALUATOR_TYPE = _("Say whether the evaluator is internal or external.")
ERR_EVALUATOR_NAME = _("Name the evaluator, a person or an organisation.")
ERR_SWOT_ELSEWHERE = _("Choose a SWOT analysis of this alliance.")
ERR_DECIDED_NEEDS = _(
    "A decided sustainability plan says what continues, who carries it on and with which "
    "resources: fill in all three before giving the decision date."
)


def _required_text(verbose_name, limit: int) -> models.TextField:
    return models.TextField(verbose_name, max_length=limit, validators=[MaxLengthValidator(limit)])


def _not_in_future(value) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(ERR_DATE_IN_FUTURE)


class Quadrant(models.TextChoices):
    STRENGTHS = "strengths", _("Strengths")
    WEAKNESSES = "weaknesses", _("Weaknesses")
    OPPORTUNITIES = "opportunities", _("Opportunities")
    THREATS = "threats", _("Threats")


class SwotQuerySet(models.QuerySet):
    def complete(self) -> SwotQuerySet:
        """Analyses with all four quadrants filled in (`is_complete`); forms strip what is
        typed, so a quadrant left blank is stored empty."""
        swots = self
        for quadrant in Quadrant.values:
            swots = swots.exclude(**{quadrant: ""})
        return swots


class Swot(models.Model):
    """A SWOT analysis: internal strengths and weaknesses, external opportunities and threats.
    Each quadrant holds one point a line, so analyses made over time can be compared."""

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="swots",
        verbose_name=_("alliance"),
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date of the analysis"), validators=[_not_in_future])
    strengths = limited_text(_("strengths"), MAX_QUADRANT_CHARS)
    weaknesses = limited_text(_("weaknesses"), MAX_QUADRANT_CHARS)
    opportunities = limited_text(_("opportunities"), MAX_QUADRANT_CHARS)
    threats = limited_text(_("threats"), MAX_QUADRANT_CHARS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SwotQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in actionplans/.
        db_table = "actionplans_swot"
        ordering = ["-held_on", "-pk"]
        verbose_name = _("SWOT analysis")
        verbose_name_plural = _("SWOT analyses")

    def __str__(self) -> str:
        return self.title

    def points(self, quadrant: str) -> list[str]:
        """One quadrant's points, one a line, without list marks typed in front."""
        return text_lines(getattr(self, quadrant))

    @property
    def is_complete(self) -> bool:
        """All four quadrants say something: the guide's self-evaluation is done."""
        return all(getattr(self, quadrant).strip() for quadrant in Quadrant.values)


class Evaluation(models.Model):
    """One evaluation of the alliance's work, of one of the guide's three kinds."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-evaluation")
        JOINT = "joint", _("Joint approach: interviews with members")
        EVALUATOR = "evaluator", _("Internal or external evaluator")

    class EvaluatorType(models.TextChoices):
        INTERNAL = "internal", _("Internal (a member of staff)")
        EXTERNAL = "external", _("External (an independent evaluator)")

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("alliance"),
    )
    kind = models.CharField(_("kind of evaluation"), max_length=16, choices=Kind.choices)
    date = models.DateField(_("date"), validators=[_not_in_future])
    evaluator_type = models.CharField(
        _("evaluator"), max_length=16, choices=EvaluatorType.choices, blank=True
    )
    evaluator = models.CharField(_("evaluated by"), max_length=200, blank=True)
    swot = models.ForeignKey(
        Swot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("SWOT analysis used"),
    )
    method = limited_text(_("method"))
    findings = _required_text(_("findings"), MAX_FINDINGS_CHARS)
    follow_up = limited_text(_("follow-up actions"), MAX_FINDINGS_CHARS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # The table keeps the name it had when the model lived in actionplans/.
        db_table = "actionplans_evaluation"
        ordering = ["-date", "-pk"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.EVALUATOR:
            if not self.evaluator_type:
                errors["evaluator_type"] = ERR_EVALUATOR_TYPE
            if not self.evaluator.strip():
                errors["evaluator"] = ERR_EVALUATOR_NAME
        else:
            # Only an evaluator's evaluation has an evaluator type.
            self.evaluator_type = ""
        if self.swot_id and self.swot.alliance_id != self.alliance_id:
            errors["swot"] = ERR_SWOT_ELSEWHERE
        if errors:
            raise ValidationError(errors)


class SustainabilityPlanQuerySet(models.QuerySet):
    def decided(self) -> SustainabilityPlanQuerySet:
        """Plans with a decision date (`is_decided`); the others are still drafts."""
        return self.filter(decision_date__isnull=False)


class SustainabilityPlan(models.Model):
    """What continues after an action plan ends, who carries it on and with what. The guide asks
    for it at least six months before the plan ends; the reminder asks for it then."""

    plan = models.OneToOneField(
        "actionplans.ActionPlan",
        on_delete=models.CASCADE,
        related_name="sustainability_plan",
        verbose_name=_("action plan"),
    )
    what_continues = limited_text(_("what continues"), MAX_FINDINGS_CHARS)
    carried_by = limited_text(_("who carries it on"))
    resources = limited_text(_("resources and funding"))
    committees = limited_text(_("sub-groups or committees"))
    decision_date = models.DateField(
        _("decided on"),
        null=True,
        blank=True,
        validators=[_not_in_future],
        help_text=_("Leave empty while the plan is still a draft."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SustainabilityPlanQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in actionplans/.
        db_table = "actionplans_sustainabilityplan"
        verbose_name = _("sustainability plan")
        verbose_name_plural = _("sustainability plans")

    def __str__(self) -> str:
        return str(_("Sustainability plan for %(plan)s") % {"plan": self.plan})

    @property
    def is_decided(self) -> bool:
        return self.decision_date is not None

    def clean(self) -> None:
        if self.decision_date is not None and not all(
            text.strip() for text in (self.what_continues, self.carried_by, self.resources)
        ):
            raise ValidationError({"decision_date": ERR_DECIDED_NEEDS})
