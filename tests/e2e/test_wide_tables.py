"""Wide tables fit their page: at a laptop's width, beside the alliance's side navigation, the
action plan, the agreement's status board, the stakeholder register and the plan under review
need no sideways scrolling, and every row's own controls (edit, remove) are in view, in English,
French (the longest words) and Arabic (right to left). On a phone their rows are cards. The
action plan's column chooser hides a column from the keyboard and remembers it.

The data is made to be awkward: long action titles and problems, long organisation names with
one word longer than a column, many rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from actionplans.models import ActionPlan
from actionplans.services import plan_submit
from agreements import services as agreement_services
from agreements.models import AgreementVersion
from alliance_portal.permissions import Role
from alliances.models import Membership, User
from tests.factories import (
    AllianceFactory,
    MembershipFactory,
    StakeholderFactory,
    make_action,
    make_goal,
    make_plan,
    make_published_agreement,
    sign_agreement,
)

LAPTOP, WIDE_LAPTOP, TABLET, PHONE = 1280, 1440, 768, 375
HEIGHT = 900
LONG_WORD = "Arbetsmarknadsintegrationssamordningsförbundet"
LONG_ORGANISATION = f"Kronobergs läns regionala {LONG_WORD} för nyanlända familjer och barn"
LONG_TITLE = (
    "Train community mediators in every municipality of the county, the rural villages "
    "far from the bus lines included, and pair each with a newly arrived family"
)
LONG_PROBLEM = (
    "Newly arrived families do not know where to turn when a child falls ill, when a letter "
    "from the authorities arrives or when the rent cannot be paid, and nobody tells them."
)
ACTIONS = 8
MEMBERS = 6

# Where an element's box lies against the window: what the reader sees without scrolling.
BOX_SCRIPT = """
(element) => {
  const box = element.getBoundingClientRect();
  return {left: box.left, right: box.right, width: window.innerWidth};
}
"""
# The table against the frame that holds it: wider means the reader must scroll inside it.
FIT_SCRIPT = """
(table) => ({table: table.scrollWidth, frame: table.parentElement.clientWidth})
"""
PAGE_WIDTH_SCRIPT = "() => ({page: document.documentElement.scrollWidth, width: innerWidth})"
CARD_SCRIPT = """
(cell) => ({
  display: getComputedStyle(cell).display,
  label: getComputedStyle(cell, "::before").content,
})
"""


@dataclass
class WideAlliance:
    alliance_id: int
    coordinator: User
    chair: User
    draft_plan_id: int
    submitted_plan_id: int
    agreement_version: int


def _build(language: str) -> WideAlliance:
    alliance = AllianceFactory(name=f"{LONG_ORGANISATION} alliance", currency="SEK")
    coordinator = MembershipFactory(
        alliance=alliance,
        role=Role.COORDINATOR,
        organisation_name=LONG_ORGANISATION,
        user__preferred_language=language,
    )
    chair = MembershipFactory(
        alliance=alliance,
        role=Role.CHAIR,
        organisation_name=LONG_ORGANISATION,
        user__preferred_language=language,
    )
    organisations = [
        StakeholderFactory(
            alliance=alliance, organisation__name=f"{LONG_ORGANISATION} {number}"
        ).organisation
        for number in range(1, 4)
    ]
    draft = _plan_with_actions(alliance, coordinator.user, organisations, "Draft plan")
    submitted = _plan_with_actions(alliance, coordinator.user, organisations, "Plan to sign off")
    plan_submit(plan=submitted, actor=coordinator.user)
    version = make_published_agreement(alliance, coordinator.user)
    members = [
        MembershipFactory(
            alliance=alliance, role=Role.MEMBER, organisation_name=f"{LONG_ORGANISATION} {n}"
        )
        for n in range(MEMBERS)
    ]
    for member in members[: MEMBERS // 2]:
        sign_agreement(version, member)
    return WideAlliance(
        alliance_id=alliance.pk,
        coordinator=coordinator.user,
        chair=chair.user,
        draft_plan_id=draft.pk,
        submitted_plan_id=submitted.pk,
        agreement_version=version.number,
    )


def _plan_with_actions(alliance, actor, organisations, title) -> ActionPlan:
    plan = make_plan(alliance, actor, title=title)
    goals = [
        make_goal(plan, actor, title=f"{LONG_TITLE} ({number})", relevance=LONG_PROBLEM)
        for number in (1, 2)
    ]
    for number in range(1, ACTIONS + 1):
        make_action(
            plan,
            actor,
            goals=goals,
            title=f"{number}. {LONG_TITLE}",
            local_problem=LONG_PROBLEM,
            description=LONG_PROBLEM,
            resources=LONG_PROBLEM,
            obstacles=LONG_PROBLEM,
            obstacle_plan=LONG_PROBLEM,
            collaborators=LONG_ORGANISATION,
            responsible_organisation=organisations[number % len(organisations)],
            budget_amount=Decimal("1250000.00"),
            start_date=date(2027, 2, 1),
            due_date=date(2028, 5, 31),
        )
    return plan


def _log_in(page, live_server, user: User) -> None:
    """Gives the browser the session a test client got for `user`: no login form to type."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def _open(page, url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.goto(url)
    page.assert_accessible()


