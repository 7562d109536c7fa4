"""The count beside "My work" in the top bar, kept a minute per person.

Counting what waits takes one query, but Django compiles its nine subqueries anew on every page,
which cost more than the rest of a small page. The count is therefore kept per person for
settings.WAITING_COUNT_FRESH_FOR seconds (a minute); the person's own changes (any request that
is not a read) forget it at once, and the "My work" page itself always counts afresh and keeps
what it counted. Something another person does for them (a new invitation, circulated minutes)
shows in their count within the minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def fresh_for() -> int:
    """Seconds a count is kept (settings.WAITING_COUNT_FRESH_FOR); 0 keeps none."""
    return settings.WAITING_COUNT_FRESH_FOR


def _key(user) -> str:
    return f"mywork:waiting:{user.pk}"


def remembered_waiting_count(user, count: Callable[[], int]) -> int:
    """The person's kept count, or `count()` counted now and kept."""
    if not fresh_for():
        return count()
    try:
        kept = cache.get(_key(user))
    except Exception:  # any cache backend's own connection error: count without it
        logger.warning("The cache could not be reached for the waiting count", exc_info=True)
        return count()
    if kept is not None:
        return kept
    value = count()
    remember_waiting_count(user, value)
    return value


def remember_waiting_count(user, value: int) -> None:
    if not fresh_for():
        return
    try:
        cache.set(_key(user), value, fresh_for())
    except Exception:  # the count is only kept to save work; the page goes on without it
        logger.warning("The cache could not be reached for the waiting count", exc_info=True)


def forget_waiting_count(user) -> None:
    try:
        cache.delete(_key(user))
    except Exception:  # nothing kept that could be stale when the cache is unreachable
        logger.warning("The cache could not be reached for the waiting count", exc_info=True)
