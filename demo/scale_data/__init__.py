"""Realistic data at scale for the benchmarks: many alliances, each with its register, meetings,
minutes, plan and agreement, written with bulk inserts and reproducible from a seed.

At scale 1 there are 100 alliances, 5,000 organisations, 10,000 contacts, 1,000 meetings (15
agenda items and minutes each), 5,000 actions with progress history and 2,000 signatures; scale
10 is ten times that. The first alliance, the large one, grows with the scale too (20 members,
25 stakeholders, 5 meetings and 20 actions per unit of scale), so that the benchmarks can compare
the same pages over ten times the rows. The others share the rest evenly.

Only the text is reproducible from the seed: dates are counted back from the day it runs, so
that meetings are held and actions due as on a real portal.
"""

from .generator import EMAIL_DOMAIN, LARGE_ALLIANCE_PREFIX, PASSWORD, Generator
from .sizes import BASE, LARGE, Sizes, Totals, plan_sizes

__all__ = [
    "BASE",
    "EMAIL_DOMAIN",
    "LARGE",
    "LARGE_ALLIANCE_PREFIX",
    "PASSWORD",
    "Generator",
    "Sizes",
    "Totals",
    "plan_sizes",
]
