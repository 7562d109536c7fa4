"""What the step-6 tests share: a fixed "today", SWOT analyses and evaluations made through the
services, and a snapshot of every row the step-6 pages write."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from alliances.models import AuditEntry
from sustainability import services
from sustainability.models import Evaluation, SustainabilityPlan, Swot

# Mid-June 2027, half-way through the factories' plan period (January 2027 to June 2028).
NOW = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)
TODAY = date(2027, 6, 15)
# Six months before the factories' plan ends on 30 June 2028.
DEADLINE = date(2027, 12, 30)


@pytest.fixture(autouse=True)
def clock():
    """Every test sees the same today; a test may move the clock on."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def url(name: str, alliance, *ids) -> str:
    return reverse(f"sustainability:{name}", args=[alliance.pk, *ids])


def page(response) -> str:
    return response.content.decode(errors="replace")


def make_swot(alliance, actor, **fields) -> Swot:
    values = {
        "title": "Kick-off SWOT",
        "held_on": date(2027, 3, 10),
        "strengths": "Committed municipalities\nMigrant organisations at the table",
        "weaknesses": "Few members from business",
        "opportunities": "Regional funding for integration",
        "threats": "Short project funding",
        **fields,
    }
    return services.swot_save(alliance=alliance, actor=actor, **values)


def make_evaluation(alliance, actor, **fields) -> Evaluation:
    values = {
        "kind": Evaluation.Kind.JOINT,
        "date": date(2027, 5, 20),
        "method": "Interviews with nine members, then a joint meeting.",
        "findings": "Members trust the mapping; business is missing.",
        "follow_up": "The coordinator invites the chamber of commerce.",
        **fields,
    }
    return services.evaluation_save(alliance=alliance, actor=actor, **values)


def stored() -> tuple:
    """Every row the step-6 pages write, as stored, and the size of the audit log."""
    return (
        list(Swot.objects.order_by("pk").values()),
        list(Evaluation.objects.order_by("pk").values()),
        list(SustainabilityPlan.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )
