"""The Content-Security-Policy: every page runs only the portal's own script files, and the
templates hold nothing the policy would refuse (inline script, handlers, style attributes)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import UserFactory, make_action, make_meeting, make_minutes, make_plan

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
# The directives the portal promises, exactly.
EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def without_nonce(directives: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        name: [value for value in values if not value.startswith("'nonce-")]
        for name, values in directives.items()
    }


def _pages(cast) -> list[tuple[object, str]]:
    plan = make_plan(cast.alliance, cast.coordinator)
    action = make_action(plan, cast.coordinator)
    alliance = cast.alliance.pk
    return [
        (None, reverse("login")),
        (None, reverse("password_reset")),
        (cast.member, reverse("alliances:list")),
        (cast.member, reverse("dashboard:alliance", args=[alliance])),
        (cast.coordinator, reverse("stakeholders:list", args=[alliance])),
        (cast.secretary, reverse("meetings:list", args=[alliance])),
        (cast.coordinator, reverse("actionplans:plan", args=[alliance, plan.pk])),
        (cast.coordinator, reverse("actionplans:action", args=[alliance, plan.pk, action.pk])),
        (UserFactory(is_staff=True, is_superuser=True), reverse("admin:index")),
    ]


@pytest.mark.django_db
def test_every_html_page_carries_the_strict_policy(cast):
    for user, url in _pages(cast):
        response = client_for(user).get(url)

        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        assert without_nonce(policy_of(response)) == EXPECTED, url
        assert "Content-Security-Policy-Report-Only" not in response.headers, url


@pytest.mark.django_db
def test_a_page_without_trix_has_no_nonce_in_its_policy(cast):
    response = client_for(cast.member).get(reverse("dashboard:alliance", args=[cast.alliance.pk]))

    assert policy_of(response)["style-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_minutes_editor_gives_trix_the_nonce_its_policy_allows(cast):
    meeting = make_meeting(
        cast.alliance, cast.secretary, starts_at=timezone.now() - timedelta(hours=4)
    )
    make_minutes(meeting, cast.secretary)

    response = client_for(cast.secretary).get(
        reverse("meetings:minutes", args=[cast.alliance.pk, meeting.pk])
    )

    assert response.context["editing"]
    nonce = re.search(r'<meta name="csp-nonce" content="([^"]+)">', response.text).group(1)
    assert policy_of(response)["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy_of(response)["script-src"] == ["'self'"]


def _page_templates():
    return sorted(TEMPLATES_DIR.rglob("*.html"))


def _is_page_template(path: Path) -> bool:
    # Mails and PDFs are not pages: no browser applies the policy to them.
    parts = path.relative_to(TEMPLATES_DIR).parts
    return "email" not in parts and "pdf" not in parts


TAG = re.compile(r"<[a-zA-Z][^<>]*>")
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
# Attributes whose content runs as JavaScript or needs eval, which the policy refuses:
# on...= handlers, htmx's hx-on, javascript: URLs, hx-vals/hx-vars with js:, and an hx-trigger
# filter in [...].
RUNS_SCRIPT = re.compile(
    r"""(?:\s(?:on[a-z]+|hx-on[^\s=]*|data-hx-on[^\s=]*)\s*=)"""
    r"""|javascript:"""
    r"""|(?:hx-vals|hx-vars)\s*=\s*["']\s*js:"""
    r"""|hx-trigger\s*=\s*"[^"]*\[""",
    re.IGNORECASE,
)


def test_no_template_holds_an_inline_script():
    found = []
    for path in _page_templates():
        for attributes, body in SCRIPT.findall(path.read_text()):
            data_block = re.search(r'type=["\']application/(ld\+)?json', attributes)
            if body.strip() and not data_block:
                found.append(str(path.relative_to(TEMPLATES_DIR)))
    assert found == []


def test_no_template_holds_an_inline_event_handler_or_script_url():
    found = []
    for path in _page_templates():
        for tag in TAG.findall(path.read_text()):
            if RUNS_SCRIPT.search(tag):
                found.append(f"{path.relative_to(TEMPLATES_DIR)}: {tag[:120]}")
    assert found == []


def test_no_page_template_holds_a_style_attribute():
    found = []
    for path in filter(_is_page_template, _page_templates()):
        for tag in TAG.findall(path.read_text()):
            if re.search(r"\sstyle\s*=", tag, re.IGNORECASE):
                found.append(f"{path.relative_to(TEMPLATES_DIR)}: {tag[:120]}")
    assert found == []


def test_the_template_scan_finds_what_it_looks_for():
    """The scans above would pass on anything if their patterns matched nothing."""
    assert SCRIPT.findall("<script>alert(1)</script>")
    assert RUNS_SCRIPT.search('<button onclick="go()">')
    assert RUNS_SCRIPT.search('<div hx-on:click="go()">')
    assert RUNS_SCRIPT.search('<a href="javascript:go()">')
    assert RUNS_SCRIPT.search('<div hx-trigger="change[target.checked] delay:1s">')
    assert not RUNS_SCRIPT.search('<div class="one" data-done="1" hx-trigger="every 2s">')
