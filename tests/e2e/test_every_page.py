"""Every page a role can reach in the demo, opened in Chromium in every interface language:
nothing may scroll sideways at a laptop's, a tablet's or a phone's width, axe-core must find no
serious or critical problem, and the browser must report no Content-Security-Policy violation.

The flows elsewhere check the pages they happen to visit; this walks all of them, as each role
of the demo alliance and as a visitor who is not logged in, so a page nobody thought to test is
caught too.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from actionplans.models import ActionPlan
from actionplans.services import plan_submit
from alliances.services import user_set_language
from tests.demo_support import crawl, demo_alliance, seed_demo_data

from .conftest import BLOCKING_IMPACTS, CHROMIUM_ARGS, CSP_VIOLATION_RECORDER

# A laptop, a tablet and a phone. Layout problems are checked at each width; axe once a page.
WIDTHS = (1280, 768, 375)
AXE_WIDTH = 1280
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

AXE_SCRIPT = """
async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  targets: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))
"""


@dataclass
class Visitor:
    """One role in one language: its session and language cookies and the pages it reaches."""

    role: str
    language: str
    cookies: list[dict]
    urls: list[str]


async def _check_page(page, visitor: Visitor, url: str, problems: list[str]) -> None:
    await page.set_viewport_size({"width": AXE_WIDTH, "height": VIEWPORT_HEIGHT})
    await page.goto(url, wait_until="load")
    where = f"{url} ({visitor.role}, {visitor.language}"
    for violation in await page.evaluate("() => window.__cspViolations || []"):
        problems.append(f"{where}): {violation}")
    for violation in await page.evaluate(AXE_SCRIPT):
        if violation["impact"] in BLOCKING_IMPACTS:
            problems.append(
                f"{where}): axe {violation['id']} ({violation['impact']}): "
                f"{violation['help']} — {violation['targets']}"
            )
    for width in WIDTHS:
        if width != AXE_WIDTH:
            await page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
        overflow = await page.evaluate(OVERFLOW_SCRIPT)
        if overflow:
            problems.append(
                f"{where}, {width} px): scrolls sideways to {overflow['scrollWidth']} px; "
                f"widest: {overflow['element']} reaching {overflow['right']} px"
            )


async def _visit(browser, base_url: str, axe_source: str, visitor: Visitor, tabs, problems):
    """Opens the visitor's pages one after another in one browser context of its own."""
    context = await browser.new_context(base_url=base_url, locale="en-GB")
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


# One test a language, so the two test processes can share the languages between them.
@pytest.mark.parametrize("language", _languages())
def test_every_reachable_page_fits_every_width_and_passes_axe(
    language, live_server, chromium_path, axe_source, transactional_db
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
    visitors = []
    for role, client, urls in walks:
        # The site's own switch: it sets the cookie and saves a logged-in user's choice.
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        visitors.append(Visitor(role, language, _cookies(client, live_server.url), urls))
    _run_in_own_thread(_visit_all(chromium_path, live_server.url, axe_source, visitors, problems))

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(problems))


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


def test_chair_scrolls_the_submitted_actions_by_keyboard_before_and_after_a_wrong_password(
    a11y_page, live_server
):
    people = seed_demo_data()
    chair = user_set_language(user=people["chair"], language="en")
    alliance = demo_alliance()
    plan = ActionPlan.objects.get(alliance=alliance)
    version = plan_submit(plan=plan, actor=people["coordinator"])
    page = a11y_page
    page.set_viewport_size({"width": 1280, "height": VIEWPORT_HEIGHT})
    _log_in_by_cookie(page.context, chair, live_server)
    actions_frame = "Actions of this version in the guide's columns"

    page.goto(reverse("actionplans:plan_review", args=[alliance.pk, plan.pk]))
    page.assert_accessible()
    _assert_scrolls_by_keyboard(page, actions_frame)

    page.get_by_label("Your password").fill("not-the-chair's-password")
    page.get_by_role("button", name=f"Approve version {version.number}").click()
    page.wait_for_url("**/approve/")
    expect(page.get_by_role("main")).to_contain_text("That is not your password.")
    page.assert_accessible()
    _assert_scrolls_by_keyboard(page, actions_frame)
