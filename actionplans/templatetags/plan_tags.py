"""Template filters for plan snapshots, whose dates and amounts are stored as text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import date_format, number_format

register = template.Library()


@register.filter
def iso_date(value: str | None) -> str:
    """An ISO date from a snapshot in the page's date format; empty stays empty."""
    if not value:
        return ""
    try:
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    except ValueError:
        return value


@register.filter
def amount(value) -> str:
    """A decimal (or its text) with grouped thousands and no needless decimals: 125 000."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    places = 0 if number == number.to_integral_value() else 2
    return number_format(number, decimal_pos=places, force_grouping=True)


@register.filter
def numbers(values) -> str:
    """Goal numbers of a snapshot row as "1, 3"."""
    return ", ".join(str(value) for value in values or [])
