"""Every write of the guide's step 6: validated, atomic and written to the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from actionplans.models import ActionPlan
from alliances.audit import audit_record, save_and_audit
from alliances.models import Alliance, User

from .models import Evaluation, SustainabilityPlan, Swot

SWOT_FIELDS = ("title", "held_on", "strengths", "weaknesses", "opportunities", "threats")
EVALUATION_FIELDS = (
    "kind",
    "date",
    "evaluator_type",
    "evaluator",
    "swot",
    "method",
    "findings",
    "follow_up",
)
SUSTAINABILITY_FIELDS = ("what_continues", "carried_by", "resources", "committees", "decision_date")


@transaction.atomic
def swot_save(*, alliance: Alliance, actor: User, swot: Swot | None = None, **fields: Any) -> Swot:
    """Creates a SWOT analysis, or updates the one given."""
    return save_and_audit(
        swot or Swot(alliance=alliance, created_by=actor),
        actor=actor,
        alliance=alliance,
        fields=fields,
        allowed=SWOT_FIELDS,
        created_action="swot.created",
        updated_action="swot.updated",
        created=swot is None,
    )


@transaction.atomic
def swot_delete(*, swot: Swot, actor: User) -> None:
    audit_record(actor=actor, action="swot.deleted", obj=swot, alliance=swot.alliance)
    swot.delete()


@transaction.atomic
def evaluation_save(
    *, alliance: Alliance, actor: User, evaluation: Evaluation | None = None, **fields: Any
) -> Evaluation:
    """Records an evaluation, or updates the one given. A SWOT of another alliance is refused
    by the model's own check."""
    return save_and_audit(
        evaluation or Evaluation(alliance=alliance, created_by=actor),
        actor=actor,
        alliance=alliance,
        fields=fields,
        allowed=EVALUATION_FIELDS,
        created_action="evaluation.created",
        updated_action="evaluation.updated",
        created=evaluation is None,
    )


@transaction.atomic
def evaluation_delete(*, evaluation: Evaluation, actor: User) -> None:
    audit_record(
        actor=actor, action="evaluation.deleted", obj=evaluation, alliance=evaluation.alliance
    )
    evaluation.delete()


@transaction.atomic
def sustainability_save(*, plan: ActionPlan, actor: User, **fields: Any) -> SustainabilityPlan:
    """Creates or updates the sustainability plan that follows an action plan. Giving it a
    decision date answers the reminder sent six months before the plan ends."""
    existing = SustainabilityPlan.objects.filter(plan=plan).first()
    item = existing or SustainabilityPlan(plan=plan)
    item.plan = plan
    item.updated_by = actor
    return save_and_audit(
        item,
        actor=actor,
        alliance=plan.alliance,
        fields=fields,
        allowed=SUSTAINABILITY_FIELDS,
        created_action="sustainability.created",
        updated_action="sustainability.updated",
        created=existing is None,
    )
