"""Template filters for plan snapshots, whose dates and amounts are stored as text."""

from __future__ import annotations

from django import template

from ..formatting import amount_text, date_text, money_text, period_text

register = template.Library()


@register.filter
def iso_date(value: str | None) -> str:
    """An ISO date from a snapshot in the page's date format; empty stays empty."""
    return date_text(value)


@register.filter
def amount(value) -> str:
    """A decimal (or its text) with grouped thousands and no needless decimals: 125 000."""
    return amount_text(value)


@register.filter
def money(value, currency: str) -> str:
    """A budget with its currency: `{{ action.budget_amount|money:action.budget_currency }}`."""
    return money_text(value, currency)


@register.filter
def period(start, due) -> str:
    """An action's timeline: `{{ action.start_date|period:action.due_date }}`."""
    return period_text(start, due)


@register.filter
def numbers(values) -> str:
    """Goal numbers of a snapshot row as "1, 3"."""
    return ", ".join(str(value) for value in values or [])
