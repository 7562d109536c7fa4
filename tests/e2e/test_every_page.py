"""Every page a role can reach in the demo, opened in Chromium in every interface language:
nothing may scroll sideways, axe-core must find no serious or critical problem, the browser must
report no Content-Security-Policy violation and no error in its console, <html> must carry the
language and its direction, and no English source string that the language's catalogue
translates may show on the page.

English (the source) is checked as every role at a laptop's, a tablet's and a phone's width;
Arabic (right to left, so the layout most unlike it) at the same three widths, each page once
(as the role that may do most there); the other languages, whose layout only differs from
English in the length of their words, each page once at the laptop's width, so that the suite
stays within its time. Each role's own buttons and states are checked in English.

The flows elsewhere check the pages they happen to visit; this walks all of them, as each role
of the demo alliance and as a visitor who is not logged in, so a page nobody thought to test is
caught too.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.translation import get_language_info
from playwright.sync_api import expect

from actionplans.models import ActionPlan
from actionplans.services import plan_submit
from alliances.services import user_set_language
from tests.demo_support import crawl, demo_alliance, seed_demo_data

from .conftest import (
    BLOCKING_IMPACTS,
    CHROMIUM_ARGS,
    CONTEXT_OPTIONS,
    CSP_MESSAGE_MARKERS,
    CSP_VIOLATION_RECORDER,
)

# A laptop, a tablet and a phone. Layout problems are checked at each width for the languages
# named here, at the laptop's for the others; axe, the language and the leaks once a page.
WIDTHS = (1280, 768, 375)
AXE_WIDTH = 1280
EVERY_WIDTH_LANGUAGES = ("en", "ar")
# Languages walked as every role; the others open each page once, as the role that may do most.
EVERY_ROLE_LANGUAGES = ("en",)
VIEWPORT_HEIGHT = 900
ANONYMOUS = "visitor"
# What a visitor who is not logged in can open besides the links on those pages.
ANONYMOUS_START = ("/accounts/login/", "/accounts/password/reset/", "/verify/")
# Pages open side by side in this many tabs: with one at a time the browser and the portal
# take turns and leave a core idle.
TABS = 3

# The element that reaches furthest past the window's right edge and is not inside a container
# that scrolls or clips it: that is what makes the page scroll sideways.
OVERFLOW_SCRIPT = """
() => {
  const root = document.documentElement;
  const width = window.innerWidth;
  if (root.scrollWidth <= width) return null;
  // Whether a scrolling or clipping ancestor in the element's chain of containing blocks holds
  // it in: an absolutely placed element escapes every ancestor that is not positioned.
  const clipped = (element) => {
    let position = getComputedStyle(element).position;
    let parent = element.parentElement;
    for (; parent && parent !== document.body; parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (position === "fixed") return false;
      const placed = style.position !== "static" || style.transform !== "none";
      if (position === "absolute" && !placed) continue;
      if (style.overflowX !== "visible") return true;
      position = style.position;
    }
    return false;
  };
  const describe = (element) => {
    let name = element.tagName.toLowerCase();
    if (element.id) name += "#" + element.id;
    const classes = [...element.classList].slice(0, 3);
    if (classes.length) name += "." + classes.join(".");
    const text = (element.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 60);
    return text ? `${name} "${text}"` : name;
  };
  let widest = null;
  let widestRight = width;
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    // Text too long for its box (a long word) spills out of it without widening the box.
    const spill = getComputedStyle(element).overflowX === "visible" ? element.scrollWidth : 0;
    const right = Math.max(box.right, box.left + spill) + window.scrollX;
    // Of an element and what it contains, the innermost that reaches as far is to blame.
    const further = right > widestRight + 0.5;
    const inside = widest && widest.contains(element) && right > widestRight - 0.5;
    if ((further || inside) && !clipped(element)) {
      widest = element;
      widestRight = right;
    }
  }
  return {
    scrollWidth: root.scrollWidth,
    element: widest ? describe(widest) : "(none found)",
    right: Math.round(widestRight),
  };
}
"""

# The language and direction <html> declares, and the visible text once the scripts have run,
# its white space as a reader sees it.
PAGE_TEXT_SCRIPT = """
() => ({lang: document.documentElement.lang, dir: document.documentElement.dir,
        text: document.body.innerText.replace(/\\s+/g, " ")})
