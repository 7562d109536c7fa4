"""The app shell in Chromium: one row of top bar whatever the language and however long the
names, the side navigation beside the page on a laptop and behind a "Sections" button on a
tablet or phone, and every menu of the shell worked by keyboard alone."""

from __future__ import annotations

import pytest
from django.utils import translation

from alliances.models import Role
from alliances.services import user_set_language
from tests.factories import AllianceFactory, MembershipFactory, UserFactory

from .flows import log_in

LONG_NAME = (
    "Alliance régionale pour l'accueil, l'intégration et l'accompagnement des nouveaux "
    "arrivants en Auvergne-Rhône-Alpes"
)
# One row of the top bar: the brand's line and the padding around it.
ONE_ROW_PX = 64


def _people():
    alliance = AllianceFactory(name=LONG_NAME)
    person = UserFactory(first_name="Marie-Christine", last_name="Vandenbroucke-Lefebvre")
    MembershipFactory(alliance=alliance, user=person, role=Role.COORDINATOR)
    MembershipFactory(alliance=alliance, role=Role.CHAIR)
    MembershipFactory(alliance=alliance, role=Role.SECRETARY)
    second = AllianceFactory(name="Kronoberg Alliance")
    MembershipFactory(alliance=second, user=person, role=Role.MEMBER)
    MembershipFactory(alliance=second, role=Role.CHAIR)
    MembershipFactory(alliance=second, role=Role.SECRETARY)
    return alliance, second, person


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["fr", "nl", "ar", "da"])
def test_the_top_bar_keeps_one_row_with_the_longest_names_and_languages(a11y_page, language):
    page = a11y_page
    alliance, _second, person = _people()
    user_set_language(user=person, language=language)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, person.email)
    page.goto(f"/alliances/{alliance.pk}/meetings/")
    page.assert_accessible()
    assert page.evaluate("document.documentElement.lang") == language
    bar = page.locator(".app-topbar .navbar").bounding_box()
    assert bar["height"] <= ONE_ROW_PX
    assert _no_sideways_scroll(page)
    # The side navigation stands beside the page, its section marked.
    side = page.locator(".app-sidenav")
    assert side.bounding_box()["height"] > 400
    assert page.locator(".sidenav-toggle").is_hidden()
    with translation.override(language):
        label = str(translation.gettext("Meetings"))
    current = page.locator(".app-sidenav a[aria-current]")
    assert current.inner_text().strip() == label
    assert current.get_attribute("aria-current") == "page"


@pytest.mark.parametrize("width", [768, 375])
def test_on_a_narrow_screen_the_sections_open_from_a_button_by_keyboard(a11y_page, width):
    page = a11y_page
    alliance, _second, person = _people()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, person.email)
    page.goto(f"/alliances/{alliance.pk}/")
    page.assert_accessible()
    toggle = page.get_by_role("button", name="Sections")
    links = page.get_by_role("navigation", name="Sections of the alliance").get_by_role(
        "link", name="Stakeholders", exact=True
    )
    assert links.is_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    links.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert _no_sideways_scroll(page)
    links.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/alliances/{alliance.pk}/stakeholders/")
    page.assert_accessible()
    assert _no_sideways_scroll(page)


def test_the_alliance_switcher_and_the_persons_menu_work_by_keyboard(a11y_page):
    page = a11y_page
    alliance, second, person = _people()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, person.email)
    page.goto(f"/alliances/{alliance.pk}/")
    page.assert_accessible()
    switcher = page.get_by_test_id("alliance-switcher")
    assert switcher.get_attribute("title") == LONG_NAME
    switcher.focus()
    page.keyboard.press("Enter")
    # Bootstrap's menus take the arrow keys; the alliances are listed by name.
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent.trim()") == LONG_NAME
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Kronoberg Alliance"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/alliances/{second.pk}/")
    page.assert_accessible()
    assert "Kronoberg Alliance" in page.get_by_test_id("alliance-switcher").inner_text()

    menu = page.get_by_test_id("user-menu")
    assert "Marie-Christine" in menu.inner_text()
    menu.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Your profile").wait_for(state="visible")
    page.keyboard.press("Escape")
    assert page.get_by_role("link", name="Your profile").is_hidden()
    assert page.evaluate("document.activeElement.dataset.testid") == "user-menu"
