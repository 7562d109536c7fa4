"""The kinds of document the portal keeps once they are final.

The apps above say, from their AppConfig.ready(), how each of their documents is loaded, printed
and recognised as final; this app below them only keeps the files. A kind is named by a short
string, which is what the storage's rows and the background task carry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.template.loader import get_template

from alliance_portal.pdf import content_digest, print_html


@dataclass(frozen=True)
class DocumentKind:
    name: str
    # The template the document is printed from: a digest of its source is kept with each file.
    template: str
    # The object by its id, with what printing it needs; None when it is gone.
    load: Callable[[int], Any | None]
    render: Callable[[Any], bytes]
    # True once the document can no longer change in substance (approved, locked, sealed).
    is_final: Callable[[Any], bool]
    # What the printed document shows that may still move on after it is final (a withdrawal
    # printed in the signature's events, minutes locked after their approval): a file printed
    # in another state is printed again.
    state: Callable[[Any], str]
    # The language the document is always printed in (a signed agreement's), or None for the
    # reader's.
    language: Callable[[Any], str | None] = lambda obj: None

    @property
    def template_version(self) -> str:
        return template_version(self.template)


@dataclass(frozen=True)
class AsOfNow:
    """A document that shows things as they stand (the whole mapping, the coordinator report up
    to today), drawn as HTML: never final, yet kept under a digest of what it shows, so that
    the archive prints it again only once that has changed."""

    pk: int  # the alliance's: one kept copy per alliance and language
    html: str


def as_of_now_kind(name: str, template: str) -> DocumentKind:
    """The kind of an AsOfNow document printed from `template`. The background task never
    keeps one (there is nothing final to load): the archive keeps it as it prints it."""
    return DocumentKind(
        name=name,
        template=template,
        load=lambda object_id: None,
        render=lambda document: print_html(document.html),
        is_final=lambda document: True,
        state=lambda document: content_digest(document.html),
    )


_kinds: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> None:
    _kinds[kind.name] = kind


def document_kind(name: str) -> DocumentKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"No document kind {name!r} is registered") from None


@cache
def template_version(template_name: str) -> str:
    source = get_template(template_name).template.source
    return hashlib.sha256(source.encode()).hexdigest()[:16]
