"""Keyboard only, from the login page: a member lands on "My work", tabs to the agreement that
waits for their signature and signs it; the chair tabs to the plan waiting for sign-off and
approves it with their password. No mouse: Tab, Shift+Tab, Enter, Space and typing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from actionplans.models import ActionPlan, PlanVersion
from agreements.models import Signature
from alliance_portal.permissions import Role
from tests.factories import (
    TEST_PASSWORD,
    AllianceFactory,
    MembershipFactory,
    make_published_agreement,
    make_submitted_plan,
)

ALLIANCE = "Kronoberg Alliance"
TYPED_NAME = "Maria Elena Lindqvist"
PLAN_TITLE = "Regional action plan 2027-2028"

# What the focused element is, for a failure message: tag, id, name and its visible words.
DESCRIBE_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "(body)";
  const words = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
  return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
    + `${el.name ? "[name=" + el.name + "]" : ""} ${words.slice(0, 60)}`;
}"""


def _is_focused(page, target) -> bool:
    if isinstance(target, Locator):
        return target.evaluate("el => el === document.activeElement")
    if isinstance(target, str):
        return page.evaluate(f"(el => Boolean({target}))(document.activeElement)")
    return bool(target(page))


def tab_to(page, target, limit: int = 60, *, backwards: bool = False) -> None:
    """Presses Tab (Shift+Tab with `backwards`) until the focused element is `target`: a
    Locator, a JavaScript expression about `el` (the focused element), or a function of the
    page. Fails with every element focused on the way when `limit` presses do not reach it."""
    key = "Shift+Tab" if backwards else "Tab"
    visited = []
    for _ in range(limit):
        page.keyboard.press(key)
        if _is_focused(page, target):
            return
        visited.append(page.evaluate(DESCRIBE_ACTIVE))
    pytest.fail(
        f"{key} did not reach {target!r} in {limit} presses; visited:\n" + "\n".join(visited)
    )


def _log_in_by_keyboard(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.assert_accessible()
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(TEST_PASSWORD)
    _press_enter_and_land(page, "**/my-work/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")


def _press_enter_and_land(page, url_pattern) -> None:
    """Enter on the focused link or button; the page it leads to is checked with axe."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(url_pattern)
    page.assert_accessible()


def _work_link(page, href: str) -> Locator:
    return page.locator(f'a[data-testid="work-link"][href="{href}"]')


def test_from_the_login_page_to_a_signed_agreement_by_keyboard(a11y_page):
    page = a11y_page
    alliance = AllianceFactory(name=ALLIANCE)
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    seat = MembershipFactory(
        alliance=alliance,
        role=Role.MEMBER,
        organisation_name="Växjö municipality",
        user__first_name="Maria",
        user__last_name="Lindqvist",
    )
    version = make_published_agreement(alliance, coordinator)

    _log_in_by_keyboard(page, seat.user.email)
    group = page.get_by_test_id("work-sign_agreement")
    expect(group.get_by_test_id("count")).to_have_text("1")
    expect(group).to_contain_text(ALLIANCE)
    sign_url = f"/alliances/{alliance.pk}/agreement/sign/"
    tab_to(page, _work_link(page, sign_url))
    _press_enter_and_land(page, f"**{sign_url}")

    # The signing form: the typed name replaces the profile's, the consent is ticked by Space.
    tab_to(page, page.get_by_label("Your full name, typed as your signature"))
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(TYPED_NAME)
    consent = page.get_by_label("I have read the text above. I sign it with the name I typed")
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Sign the agreement"))
    _press_enter_and_land(page, re.compile(rf"/alliances/{alliance.pk}/agreement/$"))
    expect(page.get_by_role("main")).to_contain_text("You signed this version on ")

    signature = Signature.objects.get(version=version, membership=seat)
    assert signature.status == Signature.Status.SIGNED
    assert signature.typed_name == TYPED_NAME
    assert signature.identity_method == Signature.Identity.LOGIN

    # Back on "My work" (Shift+Tab to the top bar's link), nothing waits any more.
    tab_to(page, page.get_by_test_id("my-work-link"), backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.assert_accessible()
    expect(page.get_by_test_id("my-work-empty")).to_contain_text("Nothing is waiting for you")


def test_the_chair_signs_off_a_submitted_plan_from_my_work_by_keyboard(a11y_page):
    page = a11y_page
    alliance = AllianceFactory(name=ALLIANCE)
    chair = MembershipFactory(alliance=alliance, role=Role.CHAIR).user
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    plan = make_submitted_plan(alliance, coordinator, title=PLAN_TITLE)

    _log_in_by_keyboard(page, chair.email)
    group = page.get_by_test_id("work-sign_off_plan")
    expect(group.get_by_test_id("count")).to_have_text("1")
    expect(group).to_contain_text(PLAN_TITLE)
    review_url = f"/alliances/{alliance.pk}/plans/{plan.pk}/review/"
    tab_to(page, _work_link(page, review_url))
    _press_enter_and_land(page, f"**{review_url}")

    # The re-authentication: the chair's password, then the approve button, by keyboard.
    tab_to(page, page.get_by_label("Your password"))
    page.keyboard.type(TEST_PASSWORD)
    tab_to(page, page.get_by_role("button", name="Approve version 1"))
    _press_enter_and_land(page, re.compile(rf"/alliances/{alliance.pk}/plans/{plan.pk}/$"))
    expect(page.get_by_role("main")).to_contain_text("You approved version 1.")

    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.APPROVED
    version = PlanVersion.objects.get(plan=plan, number=1)
    assert version.approved_by == chair
    assert version.approved_at is not None
