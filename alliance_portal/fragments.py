"""Rendered fragments kept in the cache under a key made of what they show.

A long table repeats one row template hundreds of times, and Django's template engine costs from
half a millisecond to a few milliseconds a row. Each row here is kept under a key built from
everything that changes its HTML: the values it shows, its own and those from elsewhere (a
person's name, a goal's number), the reader's language and what the reader may do there, and
the text of its templates. A change to any of them makes a new key, so a changed row is never
served from the cache; nothing is invalidated by time. Entries nobody asks for any more leave the
cache after `UNUSED_FOR`, which only frees memory.

A fragment must not hold anything that differs between two requests with the same key: no CSRF
token (forms in cached rows point at one form outside them with the `form` attribute), no
messages, nothing from `request`. `render_rows` renders without a request to make sure of it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable, Sequence

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

# Housekeeping only: a key that changed is never asked for again, so its entry can go.
UNUSED_FOR = 7 * 24 * 3600
KEY_PREFIX = "fragment"


def fragment_key(name: str, parts: Sequence[Hashable], language: str | None = None) -> str:
    """The cache key of a fragment called `name` with these parts, in the active language."""
    language = language or get_language()
    digest = hashlib.blake2b(repr((language, *parts)).encode(), digest_size=16)
    return f"{KEY_PREFIX}:{name}:{digest.hexdigest()}"


def render_rows(
    template_name: str,
    keys: Sequence[tuple[Hashable, ...]],
    contexts: Callable[[list[int]], dict[int, dict]],
    *,
    name: str,
    includes: Sequence[str] = (),
) -> SafeString:
    """Rows rendered with `template_name`, each taken from the cache where it is there.

    `keys` holds, for each row in order, the values that decide its HTML. `contexts` is called
    with the positions of the rows the cache lacks and returns their template contexts, so that
    only those rows' data need be loaded. The whole run of rows is kept too, under the key of all
    its rows' keys: a page whose rows have not changed since it was last shown costs one read.
    `includes` names the templates the row template includes, whose text is part of the key too.
    """
    template = get_template(template_name)
    # A new release's templates make new keys: a row rendered by the old ones is not served.
    sources = [template, *(get_template(name) for name in includes)]
    text = "".join(each.template.source for each in sources)
    source = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    language = get_language()
    row_keys = [fragment_key(name, (source, *key), language) for key in keys]
    table_key = fragment_key(f"{name}:all", row_keys, language)
    whole = _cache_call(cache.get, table_key)
    if whole is not None:
        return mark_safe(whole)  # noqa: S308 - rendered by our own template
    found = _cache_call(cache.get_many, row_keys) or {}
    missing = [index for index, key in enumerate(row_keys) if key not in found]
    rendered = {
        row_keys[index]: template.render(context)
        for index, context in (contexts(missing).items() if missing else ())
    }
    if rendered:
        _cache_call(cache.set_many, rendered, UNUSED_FOR)
    whole = "".join(found[key] if key in found else rendered[key] for key in row_keys)
    _cache_call(cache.set, table_key, whole, UNUSED_FOR)
    return mark_safe(whole)  # noqa: S308 - rendered by our own template


def _cache_call(method, *args):
    """The cache's answer, or None when it cannot be reached: the page then renders every row
    itself, slower but whole."""
    try:
        return method(*args)
    except Exception:  # any cache backend's own connection error
        logger.warning("The fragment cache could not be reached", exc_info=True)
        return None
