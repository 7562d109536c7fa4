"""How plan pages, the plan PDF and the version diff print amounts, money and dates.

Snapshots store decimals and dates as text ("25000.00", "2027-01-06"); every place that shows
them goes through these, so a budget reads "25 000 kr" (for a Swedish reader) in the table and
in the diff alike.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from alliance_portal.money import format_money


def amount_text(value) -> str:
    """A decimal (or its text) with grouped thousands and no needless decimals: 125 000."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    places = 0 if number == number.to_integral_value() else 2
    return number_format(number, decimal_pos=places, force_grouping=True)


def money_text(amount, currency: str) -> str:
    """An amount in its currency and the reader's format, "25 000 kr" for a Swedish reader;
    without a currency it is a plain amount; no amount is empty."""
    if not currency:
        return amount_text(amount)
    return format_money(amount, currency)


def date_text(value) -> str:
    """A date, or its ISO text from a snapshot, in the page's date format; empty stays empty."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value, "DATE_FORMAT")


def period_text(start, due) -> str:
    """An action's timeline as every page prints it: both dates joined by a dash, "By 30 Nov
    2027" without a start, "From 1 Feb 2027" without a due date, else "Not applicable"."""
    start, due = date_text(start), date_text(due)
    if start and due:
        return f"{start} \N{EN DASH} {due}"
    if due:
        return gettext("By %(date)s") % {"date": due}
    if start:
        return gettext("From %(date)s") % {"date": start}
    return gettext("Not applicable")
