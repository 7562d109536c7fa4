"""Demo evaluation: two SWOT analyses to compare and a self-evaluation based on the later one.
The sustainability plan is left to write: the journey shows it as the alliance's next step."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from alliances.models import Alliance, User

from . import services
from .models import Evaluation, Swot

KICK_OFF = {
    "title": "Kick-off SWOT",
    "strengths": "Committed municipalities\nMigrant organisations at the table",
    "weaknesses": "No shared picture of existing support\nFew members from business",
    "opportunities": "Regional funding for integration\nThe libraries' language cafés",
    "threats": "Staff turnover in the municipalities\nShort project funding",
}
AUTUMN = {
    "title": "Autumn review",
    "strengths": (
        "Committed municipalities\nMigrant organisations at the table\nA mapped support landscape"
    ),
    "weaknesses": "Few members from business\nMinutes reach members late",
    "opportunities": "Regional funding for integration\nThe county's new health strategy",
    "threats": "Staff turnover in the municipalities",
}


def has_evaluation(alliance: Alliance) -> bool:
    return Swot.objects.filter(alliance=alliance).exists()


def seed_evaluation(*, alliance: Alliance, coordinator: User) -> None:
    today = timezone.localdate()
    services.swot_save(
        alliance=alliance, actor=coordinator, held_on=today - timedelta(days=60), **KICK_OFF
    )
    autumn = services.swot_save(
        alliance=alliance, actor=coordinator, held_on=today - timedelta(days=7), **AUTUMN
    )
    services.evaluation_save(
        alliance=alliance,
        actor=coordinator,
        kind=Evaluation.Kind.SELF,
        date=today - timedelta(days=7),
        swot=autumn,
        method="A SWOT analysis at the plenary meeting, in four groups.",
        findings="The mapping is done and trusted; business is still missing from the alliance.",
        follow_up="The coordinator invites the chamber of commerce before the next plenary.",
    )
