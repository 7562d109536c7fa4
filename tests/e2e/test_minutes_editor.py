"""The minutes editor of a long meeting, driven the way its users drive it: a secretary who writes
the minutes of fifteen items with the keyboard alone, and two editors who see each other."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from actionplans.models import Action
from alliance_portal.permissions import Role
from meetings import services
from meetings.models import MinutesItem
from tests.factories import TEST_PASSWORD, AllianceFactory, MembershipFactory, make_meeting

TOPICS = 9  # beyond the six standing items: fifteen in all
WIDTHS = (1280, 768, 375)
COMMENT = "Fatima Haddad welcomed everyone and opened the meeting."
MORE = " The guests from Ljungby introduced themselves."
ACTION = "Ask the library for a room for the language café"
PRESENCE_TIMEOUT = 20_000  # milliseconds: four polls of the page and one to spare


def _member(alliance, role, first_name, last_name, organisation, **user):
    return MembershipFactory(
        alliance=alliance,
        role=role,
        organisation_name=organisation,
        user__first_name=first_name,
        user__last_name=last_name,
        **{f"user__{name}": value for name, value in user.items()},
    )


def log_in(page, email: str) -> None:
    """Logs in through the login page and waits for wherever the portal lands; both checked."""
    page.goto("/accounts/login/")
    page.assert_accessible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda address: "/accounts/login/" not in address)
    page.assert_accessible()


def _long_meeting(alliance, secretary):
    """A meeting of fifteen items with its minutes started; returns them and the minutes URL."""
    meeting = make_meeting(alliance, secretary)
    for number in range(TOPICS):
        services.agenda_item_add(
            meeting=meeting,
            actor=secretary,
            fields={"title": f"Topic {number + 1:02}", "presenter": "", "duration_minutes": 5},
        )
    minutes = services.minutes_start(meeting=meeting, actor=secretary)
    items = list(minutes.items.order_by("position"))
    assert len(items) == 15
    return minutes, items, f"/alliances/{alliance.pk}/meetings/{meeting.pk}/minutes/"


def _focused(page) -> str:
    """The focused element as tag#id, enough to tell the editor's controls apart."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''); }"
    )


def _presses_until(page, key: str, target: str, limit: int = 12) -> int:
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if _focused(page) == target:
            return presses
    raise AssertionError(f"{target} not reached with {limit} presses of {key}")


def _typing_settled(page, editor: str, text: str) -> None:
    """Waits until the editor shows what was typed and has drawn it: the rich-text editor puts
    the cursor back after drawing, which would pull focus back from a Tab pressed at once. A
    person is never that fast; the test's keyboard is."""
    expect(page.locator(editor)).to_contain_text(text)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")


