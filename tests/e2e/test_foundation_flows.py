"""A person logs in, opens the dashboard, switches to Swedish, and accepts an invitation."""

from __future__ import annotations

import re

from django.core import mail

from alliance_portal.permissions import Role
from tests.factories import TEST_PASSWORD, AllianceFactory, MembershipFactory

from .flows import log_in, log_out, open_my_alliances


def _alliance_with_people():
    alliance = AllianceFactory(name="Kronoberg Alliance", region="Kronoberg County")
    chair = MembershipFactory(alliance=alliance, role=Role.CHAIR, organisation_name="Växjö").user
    MembershipFactory(alliance=alliance, role=Role.SECRETARY, organisation_name="Folk High School")
    return alliance, chair


def test_log_in_and_open_the_dashboard(a11y_page):
    page = a11y_page
    alliance, chair = _alliance_with_people()
    page.goto("/")
    page.wait_for_url("**/accounts/login/**")
    page.assert_accessible()
    log_in(page, chair.email)
    open_my_alliances(page)
    page.get_by_role("link", name=re.compile("Kronoberg Alliance")).first.click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/")
    page.assert_accessible()
    assert page.get_by_role("heading", level=1).inner_text() == "Kronoberg Alliance"
    # "About the alliance" is folded below the overview's cards.
    page.get_by_test_id("about").locator("summary").click()
    assert "Kronoberg County" in page.inner_text("main")
    # The members are counted on the overview and listed on their own page.
    page.get_by_test_id("all-members-link").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/members/")
    page.assert_accessible()
    assert "Folk High School" in page.inner_text("main")
    page.go_back()
    page.wait_for_url(f"**/alliances/{alliance.pk}/")
    assert page.get_by_test_id("current-role").inner_text() == "Your role: Chair"

    # Keyboard: the first Tab reaches the skip link, and Enter moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_switch_to_swedish(a11y_page):
    page = a11y_page
    _alliance, chair = _alliance_with_people()
    log_in(page, chair.email)
    open_my_alliances(page)
    page.get_by_test_id("language-menu").click()
    page.get_by_role("button", name="Svenska").click()
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'sv'")
    page.assert_accessible()
    assert page.get_by_role("heading", level=1).inner_text() == "Mina allianser"
    chair.refresh_from_db()
    assert chair.preferred_language == "sv"


def test_accept_an_invitation(a11y_page):
    page = a11y_page
    alliance, chair = _alliance_with_people()
    log_in(page, chair.email)
    page.goto(f"/alliances/{alliance.pk}/members/invite/")
    page.assert_accessible()
    page.get_by_label("Email address").fill("newcomer@example.org")
    page.get_by_label("Role").select_option(Role.COORDINATOR)
    page.get_by_label("Organisation").fill("Red Cross Växjö")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/members/")
    page.assert_accessible()
    assert "An invitation was sent to newcomer@example.org." in page.inner_text("main")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+(/invitations/[^/\s]+/)", mail.outbox[0].body).group(1)
    log_out(page)

    page.goto(link)
    page.assert_accessible()
    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Karimi")
    page.get_by_label(re.compile(r"^\s*Password\W*$")).fill(TEST_PASSWORD)
    page.get_by_label("Password again").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/")
    page.assert_accessible()
    assert "Welcome to Kronoberg Alliance! You joined as Coordinator." in page.inner_text("main")
    assert page.get_by_test_id("current-role").inner_text() == "Your role: Coordinator"

    page.goto(link)
    page.assert_accessible()
    assert "already been used" in page.get_by_test_id("invitation-problem").inner_text()
