"""Steps that several end-to-end tests share."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD


def log_in(page, email: str) -> None:
    """Logs in through the login page; both pages on the way are checked with axe."""
    page.goto("/accounts/login/")
    page.assert_accessible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/alliances/")
    page.assert_accessible()