def test_a_secretary_writes_long_minutes_with_the_keyboard_alone(a11y_page):
    page = a11y_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    secretary = _member(alliance, Role.SECRETARY, "Omar", "Sund", "Alvesta Folk High School")
    fatima = _member(alliance, Role.MEMBER, "Fatima", "Haddad", "Red Cross Växjö")
    _member(alliance, Role.MEMBER, "Fredrik", "Holm", "Växjö municipality")
    _member(alliance, Role.MEMBER, "Anna", "Berg", "Ljungby Library")
    _minutes, items, url = _long_meeting(alliance, secretary.user)
    first = items[0]
    editor_id = f"trix-editor#comment-{first.pk}"

    log_in(page, secretary.user.email)
    page.goto(url)
    page.assert_accessible()

    # From the first comment, Save is a few key presses away, and the way back is as short.
    page.locator(editor_id).click()
    back = _presses_until(page, "Shift+Tab", "button#save-now")
    assert back < 5
    assert _presses_until(page, "Tab", editor_id) == back

    # The formatting toolbar costs one stop: its buttons are reached with the arrow keys.
    page.keyboard.press("Shift+Tab")
    toolbar = page.get_by_role("toolbar", name=re.compile("Comment on “Welcome and intro"))
    expect(toolbar.locator("button[tabindex='0']")).to_have_count(1)
    bold = toolbar.get_by_role("button", name="Bold")
    expect(bold).to_be_focused()
    page.keyboard.press("ArrowRight")
    italic = toolbar.get_by_role("button", name="Italic")
    expect(italic).to_be_focused()
    expect(italic).to_have_attribute("tabindex", "0")
    expect(bold).to_have_attribute("tabindex", "-1")
    page.keyboard.press("Escape")
    assert _focused(page) == editor_id
    page.keyboard.type(COMMENT)
    _typing_settled(page, editor_id, COMMENT)

    # The decided-action dialog, opened for this item from its button.
    page.keyboard.press("Tab")
    assert _focused(page) == f"input#no-actions-{first.pk}"
    page.keyboard.press("Tab")
    assert _focused(page) == f"a#add-action-{first.pk}"
    opener = page.locator(f"#add-action-{first.pk}")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add a decided action")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(first.title)
    expect(dialog.get_by_label("What was decided")).to_be_focused()
    page.keyboard.type(ACTION)

    page.keyboard.press("Tab")
    picker = dialog.get_by_role("combobox", name="Responsible member")
    expect(picker).to_be_focused()
    page.keyboard.type("hadd")
    expect(picker).to_have_attribute("aria-expanded", "true")
    listbox = page.locator(f"#{picker.get_attribute('aria-controls')}")
    expect(listbox).to_have_attribute("role", "listbox")
    expect(listbox.locator("[role=option]:visible")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    active = picker.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_text("Fatima Haddad (Red Cross Växjö)")
    expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
    page.assert_accessible()
    page.keyboard.press("Enter")
    expect(picker).to_have_value("Fatima Haddad (Red Cross Växjö)")
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(dialog).to_be_visible()  # Enter chose the person; it did not send the form

    # On through the organisation and the date, whose day, month and year are stops of their own.
    _presses_until(page, "Tab", "input#action-na", limit=6)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # Cancel
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Add the action")).to_be_focused()
    page.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    expect(page.locator(f"#actions-{first.pk}").get_by_test_id("decided-action")).to_contain_text(
        "Fatima Haddad (Red Cross Växjö)"
    )
    expect(opener).to_be_focused()
    action = Action.objects.get(decided_in=first)
    assert (action.title, action.responsible_member, action.due_date) == (ACTION, fatima, None)

    # More text, saved at once with Ctrl+S rather than by the autosave a moment later.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert _focused(page) == editor_id
    page.keyboard.press("End")
    page.keyboard.type(MORE)
    with page.expect_request(
        lambda request: request.url.endswith("/minutes/save/") and request.method == "POST",
        timeout=1_000,
    ):
        page.keyboard.press("Control+s")
    expect(page.get_by_test_id("save-status")).to_contain_text("Saved at")
    assert page.url.endswith(url)
    saved = MinutesItem.objects.get(pk=first.pk).comment_html
    assert COMMENT in saved
    assert MORE.strip() in saved
    assert _focused(page) == editor_id
    page.assert_accessible()


def test_an_escaped_dialog_returns_focus_and_refused_entries_stay_in_it(a11y_page):
    page = a11y_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    secretary = _member(alliance, Role.SECRETARY, "Omar", "Sund", "Alvesta Folk High School")
    _member(alliance, Role.MEMBER, "Fatima", "Haddad", "Red Cross Växjö")
    _minutes, items, url = _long_meeting(alliance, secretary.user)
    item = items[7]

    log_in(page, secretary.user.email)
    page.goto(url)
    page.assert_accessible()
    opener = page.locator(f"#add-action-{item.pk}")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add a decided action")
    expect(dialog).to_contain_text(item.title)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # Escape closes the person picker's list first, and only then the dialog.
    page.keyboard.press("Enter")
    page.keyboard.type(ACTION)
    page.keyboard.press("Tab")
    picker = dialog.get_by_role("combobox", name="Responsible member")
    page.keyboard.press("ArrowDown")
    expect(picker).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # Sent without a person or a date: the dialog stays open and says what is missing.
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("What was decided")).to_have_value(ACTION)
    page.keyboard.press("Enter")
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("date")
    expect(alert).to_be_focused()
    expect(dialog.get_by_label("What was decided")).to_have_value(ACTION)
    expect(dialog.get_by_role("combobox", name="Responsible member")).to_be_visible()
    page.assert_accessible()
    assert not Action.objects.filter(decided_in=item).exists()
    page.keyboard.press("Escape")

    # The outline jumps to an item and puts the cursor in its comment.
    outline = page.get_by_role("navigation", name="Agenda")
    outline.get_by_role("button", name="Agenda").click()
    outline.get_by_role("link", name=f"12. {items[11].title}").click()
    expect(page.locator(f"trix-editor#comment-{items[11].pk}")).to_be_focused()
    expect(page.locator(f"#item-heading-{items[11].pk}")).to_be_in_viewport()
    expect(page.get_by_test_id("save-bar")).to_be_in_viewport()


def test_two_editors_see_each_other_and_the_notice_goes_when_one_leaves(
    a11y_page, second_a11y_page
):
    alliance = AllianceFactory(name="Kronoberg Alliance")
    chair = _member(alliance, Role.CHAIR, "Fatima", "Haddad", "Red Cross Växjö").user
    secretary = _member(alliance, Role.SECRETARY, "Omar", "Sund", "Alvesta Folk High School").user
    _minutes, _items, url = _long_meeting(alliance, secretary)
    first_page, second_page = a11y_page, second_a11y_page

    log_in(first_page, chair.email)
    first_page.goto(url)
    first_page.assert_accessible()
    log_in(second_page, secretary.email)
    second_page.goto(url)

    notice = second_page.get_by_test_id("presence")
    expect(notice).to_have_attribute("aria-live", "polite")
    expect(notice).to_have_text(
        re.compile("also editing now: Fatima Haddad", re.IGNORECASE), timeout=PRESENCE_TIMEOUT
    )
    second_page.assert_accessible()
    expect(first_page.get_by_test_id("presence")).to_have_text(
        re.compile("also editing now: Omar Sund", re.IGNORECASE), timeout=PRESENCE_TIMEOUT
    )

    # The chair closes the editor: the page says so as it goes, the notice goes at once.
    left_at = time.monotonic()
    first_page.close(run_before_unload=True)
    expect(notice).to_have_text("", timeout=PRESENCE_TIMEOUT)
    # Sooner than the fifteen seconds after which a silent page counts as gone.
    assert time.monotonic() - left_at < 14


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_editor_fits_every_width_in_both_directions(a11y_page, language):
    page = a11y_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    secretary = _member(
        alliance,
        Role.SECRETARY,
        "Omar",
        "Sund",
        "Alvesta Folk High School",
        preferred_language=language,
    )
    _member(alliance, Role.MEMBER, "Fatima", "Haddad", "Red Cross Växjö")
    _minutes, items, url = _long_meeting(alliance, secretary.user)

    log_in(page, secretary.user.email)
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    page.assert_accessible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the editor scrolls sideways by {overflow} px at {width} px"
        bar = page.get_by_test_id("save-bar")
        page.locator(f"#item-{items[-1].pk}").scroll_into_view_if_needed()
        expect(bar).to_be_in_viewport()
    page.locator(f"#add-action-{items[3].pk}").click()
    dialog = page.locator("#action-dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375
    page.assert_accessible()