"""

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
# Placeholders and markup in a msgid: the text around them is what a page shows verbatim.
PLACEHOLDER_OR_TAG = re.compile(r"%\([^)]*\)[a-z]|%[a-z]|\{[^{}]*\}|<[^>]*>")
# Shorter pieces ("Edit", "Not recorded", a name) turn up inside translated pages for other
# reasons: in demo content, in a word both languages share, in a person's name.
LEAK_MIN_WORDS = 3
LEAK_MIN_CHARACTERS = 15

AXE_SCRIPT = """
async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  targets: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))
"""


def _source_pieces(msgid: str) -> list[str]:
    """The parts of an English source string a page shows verbatim, white space as rendered."""
    pieces = PLACEHOLDER_OR_TAG.split(msgid.replace("%%", "%"))
    return [" ".join(piece.split()) for piece in pieces]


def _texts(value) -> list[str]:
    """The strings in a field's value, a JSON field's nested ones too."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def _demo_content() -> str:
    """Every text the database holds (the demo's names, agenda items, notes...): English in it
    is content someone wrote, not the interface."""
    texts = []
    for model in apps.get_models():
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        if fields:
            for row in model._default_manager.values_list(*fields):
                texts.extend(text for value in row for text in _texts(value))
    return "\n".join(" ".join(text.split()) for text in texts)


@cache
def _catalogue_sources(language: str) -> frozenset[str]:
    """The English source strings (or their verbatim parts) the language's catalogue translates
    differently, long enough not to match by chance."""
    if language == settings.LANGUAGE_CODE:
        return frozenset()
    catalogue = polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))
    sources = set()
    for entry in catalogue.translated_entries():
        translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            if msgid in translations:
                continue
            sources.update(
                piece
                for piece in _source_pieces(msgid)
                if len(piece) >= LEAK_MIN_CHARACTERS and len(piece.split()) >= LEAK_MIN_WORDS
            )
    return frozenset(sources)


def _leak_candidates(language: str) -> list[str]:
    """The catalogue's source strings for `language`, less those the demo's content contains."""
    content = _demo_content()
    return sorted(source for source in _catalogue_sources(language) if source not in content)


@dataclass
class Visitor:
    """One role in one language: its session and language cookies and the pages it reaches."""

    role: str
    language: str
    cookies: list[dict]
    urls: list[str]
    widths: tuple[int, ...]
    english_sources: list[str]  # text that must not show on its pages


def _check_language(visitor: Visitor, shown: dict, where: str, problems: list[str]) -> None:
    direction = "rtl" if get_language_info(visitor.language)["bidi"] else "ltr"
    if (shown["lang"], shown["dir"]) != (visitor.language, direction):
        problems.append(
            f"{where}): <html lang={shown['lang']!r} dir={shown['dir']!r}>, "
            f"expected lang={visitor.language!r} dir={direction!r}"
        )
    for source in visitor.english_sources:
        if source in shown["text"]:
            problems.append(f"{where}): English left untranslated: {source!r}")


async def _check_page(page, visitor: Visitor, url: str, problems: list[str]) -> None:
    console_errors: list[str] = []

    def note_console(message) -> None:
        # Policy violations are reported above from the violation events, once each.
        if message.type == "error" and not any(m in message.text for m in CSP_MESSAGE_MARKERS):
            console_errors.append(message.text)

    def note_uncaught(error) -> None:
        console_errors.append(f"uncaught {error}")

    page.on("console", note_console)
    page.on("pageerror", note_uncaught)
    await page.set_viewport_size({"width": AXE_WIDTH, "height": VIEWPORT_HEIGHT})
    await page.goto(url, wait_until="load")
    where = f"{url} ({visitor.role}, {visitor.language}"
    for violation in await page.evaluate("() => window.__cspViolations || []"):
        problems.append(f"{where}): {violation}")
    _check_language(visitor, await page.evaluate(PAGE_TEXT_SCRIPT), where, problems)
    for violation in await page.evaluate(AXE_SCRIPT):
        if violation["impact"] in BLOCKING_IMPACTS:
            problems.append(
                f"{where}): axe {violation['id']} ({violation['impact']}): "
                f"{violation['help']} — {violation['targets']}"
            )
    for width in visitor.widths:
        if width != AXE_WIDTH:
            await page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
        overflow = await page.evaluate(OVERFLOW_SCRIPT)
        if overflow:
            problems.append(
                f"{where}, {width} px): scrolls sideways to {overflow['scrollWidth']} px; "
                f"widest: {overflow['element']} reaching {overflow['right']} px"
            )
    page.remove_listener("console", note_console)
    page.remove_listener("pageerror", note_uncaught)
    problems.extend(f"{where}): console error: {error}" for error in console_errors)


