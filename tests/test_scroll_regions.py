"""Every frame that lets a wide table scroll sideways can be reached and scrolled by keyboard."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Opening tags of Bootstrap's sideways-scrolling frame, whatever other classes they carry.
SCROLL_FRAME = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-responsive\b[^>]*>")


def _frames() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(TEMPLATES)), match.group(0))
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in SCROLL_FRAME.finditer(path.read_text())
    ]


def test_templates_have_scrolling_table_frames():
    assert len(_frames()) > 20


def test_every_scrolling_table_frame_is_a_focusable_labelled_region():
    unreachable = [
        (name, tag)
        for name, tag in _frames()
        if 'role="region"' not in tag
        or 'tabindex="0"' not in tag
        or not re.search(r'\baria-label(ledby)?="[^"]+"', tag)
    ]
    assert unreachable == []