def _assert_no_sideways_scroll(page) -> None:
    sizes = page.evaluate(PAGE_WIDTH_SCRIPT)
    assert sizes["page"] <= sizes["width"], f"the page scrolls sideways: {sizes}"


def _assert_fits(table) -> None:
    sizes = table.evaluate(FIT_SCRIPT)
    assert sizes["table"] <= sizes["frame"], f"the table scrolls inside its frame: {sizes}"


def _assert_in_view(control) -> None:
    box = control.evaluate(BOX_SCRIPT)
    assert box["left"] >= 0 and box["right"] <= box["width"], f"out of view: {box}"


def _plan_url(data: WideAlliance) -> str:
    return reverse("actionplans:plan", args=[data.alliance_id, data.draft_plan_id])


@pytest.mark.parametrize(
    ("language", "width"),
    [("en", LAPTOP), ("en", WIDE_LAPTOP), ("ar", LAPTOP), ("ar", WIDE_LAPTOP), ("fr", LAPTOP)],
)
def test_every_action_rows_edit_and_remove_are_in_view(a11y_page, live_server, language, width):
    data = _build(language)
    _log_in(a11y_page, live_server, data.coordinator)
    _open(a11y_page, _plan_url(data), width)

    rows = a11y_page.get_by_test_id("plan-action")
    expect(rows).to_have_count(ACTIONS)
    for row in rows.all():
        controls = row.get_by_test_id("row-actions")
        edit, remove = controls.locator("a").nth(0), controls.locator("a").nth(1)
        expect(edit).to_be_visible()
        expect(remove).to_be_visible()
        _assert_in_view(edit)
        _assert_in_view(remove)
    _assert_fits(a11y_page.locator("#plan-actions-table"))
    _assert_fits(a11y_page.locator("#goals table"))
    _assert_no_sideways_scroll(a11y_page)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_status_board_register_and_review_fit_beside_the_side_navigation(
    a11y_page, live_server, language
):
    data = _build(language)
    _log_in(a11y_page, live_server, data.chair)

    _open(
        a11y_page,
        reverse("agreements:board", args=[data.alliance_id, data.agreement_version]),
        LAPTOP,
    )
    expect(a11y_page.get_by_test_id("board-row")).to_have_count(MEMBERS + 2)
    _assert_fits(a11y_page.locator("main table"))
    _assert_no_sideways_scroll(a11y_page)

    _open(a11y_page, reverse("stakeholders:list", args=[data.alliance_id]), LAPTOP)
    _assert_fits(a11y_page.locator("main table"))
    _assert_no_sideways_scroll(a11y_page)

    _open(
        a11y_page,
        reverse("actionplans:plan_review", args=[data.alliance_id, data.submitted_plan_id]),
        LAPTOP,
    )
    snapshot = a11y_page.get_by_test_id("snapshot")
    # Every column of the guide is in the record: the less used ones in each row's details,
    # which one button opens for the whole table.
    details = snapshot.locator("details.row-details")
    expect(details).to_have_count(ACTIONS)
    expect(details.first).not_to_have_attribute("open", "")
    snapshot.locator("[data-details-toggle]").click()
    for index in range(ACTIONS):
        expect(details.nth(index)).to_have_attribute("open", "")
    expect(details.first).to_contain_text(LONG_ORGANISATION)
    a11y_page.assert_accessible()
    for table in snapshot.locator("table").all():
        _assert_fits(table)
    _assert_no_sideways_scroll(a11y_page)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_rows_are_cards_on_a_phone(a11y_page, live_server, language):
    data = _build(language)
    _log_in(a11y_page, live_server, data.coordinator)
    pages = {
        _plan_url(data): "#plan-actions-table",
        reverse("agreements:board", args=[data.alliance_id, data.agreement_version]): "main table",
        reverse("stakeholders:list", args=[data.alliance_id]): "main table",
        reverse("actionplans:actions", args=[data.alliance_id]): "main table",
    }
    for url, selector in pages.items():
        _open(a11y_page, url, PHONE)
        table = a11y_page.locator(selector)
        headers = table.locator("thead th")
        first_row_cells = table.locator("tbody tr").first.locator("td[data-label]")
        assert first_row_cells.count() >= 3, url
        for index in range(first_row_cells.count()):
            cell = first_row_cells.nth(index)
            shown = cell.evaluate(CARD_SCRIPT)
            assert shown["display"] == "block", (url, shown)
            label = cell.get_attribute("data-label")
            assert shown["label"] == f'"{label}"', (url, shown)
        # The headings are still the table's, for a screen reader, though not shown.
        assert headers.count() >= 4
        expect(table.get_by_role("columnheader").first).to_be_attached()
        expect(headers.first).not_to_be_in_viewport()
        _assert_no_sideways_scroll(a11y_page)
        # On a tablet the rows are rows again; a table wider than the screen scrolls in its
        # own frame, never the page.
        a11y_page.set_viewport_size({"width": TABLET, "height": HEIGHT})
        assert cell.evaluate(CARD_SCRIPT)["display"] == "table-cell"
        _assert_no_sideways_scroll(a11y_page)


