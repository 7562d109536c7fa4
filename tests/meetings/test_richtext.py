"""Rich text from the browser editor: only the editor's formatting survives sanitising."""

from __future__ import annotations

import pytest

from alliance_portal.richtext import html_to_text, sanitise_html

REL = 'rel="noopener noreferrer nofollow"'


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<script>alert(1)</script><p>Kept</p>", "<p>Kept</p>"),
        ("<SCRIPT src='https://evil.example/x.js'></SCRIPT><p>Kept</p>", "<p>Kept</p>"),
        ("<style>p { color: red }</style><p>Kept</p>", "<p>Kept</p>"),
        ('<iframe src="https://evil.example/"></iframe><p>Kept</p>', "<p>Kept</p>"),
        ('<p>Kept<img src="x" onerror="alert(1)"></p>', "<p>Kept</p>"),
        ('<p onclick="steal()" style="color: red">Kept</p>', "<p>Kept</p>"),
        ('<div onmouseover="steal()">Kept</div>', "<div>Kept</div>"),
        ("<svg onload=alert(1)><p>Kept</p></svg>", "<p>Kept</p>"),
        ('<form action="https://evil.example/"><p>Kept</p></form>', "<p>Kept</p>"),
        ("<p>Kept<!-- a comment --></p>", "<p>Kept</p>"),
        ('<span style="color: red">Kept</span>', "Kept"),
    ],
)
def test_dangerous_markup_is_removed_and_the_text_kept(dirty, clean):
    assert sanitise_html(dirty) == clean


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
    ],
)
def test_links_to_scripts_and_data_lose_their_address(href):
    cleaned = sanitise_html(f'<p><a href="{href}">Click</a></p>')
    assert "href" not in cleaned
    assert ">Click</a>" in cleaned
    for scheme in ("javascript", "data:", "vbscript"):
        assert scheme not in cleaned.lower()


def test_the_editors_formatting_is_kept():
    html = (
        "<p><strong>Bold</strong>, <b>b</b>, <em>italic</em>, <i>i</i>, <u>u</u>, <s>s</s></p>"
        "<ul><li>One</li><li>Two</li></ul>"
        "<ol><li>First</li></ol>"
        "<h2>Heading</h2><blockquote>Quote</blockquote>"
    )
    assert sanitise_html(html) == html


@pytest.mark.parametrize(
    "href", ["https://example.org/plan?a=1&amp;b=2", "http://example.org", "mailto:kim@example.org"]
)
def test_web_and_mail_links_are_kept_with_a_safe_rel(href):
    cleaned = sanitise_html(f'<a href="{href}">Link</a>')
    assert cleaned == f'<a href="{href}" {REL}>Link</a>'


def test_a_link_loses_its_own_rel_and_target():
    cleaned = sanitise_html(
        '<a href="https://example.org" target="_blank" rel="opener" class="x">Link</a>'
    )
    assert cleaned == f'<a href="https://example.org" {REL}>Link</a>'


@pytest.mark.parametrize(
    "empty",
    [
        "",
        None,
        "   ",
        "<div><br></div>",
        "<p><br></p>",
        "<p></p><div></div>",
        "<p>&nbsp;</p>",
        "<ul><li></li></ul>",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<!-- only a comment -->",
    ],
)
def test_text_that_is_empty_in_the_editor_becomes_empty(empty):
    assert sanitise_html(empty) == ""


def test_surrounding_whitespace_is_trimmed():
    assert sanitise_html("  <p>Text</p>\n ") == "<p>Text</p>"


def test_html_to_text_gives_one_line_per_paragraph():
    html = (
        "<p>First paragraph</p><p>Second <strong>paragraph</strong></p>"
        "<div>Third<br>Fourth</div><ul><li>One</li><li>Two</li></ul>"
        "<h2>Heading</h2><blockquote>Quote</blockquote>"
    )
    assert html_to_text(html).splitlines() == [
        "First paragraph",
        "Second paragraph",
        "Third",
        "Fourth",
        "One",
        "Two",
        "Heading",
        "Quote",
    ]


def test_html_to_text_unescapes_entities():
    html = "<p>Fish &amp; chips &lt;b&gt; &quot;quoted&quot; caf&eacute; 10&#8364;</p>"
    assert html_to_text(html) == 'Fish & chips <b> "quoted" café 10€'


def test_html_to_text_drops_empty_lines_and_surrounding_spaces():
    assert html_to_text("<p>  One  </p><p></p><div><br></div><p>Two</p>") == "One\nTwo"


@pytest.mark.parametrize("empty", ["", None, "<div><br></div>"])
def test_html_to_text_of_nothing_is_empty(empty):
    assert html_to_text(empty) == ""


def test_sanitising_twice_changes_nothing():
    once = sanitise_html('<p><a href="https://example.org">x</a> <em>y</em></p><ul><li>z</li></ul>')
    assert sanitise_html(once) == once


def test_a_paragraph_keeps_the_direction_the_editor_gave_it():
    html = '<div dir="rtl">محضر</div><ul dir="rtl"><li>بند</li></ul><div>Compte rendu</div>'
    assert sanitise_html(html) == html


@pytest.mark.parametrize(
    "dirty",
    ['<div dir="sideways">Kept</div>', '<div dir="rtl onclick=x">Kept</div>'],
)
def test_a_direction_that_is_not_one_is_removed(dirty):
    assert sanitise_html(dirty) == "<div>Kept</div>"


def test_a_link_gets_no_direction():
    assert sanitise_html('<a dir="rtl" href="https://example.org">x</a>') == (
        f'<a href="https://example.org" {REL}>x</a>'
    )
