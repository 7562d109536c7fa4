"""The signed token in a reminder mail's "stop these reminders" link.

It names a person and a kind of reminder and nothing else, and never expires: a mail read months
later must still be able to switch its reminders off.
"""

from __future__ import annotations

from django.core import signing

from .models import ReminderKind

SALT = "reminders.stop"


def stop_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": str(kind)}, salt=SALT, compress=True)


def read_stop_token(token: str) -> tuple[int, str] | None:
    """(user id, kind), or None for a token that was tampered with or names no kind."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or kind not in ReminderKind.values:
        return None
    return user_id, kind
