"""Text that depends on the direction the reader's language is written in."""

from __future__ import annotations

from django.utils.translation import get_language_bidi


def forward_arrow() -> str:
    """An arrow from what comes first to what follows, in the active language's reading order.

    U+2192 is not mirrored by the bidirectional algorithm, so right-to-left text needs U+2190.
    """
    return "←" if get_language_bidi() else "→"
