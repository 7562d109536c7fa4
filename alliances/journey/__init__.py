"""The guide's six steps as a checklist computed from the alliance's data, never ticked by hand.

`journey_facts()` reads what the rules need in a fixed number of queries, whatever the size of
the alliance; `journey()` turns the facts into steps and checks. Each check says what is done or
missing, the rule it applies (shown on the page as "why is this not done?") and where to do it.
"""

from .checks import Check, Journey, Step
from .facts import (
    JourneyFacts,
    alliance_today,
    journey_facts,
    sustainability_deadline,
    sustainability_months,
)
from .rules import STEPS, journey, journey_for, sustainability_rule

__all__ = [
    "STEPS",
    "Check",
    "Journey",
    "JourneyFacts",
    "Step",
    "alliance_today",
    "journey",
    "journey_facts",
    "journey_for",
    "sustainability_deadline",
    "sustainability_months",
    "sustainability_rule",
]
