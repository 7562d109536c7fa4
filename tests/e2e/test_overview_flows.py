"""The alliance overview in Chromium: the guide's six steps in one row, a step's checklist
opened by keyboard with its "why is this not done?", and the page fitting a laptop, a tablet and
a phone in English and in Arabic (right to left)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from alliance_portal.permissions import Role
from alliances.services import user_set_language
from tests.factories import AllianceFactory, MembershipFactory, make_meeting

from .flows import log_in

WIDTHS = (1280, 768, 375)


def _alliance_and_coordinator(language: str):
    alliance = AllianceFactory(
        name="Kronoberg Alliance", region="Kronoberg County", rules_of_operation=""
    )
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    secretary = MembershipFactory(alliance=alliance, role=Role.SECRETARY).user
    MembershipFactory(alliance=alliance, role=Role.CHAIR)
    make_meeting(
        alliance,
        secretary,
        title="Spring plenary",
        starts_at=timezone.now() + timedelta(days=7),
    )
    user_set_language(user=coordinator, language=language)
    return alliance, coordinator


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _wait_until_still(page) -> None:
    """Waits for the page's transitions to end (polled from here: the page's policy allows no
    script made from a string, which wait_for_function would be)."""
    for _ in range(100):
        if page.evaluate("document.getAnimations().length") == 0:
            return
        page.wait_for_timeout(20)
    raise AssertionError("the page kept moving")


def _gettext(language: str, message: str) -> str:
    with translation.override(language):
        return str(translation.gettext(message))


@pytest.mark.parametrize("language", ["en", "ar", "nl"])
def test_a_steps_checklist_opens_by_keyboard_and_the_page_fits_every_width(a11y_page, language):
    page = a11y_page
    alliance, coordinator = _alliance_and_coordinator(language)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, coordinator.email)
    page.goto(f"/alliances/{alliance.pk}/")
    page.assert_accessible()
    assert page.evaluate("document.documentElement.lang") == language

    # Step 2 (getting started) is the next one: the rules of operation are not written.
    row = page.get_by_test_id("step-row")
    assert row.locator("li").count() == 6
    current = row.locator('[aria-current="step"]')
    assert current.count() == 1
    assert current.get_attribute("id") == "step-2-toggle"
    assert page.get_by_test_id("step-2").get_attribute("data-state") == "next"

    # By keyboard: focus the step, Enter opens its checklist, Tab reaches a "why?" and Enter
    # opens it.
    checklist = page.get_by_test_id("checklist-2")
    assert checklist.is_hidden()
    toggle = page.locator("#step-2-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    checklist.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    rules = checklist.get_by_test_id("check-rules")
    assert rules.get_attribute("data-done") == "false"
    summary = rules.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    rule = rules.locator("details p")
    rule.wait_for(state="visible")
    assert rule.inner_text().strip()
    why = _gettext(language, "Why is this not done?")
    assert summary.inner_text().startswith(why)
    # Buttons fade between their focused and resting colours: axe reads them once they rest.
    _wait_until_still(page)
    page.assert_accessible()

    # Another step's checklist opens by Space; Enter on the step again closes its own.
    page.locator("#step-1-toggle").focus()
    page.keyboard.press("Space")
    page.get_by_test_id("checklist-1").wait_for(state="visible")
    toggle.focus()
    page.keyboard.press("Enter")
    checklist.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"

    # The next meeting is on a card, and the next step's action is the primary button.
    assert "Spring plenary" in page.get_by_test_id("card-next-meeting").inner_text()
    assert page.get_by_test_id("next-step-link").is_visible()

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        assert _fits(page), f"scrolls sideways at {width} px in {language}"
        # Every step stays on the screen, however the row wraps.
        for number in range(1, 7):
            box = page.locator(f"#step-{number}-toggle").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (number, width)


ORGANISATION_WORDS = (
    "Alfa",
    "Bravo",
    "Charlie",
    "Delta",
    "Echo",
    "Foxtrot",
    "Golf",
    "Hotel",
    "India",
    "Juliett",
    "Kilo",
    "Lima",
)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_members_page_fits_and_passes_axe(a11y_page, language):
    page = a11y_page
    alliance, coordinator = _alliance_and_coordinator(language)
    # Named by words, not numbers: a number could also be part of a member's address
    # (person107@…), which the search looks in too.
    for word in ORGANISATION_WORDS:
        MembershipFactory(alliance=alliance, organisation_name=f"Organisation {word}")
    log_in(page, coordinator.email)
    page.goto(f"/alliances/{alliance.pk}/")
    page.assert_accessible()
    page.get_by_test_id("all-members-link").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/members/")
    page.assert_accessible()
    assert page.get_by_test_id("member-table").locator("tbody tr").count() == 15
    page.get_by_label(_gettext(language, "Search by name or organisation")).fill(
        "Organisation Hotel"
    )
    page.get_by_label(_gettext(language, "Search by name or organisation")).press("Enter")
    page.wait_for_url("**/members/?*")
    page.assert_accessible()
    assert page.get_by_test_id("member-table").locator("tbody tr").count() == 1
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        assert _fits(page), f"scrolls sideways at {width} px in {language}"
