"""Steps that several end-to-end tests share."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD


def log_in(page, email: str) -> None:
    """Logs in through the login page and lands on "My work"; both pages on the way are checked
    with axe."""
    page.goto("/accounts/login/")
    page.assert_accessible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/my-work/")
    page.assert_accessible()


def open_my_alliances(page) -> None:
    """From "My work", on to the list of the person's alliances."""
    page.get_by_role("main").get_by_role("link", name="My alliances").first.click()
    page.wait_for_url("**/alliances/")
    page.assert_accessible()


def log_out(page) -> None:
    """Logs out from the person's menu in the top bar (folded into the menu button on a narrow
    window) and lands on the login page."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    page.assert_accessible()


def open_section(page, name: str) -> None:
    """Opens one of the alliance's sections from the side navigation."""
    page.get_by_role("navigation", name="Sections of the alliance").get_by_role(
        "link", name=name, exact=True
    ).click()
