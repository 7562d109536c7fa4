"""Reads of the guide's step 6: SWOT analyses and their comparison, evaluations, and the
sustainability plans with the dates the guide asks for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from actionplans.models import ActionPlan, PlanVersion
from alliances.models import Alliance

from .guide import SWOT_PROMPTS
from .models import Evaluation, Quadrant, SustainabilityPlan, Swot
from .rules import sustainability_deadline


def swot_list(*, alliance: Alliance) -> QuerySet[Swot]:
    return Swot.objects.filter(alliance=alliance).select_related("created_by")


def latest_swot(*, alliance: Alliance, on_or_before: date | None = None) -> Swot | None:
    swots = Swot.objects.filter(alliance=alliance)
    if on_or_before is not None:
        swots = swots.filter(held_on__lte=on_or_before)
    return swots.order_by("-held_on", "-pk").first()


@dataclass(frozen=True)
class QuadrantView:
    key: str
    label: str
    points: list[str]
    prompts: tuple


def quadrants(swot: Swot | None) -> list[QuadrantView]:
    """The four quadrants in the guide's order, each with its points and prompt questions."""
    return [
        QuadrantView(
            key=quadrant.value,
            label=str(quadrant.label),
            points=swot.points(quadrant.value) if swot else [],
            prompts=SWOT_PROMPTS[quadrant],
        )
        for quadrant in Quadrant
    ]


@dataclass(frozen=True)
class QuadrantComparison:
    key: str
    label: str
    kept: list[str]
    added: list[str]
    dropped: list[str]


def swot_comparison(earlier: Swot, later: Swot) -> list[QuadrantComparison]:
    """Per quadrant: the points both name, those new in the later analysis and those it no
    longer names. Points match when they read the same, ignoring case."""
    comparisons = []
    for quadrant in Quadrant:
        before = earlier.points(quadrant.value)
        after = later.points(quadrant.value)
        before_keys = {point.casefold() for point in before}
        after_keys = {point.casefold() for point in after}
        comparisons.append(
            QuadrantComparison(
                key=quadrant.value,
                label=str(quadrant.label),
                kept=[point for point in after if point.casefold() in before_keys],
                added=[point for point in after if point.casefold() not in before_keys],
                dropped=[point for point in before if point.casefold() not in after_keys],
            )
        )
    return comparisons


def evaluation_list(*, alliance: Alliance) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(alliance=alliance).select_related("swot", "created_by")


@dataclass(frozen=True)
class SustainabilityRow:
    plan: ActionPlan
    approved: bool
    deadline: date
    sustainability: SustainabilityPlan | None

    @property
    def decided_late(self) -> bool:
        item = self.sustainability
        return bool(item and item.is_decided and item.decision_date > self.deadline)


def sustainability_rows(*, alliance: Alliance, months: int) -> list[SustainabilityRow]:
    """Every action plan of the alliance, latest ending first, with its sustainability plan and
    the date the guide asks for it."""
    approved = PlanVersion.objects.approved().filter(plan=OuterRef("pk"))
    plans = (
        ActionPlan.objects.filter(alliance=alliance)
        .annotate(has_approved=Exists(approved))
        .select_related("sustainability_plan")
        .order_by("-period_end", "-pk")
    )
    rows = []
    for plan in plans:
        try:
            sustainability = plan.sustainability_plan
        except SustainabilityPlan.DoesNotExist:
            sustainability = None
        rows.append(
            SustainabilityRow(
                plan=plan,
                approved=plan.has_approved,
                deadline=sustainability_deadline(plan.period_end, months),
                sustainability=sustainability,
            )
        )
    return rows


def sustainability_of(plan: ActionPlan) -> SustainabilityPlan | None:
    return SustainabilityPlan.objects.filter(plan=plan).select_related("updated_by").first()
