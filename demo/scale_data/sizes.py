"""How much data each scale writes, and how it is shared among the alliances."""

from __future__ import annotations

from dataclasses import dataclass

# Per unit of scale; the full scale of the benchmarks is 10.
BASE = {
    "alliances": 100,
    "organisations": 5_000,
    "meetings": 1_000,
    "actions": 5_000,
    "signatures": 2_000,
}
# The large alliance, per unit of scale.
LARGE = {"members": 20, "stakeholders": 25, "meetings": 5, "actions": 20}
CONTACTS_PER_ORGANISATION = 2
AGENDA_ITEMS = 15
PROGRESS_UPDATES = 3
GOALS = 5


@dataclass
class Sizes:
    """How much of everything one alliance gets."""

    members: int
    stakeholders: int
    meetings: int
    actions: int


@dataclass
class Totals:
    alliances: int = 0
    users: int = 0
    organisations: int = 0
    contacts: int = 0
    stakeholders: int = 0
    meetings: int = 0
    agenda_items: int = 0
    minutes: int = 0
    participants: int = 0
    actions: int = 0
    progress_updates: int = 0
    signatures: int = 0


def plan_sizes(scale: float) -> list[Sizes]:
    """Each alliance's sizes: the large one first, then the rest of the totals evenly."""
    alliances = max(2, round(BASE["alliances"] * scale))
    large = Sizes(**{name: max(1, round(per_unit * scale)) for name, per_unit in LARGE.items()})
    large.members = max(large.members, 4)
    others = alliances - 1

    def share(total_per_unit: int, taken: int) -> list[int]:
        rest = max(0, round(total_per_unit * scale) - taken)
        return [rest // others + (1 if n < rest % others else 0) for n in range(others)]

    members = share(BASE["signatures"], large.members)
    stakeholders = share(BASE["organisations"], large.stakeholders)
    meetings = share(BASE["meetings"], large.meetings)
    actions = share(BASE["actions"], large.actions)
    return [large] + [
        Sizes(max(4, m), max(1, s), max(1, g), max(1, a))
        for m, s, g, a in zip(members, stakeholders, meetings, actions, strict=True)
    ]
