"""Money as its reader expects to see it: the reader's number format and the currency's own
symbol, "180 000 kr" for a Swedish reader, "65.000 kr." for a Danish one, "65 000 €" in French.

The reader is whoever the active language belongs to (the page's language, or a mail's
recipient while it is rendered); the currency is the amount's own, whoever reads it.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name, get_currency_symbol, parse_pattern
from django.conf import settings
from django.utils import translation

# The currencies an alliance can choose from: Europe's, and the dollar for funders that use it.
CURRENCY_CODES = (
    "SEK",
    "DKK",
    "NOK",
    "ISK",
    "EUR",
    "CHF",
    "GBP",
    "PLN",
    "CZK",
    "HUF",
    "RON",
    "BGN",
    "USD",
)
NO_BREAK_SPACE = "\N{NO-BREAK SPACE}"


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of a Django language code (the active one by default)."""
    code = translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def currency_name(code: str, language: str | None = None) -> str:
    """The currency's name in the reader's language ("couronne suédoise"); unknown codes stay."""
    return get_currency_name(code, locale=babel_locale(language))


def currency_choices(extra: str = "") -> list[tuple[str, str]]:
    """The offered currencies, each named in the active language: "Swedish Krona (SEK)". A code
    outside the list that is already saved (`extra`) stays offered, so editing keeps it."""
    codes = list(CURRENCY_CODES)
    if extra and extra not in codes:
        codes.append(extra)
    return [(code, f"{currency_name(code)} ({code})") for code in codes]


def _decimal(amount) -> Decimal | None:
    if amount in (None, ""):
        return None
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _spaced(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol made of letters ("SEK") gets a
    no-break space where it touches a digit, so English reads "SEK 180,000", not "SEK180,000"."""
    at = text.find(symbol) if symbol else -1
    if at < 0:
        return text
    end = at + len(symbol)
    if symbol[-1].isalpha() and end < len(text) and text[end].isdigit():
        text = text[:end] + NO_BREAK_SPACE + text[end:]
    if symbol[0].isalpha() and at > 0 and text[at - 1].isdigit():
        text = text[:at] + NO_BREAK_SPACE + text[at:]
    return text


def format_money(amount, currency: str, language: str | None = None) -> str:
    """An amount in its currency, in the reader's format: whole amounts without decimals
    ("180 000 kr"), others with the currency's usual decimals ("1 234,50 kr"). Text that is not
    a number comes back as it was; no amount is empty."""
    number = _decimal(amount)
    if number is None:
        return "" if amount in (None, "") else str(amount)
    locale = babel_locale(language)
    pattern = copy.copy(parse_pattern(locale.currency_formats["standard"]))
    if number == number.to_integral_value():
        pattern.frac_prec = (0, 0)
        text = pattern.apply(number, locale, currency=currency, currency_digits=False)
    else:
        text = pattern.apply(number, locale, currency=currency)
    return _spaced(text, get_currency_symbol(currency, locale=locale))
