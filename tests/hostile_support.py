"""What the hostile-input tests share: the script that must never reach a page unescaped, and
posting many forms while checking that each answered exactly as its form does, never a 500."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.utils.html import escape

SCRIPT = "<script>alert(1)</script>"
NUL = "before\x00after"
# The openings of markup that must never reach a page raw, whatever follows them.
RAW_MARKUP = ("<script>alert", "<img src=x", "<b onmouseover", "<iframe src")


class Post(NamedTuple):
    """One form post: what the test calls it, where it goes, what it sends and what it answers
    (when the posts of one call answer differently), with headers such as htmx's."""

    name: str
    address: str
    data: Mapping
    status: int | None = None
    headers: Mapping | None = None


def page_text(response) -> str:
    return response.content.decode(errors="replace")


def answered_safely(response, name: str, status: int) -> None:
    """The page answered `status` and printed no script unescaped."""
    assert response.status_code == status, (name, response.status_code)
    assert SCRIPT not in page_text(response), name


def post_all(client, posts: Iterable, *, status: int | None = None) -> list:
    """Posts each (name, address, data[, status[, headers]]); each answers its own status, or
    `status` for every post that names none, and is safe."""
    responses = []
    for post in (Post(*values) for values in posts):
        expected = post.status if post.status is not None else status
        assert expected is not None, f"{post.name}: say which status the form answers"
        response = client.post(post.address, post.data, **(post.headers or {}))
        answered_safely(response, post.name, expected)
        responses.append((post.name, response))
    return responses


def assert_only_escaped(page: str, *payloads: str, raw: Iterable[str] = RAW_MARKUP) -> None:
    """No markup is on the page raw, and each payload is there escaped."""
    for opening in raw:
        assert opening not in page, opening
    for payload in payloads:
        assert escape(payload) in page, payload
