"""End-to-end harness: Playwright drives Debian's Chromium against a live server.

Every page a test visits must be checked with axe-core (`assert_accessible`); the `page`
fixture fails the test if a visited page was never checked, and on anything the page's
Content-Security-Policy refused.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.conftest import IN_CI

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = {"serious", "critical"}
# Every browser context asks for reduced motion, as many readers do: Bootstrap then drops its
# colour transitions, so axe measures a button's contrast in its settled colours, not halfway
# through a fade after a click.
CONTEXT_OPTIONS = {"reduced_motion": "reduce"}
# Chromium's own words when the Content-Security-Policy refuses something.
CSP_MESSAGE_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")
# Runs in every document before its own scripts: the browser's console messages about the policy
# may not reach Playwright, the violation event always fires. The console message carries it
# out of a page the test has already left.
CSP_VIOLATION_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const text = `Content Security Policy violation: ${event.effectiveDirective} refused `
    + `${event.blockedURI || "inline"} on ${event.documentURI} `
    + `(${event.sourceFile || "?"}:${event.lineNumber}) ${event.sample || ""}`;
  window.__cspViolations.push(text);
  console.error(text);
});
"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _missing(what: str):
    message = f"{what} is missing: run `make test`, which installs it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        _missing("Chromium")
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.exists():
        _missing("axe-core")
    return AXE_PATH.read_text()


@pytest.fixture(scope="package")
def browser(chromium_path):
    """One browser for the end-to-end tests, closed when they are done: Playwright keeps an
    event loop running in the thread while it is open, and code run by later tests (pyHanko's
    asyncio.run, say) must not find one there."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _without_fragment(url: str) -> str:
    # A jump to #content stays on the page that was already checked.
    return url.split("#", 1)[0]


class A11yTracker:
    def __init__(self, page, axe_source: str):
        self.page = page
        self.axe_source = axe_source
        self.visited: list[str] = []
        self.checked: set[str] = set()
        page.on("framenavigated", self._on_navigated)

    def _on_navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url != "about:blank":
            self.visited.append(_without_fragment(frame.url))

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated by the browser's tooling, not as an inline <script>, which the page's
            # Content-Security-Policy would refuse.
            self.page.evaluate(self.axe_source)
        violations = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        summary = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in blocking
        )
        assert not blocking, f"axe found serious problems on {self.page.url}:\n{summary}"
        self.checked.add(_without_fragment(self.page.url))

    def unchecked(self) -> list[str]:
        return [url for url in self.visited if url not in self.checked]


class CspWatcher:
    """Collects what the Content-Security-Policy refused, on every page the test opens."""

    def __init__(self, page):
        self.page = page
        self.violations: list[str] = []
        page.add_init_script(CSP_VIOLATION_RECORDER)
        page.on("console", lambda message: self._note(message.text))
        page.on("pageerror", lambda error: self._note(str(error)))

    def _note(self, text: str) -> None:
        if any(marker in text for marker in CSP_MESSAGE_MARKERS) and text not in self.violations:
            self.violations.append(text)

    def assert_none(self) -> None:
        from playwright.sync_api import Error as PlaywrightError

        # A page that is closed or halfway through a navigation has nothing more to add.
        with suppress(PlaywrightError):
            for text in self.page.evaluate("window.__cspViolations || []"):
                self._note(text)
        summary = "\n".join(f"- {text}" for text in self.violations)
        assert not self.violations, f"the Content-Security-Policy refused something:\n{summary}"


@contextmanager
def _checked_page(browser, live_server, axe_source):
    """A page in a browser context of its own, whose every visited page must pass axe."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **CONTEXT_OPTIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    tracker = A11yTracker(page, axe_source)
    csp = CspWatcher(page)

    def assert_accessible() -> None:
        tracker.check()
        csp.assert_none()

    page.assert_accessible = assert_accessible
    yield page
    try:
        csp.assert_none()
    finally:
        context.close()
    assert tracker.unchecked() == [], "pages visited without an axe check"


@pytest.fixture
def a11y_page(browser, live_server, axe_source, transactional_db):
    with _checked_page(browser, live_server, axe_source) as page:
        yield page


@pytest.fixture
def second_a11y_page(browser, live_server, axe_source, a11y_page):
    """Another browser with no session (someone opening a link from a mail), checked the same."""
    with _checked_page(browser, live_server, axe_source) as page:
        yield page
