"""URL converters shared by the apps."""

from __future__ import annotations

import re


class IdConverter:
    """A database id: at most 18 digits, so it always fits a 64-bit column (else no match, 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


_ID = re.compile(rf"{IdConverter.regex}")


def is_id(value) -> bool:
    """Whether a submitted value is an id the database can hold (the URL converter's rule)."""
    return bool(_ID.fullmatch(str(value)))


class TokenConverter:
    """A secret from secrets.token_urlsafe(): anything else (a NUL byte, say, which PostgreSQL
    cannot even compare) does not match, so it answers 404 before any query."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
