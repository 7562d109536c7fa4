"""The guide's rule for the sustainability plan: decided at least six months before the action
plan ends, or as many months as the alliance chose."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from alliance_portal.dates import months_before
from alliances.models import Alliance

# The guide: "at least six months before the plan ends".
GUIDE_MONTHS_BEFORE_END = 6

# An alliance may choose another number of months. The choice is kept with its reminder
# settings, in an app that builds on this one and so cannot be imported from here: that app
# hands over its reader when it loads (`register_months_source`, called from its
# AppConfig.ready()). A plain function slot rather than a signal, because exactly one answer is
# wanted and it is read on every page that shows a deadline. The reader returns None when the
# alliance chose nothing.
MonthsSource = Callable[[Alliance], int | None]
_months_source: MonthsSource | None = None


def register_months_source(source: MonthsSource) -> None:
    global _months_source
    _months_source = source


def sustainability_months(alliance: Alliance) -> int:
    """How many months before an action plan ends its sustainability plan is due: the
    alliance's choice, by default the guide's six."""
    months = _months_source(alliance) if _months_source is not None else None
    return months or GUIDE_MONTHS_BEFORE_END


def sustainability_deadline(period_end: date, months: int) -> date:
    """The day the guide's "at least six months before the plan ends" falls on."""
    return months_before(period_end, months)