async def _visit(browser, base_url: str, axe_source: str, visitor: Visitor, tabs, problems):
    """Opens the visitor's pages one after another in one browser context of its own."""
    context = await browser.new_context(base_url=base_url, locale="en-GB", **CONTEXT_OPTIONS)
    try:
        await context.add_cookies(visitor.cookies)
        # Loaded before each page's own scripts, out of reach of the page's policies.
        await context.add_init_script(script=axe_source)
        await context.add_init_script(script=CSP_VIOLATION_RECORDER)
        page = await context.new_page()
        page.set_default_timeout(30_000)
        for url in visitor.urls:
            async with tabs:
                await _check_page(page, visitor, url, problems)
    finally:
        await context.close()


async def _visit_all(chromium_path, base_url, axe_source, visitors, problems) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS
        )
        try:
            tabs = asyncio.Semaphore(TABS)
            await asyncio.gather(
                *(_visit(browser, base_url, axe_source, v, tabs, problems) for v in visitors)
            )
        finally:
            await browser.close()


def _run_in_own_thread(coroutine) -> None:
    """Runs `coroutine` on an event loop in a thread of its own: the other end-to-end tests'
    synchronous Playwright may keep a loop running in this one."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _anonymous_start() -> tuple[str, ...]:
    alliance = demo_alliance()
    if alliance.profile_public and alliance.public_slug:
        return (*ANONYMOUS_START, reverse("public:profile", args=[alliance.public_slug]))
    return ANONYMOUS_START


def _cookies(client: Client, base_url: str) -> list[dict]:
    return [
        {"name": name, "value": client.cookies[name].value, "url": base_url}
        for name in (settings.SESSION_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME)
        if name in client.cookies
    ]


def _language_groups() -> list[tuple[str, ...]]:
    """English, walked as every role at every width, alone; the other languages together, so
    the demo is seeded and crawled once for them (the crawl took a third of each language's
    time). Two tests, so the two test processes can share them."""
    others = tuple(code for code in _languages() if code != settings.LANGUAGE_CODE)
    return [(settings.LANGUAGE_CODE,), others]


@pytest.mark.parametrize("languages", _language_groups(), ids="-".join)
def test_every_reachable_page_fits_passes_axe_and_reads_in_its_language(
    languages, live_server, chromium_path, axe_source, transactional_db
):
    people = seed_demo_data()
    anonymous = Client()
    walks: list[tuple[str, Client, list[str]]] = [
        (ANONYMOUS, anonymous, [page.url for page in crawl(anonymous, _anonymous_start())])
    ]
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        walks.append((role, client, [page.url for page in crawl(client)]))
    for role, _client, urls in walks:
        assert urls, f"the crawl found no page for {role}"

    problems: list[str] = []
    # One language after another: a logged-in person's language is saved with their account, so
    # the same person cannot be walked in two languages at once.
    for language in languages:
        visitors = _visitors(language, walks, live_server.url)
        _run_in_own_thread(
            _visit_all(chromium_path, live_server.url, axe_source, visitors, problems)
        )

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(problems))


def _visitors(language: str, walks, base_url: str) -> list[Visitor]:
    if language not in EVERY_ROLE_LANGUAGES:
        walks = _each_page_once(walks)
    widths = WIDTHS if language in EVERY_WIDTH_LANGUAGES else (AXE_WIDTH,)
    english_sources = _leak_candidates(language)
    visitors = []
    for role, client, urls in walks:
        # The site's own switch: it sets the cookie and saves a logged-in user's choice.
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        cookies = _cookies(client, base_url)
        visitors.append(Visitor(role, language, cookies, urls, widths, english_sources))
    return visitors


# Who opens a page that several roles reach, in the languages checked once a page: the roles that
# may do most first, so the page shows the most it can.
ROLES_BY_REACH = ("coordinator", "chair", "secretary", "member", "observer", "staff", ANONYMOUS)


def _each_page_once(walks: list[tuple[str, Client, list[str]]]):
    """The walks with each address kept only for the first role, in ROLES_BY_REACH, that
    reaches it: a page's text and layout differ by role in buttons, which English checks as
    every role, not in what the language changes."""
    order = {role: number for number, role in enumerate(ROLES_BY_REACH)}
    seen: set[str] = set()
    kept = []
    for role, client, urls in sorted(walks, key=lambda walk: order.get(walk[0], len(order))):
        new = [url for url in urls if url not in seen]
        seen.update(new)
        if new:
            kept.append((role, client, new))
    return kept


def test_a_source_string_is_looked_for_in_the_pieces_a_page_shows_verbatim():
    msgid = "Sent to %(count)d people on %(date)s;\n  they answer by <strong>the link</strong>."
    pieces = [piece for piece in _source_pieces(msgid) if piece]
    assert pieces == ["Sent to", "people on", "; they answer by", "the link", "."]


def _log_in_by_cookie(context, user, live_server) -> None:
    """Gives the browser the session a test client got for `user`: no login form to type."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def _assert_scrolls_by_keyboard(page, frame_name: str) -> None:
    frame = page.get_by_role("region", name=frame_name)
    assert frame.evaluate("(element) => element.scrollWidth > element.clientWidth"), (
        f"{frame_name!r} fits the window, so this check proves nothing"
    )
    frame.focus()
    page.keyboard.press("ArrowRight")
    # Chromium scrolls by keyboard smoothly: the offset grows over a few frames.
    page.wait_for_function(
        "(element) => element.scrollLeft > 0", arg=frame.element_handle(), timeout=5_000
    )


