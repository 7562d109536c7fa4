"""Rich text that users type in the browser editor, made safe with nh3 before it is stored.

Only the formatting the editor offers survives: no scripts, styles, event handlers, images or
frames, and links only to web and mail addresses.
"""

from __future__ import annotations

import html as html_entities
import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "del",
        "div",
        "em",
        "h1",
        "h2",
        "h3",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# The editor marks a paragraph written right to left (Arabic in minutes otherwise in French) with
# dir="rtl"; kept, it reads the right way in pages, mails and PDFs alike.
TEXT_DIRECTIONS = {"dir": {"rtl", "ltr", "auto"}}
DIRECTED_TAGS = ("blockquote", "div", "h1", "h2", "h3", "li", "ol", "p", "pre", "ul")
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Where a line of text ends in the editor's HTML.
_LINE_ENDS = re.compile(r"<br\s*/?>|</(?:div|p|li|h[1-3]|blockquote|pre)>", re.IGNORECASE)


def sanitise_html(html: str) -> str:
    """The HTML with everything outside the allowed formatting removed; empty text stays empty."""
    cleaned = nh3.clean(
        html or "",
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values=dict.fromkeys(DIRECTED_TAGS, TEXT_DIRECTIONS),
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
    return "" if not html_to_text(cleaned) else cleaned


def html_to_text(html: str) -> str:
    """The words of sanitised HTML, one paragraph per line, for diffs and comparisons."""
    with_breaks = _LINE_ENDS.sub("\n", html or "")
    text = html_entities.unescape(nh3.clean(with_breaks, tags=set()))
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
