"""The harness fails a test on anything the Content-Security-Policy refused, and the policy
really refuses inline script in the browser."""

from __future__ import annotations

import pytest

from .conftest import CONTEXT_OPTIONS, CspWatcher


@pytest.fixture
def bare_page(browser, live_server, transactional_db):
    """A page with the violation check but no axe tracking, to look at the check itself."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **CONTEXT_OPTIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_page_of_the_portal_passes_the_check(bare_page):
    watcher = CspWatcher(bare_page)
    bare_page.goto("/accounts/login/")
    bare_page.wait_for_load_state("load")

    watcher.assert_none()


def test_the_check_fails_on_a_style_attribute_and_an_inline_handler(bare_page):
    watcher = CspWatcher(bare_page)
    bare_page.goto("/accounts/login/")

    bare_page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">Styled</p>');
            document.body.insertAdjacentHTML(
                "beforeend", '<img src="/static/favicon.svg" onload="window.ran = true">'
            );
        }"""
    )
    bare_page.wait_for_function("window.__cspViolations.length >= 2")

    assert bare_page.evaluate("window.ran") is None
    with pytest.raises(AssertionError, match="style-src-attr") as failure:
        watcher.assert_none()
    assert "script-src-attr" in str(failure.value)


def test_the_check_remembers_a_refusal_on_a_page_the_test_has_left(bare_page):
    watcher = CspWatcher(bare_page)
    bare_page.goto("/accounts/login/")
    bare_page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.ran = true";
            document.body.append(script);
        }"""
    )
    bare_page.wait_for_function("window.__cspViolations.length >= 1")

    bare_page.goto("/accounts/password/reset/")

    with pytest.raises(AssertionError, match="script-src"):
        watcher.assert_none()