def _assert_fits(page, frame_name: str) -> None:
    frame = page.get_by_role("region", name=frame_name)
    assert frame.evaluate("(element) => element.scrollWidth <= element.clientWidth"), (
        f"{frame_name!r} needs scrolling"
    )


def test_chair_reads_the_submitted_actions_whole_before_and_after_a_wrong_password(
    a11y_page, live_server
):
    people = seed_demo_data()
    chair = user_set_language(user=people["chair"], language="en")
    alliance = demo_alliance()
    plan = ActionPlan.objects.get(alliance=alliance)
    version = plan_submit(plan=plan, actor=people["coordinator"])
    page = a11y_page
    # A tablet's width: the columns that matter fit, the others are behind each row's details.
    page.set_viewport_size({"width": 768, "height": VIEWPORT_HEIGHT})
    _log_in_by_cookie(page.context, chair, live_server)
    actions_frame = "Actions of this version in the guide's columns"

    page.goto(reverse("actionplans:plan_review", args=[alliance.pk, plan.pk]))
    page.assert_accessible()
    _assert_fits(page, actions_frame)

    page.get_by_label("Your password").fill("not-the-chair's-password")
    page.get_by_role("button", name=f"Approve version {version.number}").click()
    page.wait_for_url("**/approve/")
    expect(page.get_by_role("main")).to_contain_text("That is not your password.")
    page.assert_accessible()
    _assert_fits(page, actions_frame)


def test_a_table_wider_than_a_phone_scrolls_by_keyboard_in_its_frame(a11y_page, live_server):
    people = seed_demo_data()
    member = user_set_language(user=people["member"], language="en")
    alliance = demo_alliance()
    page = a11y_page
    # The meetings' columns are wider than a phone: the table scrolls in its labelled frame.
    page.set_viewport_size({"width": 375, "height": VIEWPORT_HEIGHT})
    _log_in_by_cookie(page.context, member, live_server)
    page.goto(reverse("meetings:list", args=[alliance.pk]))
    page.assert_accessible()
    _assert_scrolls_by_keyboard(page, "The alliance's meetings, latest first")