def test_column_chooser_hides_a_column_from_the_keyboard_and_remembers_it(a11y_page, live_server):
    data = _build("en")
    _log_in(a11y_page, live_server, data.coordinator)
    _open(a11y_page, _plan_url(data), LAPTOP)
    table = a11y_page.locator("#plan-actions-table")
    budget_header = table.get_by_role("columnheader", name="Estimated budget")
    budget_cells = table.locator("tbody td[data-label='Estimated budget']")
    expect(budget_header).to_be_visible()

    chooser = a11y_page.get_by_role("button", name="Columns")
    chooser.focus()
    a11y_page.keyboard.press("Enter")
    budget_box = a11y_page.get_by_role("checkbox", name="Estimated budget")
    expect(budget_box).to_be_visible()
    expect(budget_box).to_be_checked()
    # Tab from the button through the checkboxes to the budget's.
    for _ in range(10):
        a11y_page.keyboard.press("Tab")
        if budget_box.evaluate("(box) => box === document.activeElement"):
            break
    expect(budget_box).to_be_focused()
    a11y_page.keyboard.press("Space")
    expect(budget_box).not_to_be_checked()
    expect(budget_header).to_be_hidden()
    expect(budget_cells.first).to_be_hidden()
    a11y_page.assert_accessible()
    # The row's controls cannot be hidden: they have no checkbox.
    assert a11y_page.get_by_role("checkbox").count() == 6

    a11y_page.reload()
    a11y_page.assert_accessible()
    expect(budget_header).to_be_hidden()
    expect(a11y_page.get_by_test_id("row-actions").first).to_be_visible()

    chooser.focus()
    a11y_page.keyboard.press("Enter")
    expect(budget_box).not_to_be_checked()
    budget_box.focus()
    a11y_page.keyboard.press("Space")
    expect(budget_header).to_be_visible()
    expect(budget_cells.first).to_be_visible()
    a11y_page.keyboard.press("Escape")
    expect(budget_box).to_be_hidden()
    expect(chooser).to_be_focused()
    a11y_page.reload()
    a11y_page.assert_accessible()
    expect(budget_header).to_be_visible()


def test_the_board_filters_by_answer_and_a_cached_row_sends_an_invitation(a11y_page, live_server):
    data = _build("en")
    version = AgreementVersion.objects.get(
        agreement__alliance_id=data.alliance_id, number=data.agreement_version
    )
    waiting = (
        Membership.objects.filter(alliance_id=data.alliance_id, role=Role.MEMBER)
        .exclude(agreement_signatures__version=version)
        .first()
    )
    agreement_services.signature_for_member(version=version, membership=waiting)
    _log_in(a11y_page, live_server, data.coordinator)
    board = reverse("agreements:board", args=[data.alliance_id, data.agreement_version])
    _open(a11y_page, board, LAPTOP)

    a11y_page.get_by_label("Answer", exact=True).select_option(label="Not signed yet")
    a11y_page.get_by_role("button", name="Apply filters").click()
    a11y_page.wait_for_url("**/board/?*answer=waiting*")
    a11y_page.assert_accessible()
    # The members who have not signed, and the chair and coordinator, who have not either.
    expected = MEMBERS - MEMBERS // 2 + 2
    expect(a11y_page.get_by_test_id("board-row")).to_have_count(expected)
    expect(a11y_page.get_by_test_id("result-count")).to_contain_text(f"{expected} members")
    for width in (LAPTOP, 768, 375):
        a11y_page.set_viewport_size({"width": width, "height": HEIGHT})
        _assert_no_sideways_scroll(a11y_page)

    a11y_page.set_viewport_size({"width": LAPTOP, "height": HEIGHT})
    a11y_page.get_by_role("button", name=f"Send the invitation {waiting.user}").click()
    expect(a11y_page.get_by_role("main")).to_contain_text(
        f"A new invitation was sent to {waiting.user}"
    )
    a11y_page.assert_accessible()
    row = a11y_page.get_by_test_id("board-row").filter(has_text=str(waiting.user))
    expect(
        row.get_by_role("button", name=f"Send the invitation again {waiting.user}")
    ).to_be_visible()
