"""A secretary plans a meeting, builds its agenda, records attendance and writes the minutes,
which the chair approves; two secretaries writing the same minutes meet the conflict screen."""

from __future__ import annotations

import io
import re
import zoneinfo
from datetime import datetime, timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from actionplans.models import Action
from alliance_portal.permissions import Role
from meetings import services
from meetings.models import Meeting, Minutes, MinutesItem
from tests.factories import AllianceFactory, MembershipFactory, make_meeting

from .conftest import CONTEXT_OPTIONS, A11yTracker
from .flows import log_in, log_out

STANDING_ITEMS = [
    "Welcome and introductions",
    "Minutes of the previous meeting",
    "Updates on activities since the last meeting",
    "Any other business",
    "Date, time and place of the next meeting",
    "Closing and thanks",
]
NEW_ITEM = "Language café for newcomers"
ACTION = "Book the library's room for the spring language café"
SAVED = re.compile(r"Saved at \d{1,2}:\d{2} . version (\d+)")


def _member(alliance, role, first_name, last_name, organisation):
    return MembershipFactory(
        alliance=alliance,
        role=role,
        organisation_name=organisation,
        user__first_name=first_name,
        user__last_name=last_name,
    )


def _agenda_titles(page) -> list[str]:
    texts = page.locator("#agenda li.list-group-item .flex-grow-1 > .fw-semibold")
    return [re.sub(r"^\d+\.\s*", "", text) for text in texts.all_inner_texts()]


def _saved_version(page) -> int:
    status = page.get_by_test_id("save-status")
    expect(status).to_have_text(SAVED)
    return int(SAVED.search(status.inner_text()).group(1))


def _status_version(page) -> int:
    match = re.search(r"version (\d+)", page.get_by_test_id("save-status").inner_text())
    assert match, "the save status shows no version"
    return int(match.group(1))


def _settled(page) -> None:
    """Waits for CSS transitions to end: the focused button fades to its focus colours, and axe
    would otherwise measure the contrast of a colour halfway there."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def _confirm(page, link_name: str, button_name: str, url_part: str) -> None:
    """Follows a link to a confirmation page, checks it, and confirms."""
    page.get_by_role("link", name=link_name, exact=True).click()
    page.wait_for_url(f"**{url_part}")
    page.assert_accessible()
    page.get_by_role("button", name=button_name).click()


def test_secretary_builds_agenda_records_attendance_writes_minutes_and_chair_approves(a11y_page):
    page = a11y_page
    alliance = AllianceFactory(name="Kronoberg Alliance", timezone="Europe/Stockholm")
    chair = _member(alliance, Role.CHAIR, "Karin", "Holm", "Växjö municipality").user
    secretary = _member(alliance, Role.SECRETARY, "Omar", "Haddad", "Alvesta Folk High School")
    anna = _member(alliance, Role.MEMBER, "Anna", "Berg", "Red Cross Växjö")
    _member(alliance, Role.MEMBER, "Erik", "Lund", "Ljungby Football Club")
    _member(alliance, Role.MEMBER, "Sara", "Ek", "Tingsryd library")
    meetings_url = f"/alliances/{alliance.pk}/meetings/"

    log_in(page, secretary.user.email)
    page.goto(meetings_url)
    page.assert_accessible()

    # Plan a meeting that took place yesterday, in the alliance's time zone.
    page.get_by_role("link", name="Plan a meeting").click()
    page.wait_for_url(f"**{meetings_url}new/")
    page.assert_accessible()
    yesterday = datetime.now(zoneinfo.ZoneInfo(alliance.timezone)).date() - timedelta(days=1)
    page.get_by_label("Title").fill("Autumn plenary")
    page.get_by_label("Type").select_option(label="Plenary meeting")
    page.get_by_label("Host organisation").fill("Växjö municipality")
    page.get_by_label("Place").fill("City library, room 2")
    page.get_by_label("Address").fill("Västra Esplanaden 7, Växjö")
    page.get_by_label("Starts").fill(f"{yesterday:%Y-%m-%d}T10:00")
    page.get_by_label("Ends").fill(f"{yesterday:%Y-%m-%d}T12:30")
    page.get_by_role("button", name="Create the meeting").click()
    page.wait_for_url(re.compile(rf"{meetings_url}\d+/$"))
    page.assert_accessible()
    meeting = Meeting.objects.get(alliance=alliance)
    zone = zoneinfo.ZoneInfo(alliance.timezone)
    assert meeting.starts_at.astimezone(zone).replace(tzinfo=None) == datetime(
        yesterday.year, yesterday.month, yesterday.day, 10, 0
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn plenary")
    assert _agenda_titles(page) == STANDING_ITEMS

    # A new item goes to the end of the agenda.
    page.get_by_text("Add an agenda item").click()
    add_form = page.locator("#add-item")
    add_form.get_by_label("Title").fill(NEW_ITEM)
    add_form.get_by_label("Description").fill("Start a weekly café with the library.")
    add_form.get_by_label("Presenter").fill("Anna Berg")
    add_form.get_by_label("Duration (minutes)").fill("20")
    add_form.get_by_role("button", name="Add the item").click()
    page.wait_for_url(re.compile(r"#agenda-item-\d+$"))
    page.assert_accessible()
    assert _agenda_titles(page) == [*STANDING_ITEMS, NEW_ITEM]
    new_item = meeting.agenda_items.get(title=NEW_ITEM)

    # Keyboard: move it up one place; htmx swaps the agenda and focus stays on the item.
    page.get_by_role("button", name=f"Up {NEW_ITEM}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#agenda-status")).to_have_text(f"“{NEW_ITEM}” is now item 6.")
    assert _agenda_titles(page) == [*STANDING_ITEMS[:5], NEW_ITEM, STANDING_ITEMS[5]]
    # htmx moves focus to the [autofocus] button when the swap settles, a moment later.
    page.wait_for_function("() => document.activeElement.closest('#agenda') !== null")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement;
            const item = el && el.closest("li[id^='agenda-item-']");
            return {tag: el.tagName, text: el.textContent.trim(), item: item && item.id};
        }"""
    )
    assert focused["tag"] == "BUTTON"
    assert focused["item"] == f"agenda-item-{new_item.pk}"
    assert re.match(r"^(↑ Up|↓ Down) ", focused["text"]), focused
    _settled(page)
    page.assert_accessible()
    new_item.refresh_from_db()
    assert new_item.position == 6

    # Publish the agenda.
    _confirm(page, "Publish the agenda", "Yes, publish and notify", "/status/publish/")
    page.wait_for_url(re.compile(rf"{meetings_url}{meeting.pk}/$"))
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text(
        "The agenda was published and the invitees notified."
    )

    # Attendance: three of five members present, one absent, one excused.
    page.get_by_role("link", name="Invitees and attendance").click()
    page.wait_for_url("**/participants/")
    page.assert_accessible()
    attendance = {
        "Karin Holm": "Present",
        "Omar Haddad": "Present",
        "Anna Berg": "Present",
        "Erik Lund": "Absent",
        "Sara Ek": "Excused",
    }
    for name, choice in attendance.items():
        group = page.get_by_role("group", name=f"Attendance of {name}")
        group.get_by_text(choice, exact=True).click()
        expect(group.get_by_role("radio", name=choice, exact=True)).to_be_checked()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("main")).to_contain_text("Attendance was saved (5 changed).")
    page.assert_accessible()
    expect(page.get_by_test_id("attendance-rate")).to_have_text(
        "3 of 5 invited members present (60 %)."
    )
    quorum = page.get_by_test_id("quorum")
    expect(quorum).to_contain_text("Quorum met")
    expect(quorum).to_contain_text("The quorum is 50 % of the members: 3 present.")

    # Mark the meeting as held and start the minutes.
    page.get_by_role("link", name=str(meeting)).click()
    page.wait_for_url(re.compile(rf"{meetings_url}{meeting.pk}/$"))
    page.assert_accessible()
    _confirm(page, "Mark as held", "Yes, it was held", "/status/held/")
    page.wait_for_url(re.compile(rf"{meetings_url}{meeting.pk}/$"))
    page.assert_accessible()
    expect(page.get_by_test_id("meeting-status")).to_have_text("Held")
    page.get_by_role("button", name="Start the minutes").click()
    page.wait_for_url("**/minutes/")
    page.assert_accessible()
    minutes = Minutes.objects.get(meeting=meeting)
    items = list(minutes.items.order_by("position"))
    assert [item.title for item in items] == [*STANDING_ITEMS[:5], NEW_ITEM, STANDING_ITEMS[5]]

    # Type a comment into the first item; autosave stores it as a new version.
    editor = page.locator(f"trix-editor#comment-{items[0].pk}")
    expect(editor).to_have_attribute("aria-label", f"Comment on “{STANDING_ITEMS[0]}”")
    version_before = _status_version(page)
    editor.click()
    page.keyboard.type("Karin Holm welcomed everyone; each member introduced themselves.")
    version_after = _saved_version(page)
    assert version_after > version_before
    page.assert_accessible()
    items[0].refresh_from_db()
    assert "each member introduced themselves" in items[0].comment_html

    # A decided action under the new item, swapped in place by htmx.
    section = page.locator(f"#item-{items[5].pk}")
    section.get_by_role("button", name="Add a decided action").click()
    dialog = page.get_by_role("dialog", name="Add a decided action")
    dialog.get_by_label("What was decided").fill(ACTION)
    dialog.get_by_role("combobox", name="Responsible member").fill("Anna")
    dialog.get_by_role("option", name="Anna Berg (Red Cross Växjö)").click()
    dialog.get_by_label("Not applicable (no date)").check()
    dialog.get_by_role("button", name="Add the action").click()
    action_row = section.get_by_test_id("decided-action")
    expect(action_row).to_contain_text(ACTION)
    expect(action_row).to_contain_text("Anna Berg (Red Cross Växjö)")
    expect(action_row).to_contain_text("Not applicable")
    page.assert_accessible()

    # Circulate the minutes for comments.
    _confirm(page, "Circulate for comments", "Yes, circulate them", "/minutes/status/circulate/")
    page.wait_for_url("**/minutes/")
    page.assert_accessible()
    expect(page.get_by_test_id("minutes-status")).to_have_text("Circulated for comments")

    # The chair approves what the confirmation page shows, fingerprint and all.
    log_out(page)
    log_in(page, chair.email)
    page.goto(f"{meetings_url}{meeting.pk}/minutes/")
    page.assert_accessible()
    page.get_by_role("link", name="Approve", exact=True).click()
    page.wait_for_url("**/minutes/status/approve/")
    page.assert_accessible()
    shown_sha256 = page.get_by_test_id("content-sha256").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", shown_sha256)
    page.get_by_role("button", name="Yes, approve the minutes").click()
    page.wait_for_url("**/minutes/")
    page.assert_accessible()
    approval = page.get_by_test_id("approval")
    expect(approval).to_contain_text("Approved by Karin Holm on ")
    expect(approval.locator("code")).to_have_text(shown_sha256)
    expect(page.get_by_test_id("minutes-status")).to_have_text("Approved")

    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    assert minutes.approved_by == chair
    assert minutes.approved_sha256 == shown_sha256
    action = Action.objects.get(decided_in__minutes=minutes)
    assert action.title == ACTION
    assert action.decided_in == items[5]
    assert action.responsible_member == anna
    assert action.due_date is None
    assert action.alliance == alliance

    # The PDF carries the action, who answers for it, and the approved fingerprint.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Minutes as PDF").click()
    reader = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert ACTION in text
    assert "Anna Berg (Red Cross Växjö)" in text
    assert "each member introduced themselves" in text
    # The hash may wrap anywhere on the page, so it is compared without the line breaks.
    assert shown_sha256 in "".join(text.split())


def test_two_secretaries_editing_the_same_minutes_see_the_conflict_screen(
    a11y_page, browser, live_server, axe_source
):
    alliance = AllianceFactory(name="Kronoberg Alliance")
    first = _member(alliance, Role.SECRETARY, "Omar", "Haddad", "Alvesta Folk High School").user
    second = _member(alliance, Role.SECRETARY, "Lina", "Sund", "Växjö municipality").user
    meeting = make_meeting(alliance, first)
    minutes = services.minutes_start(meeting=meeting, actor=first)
    item = minutes.items.order_by("position").first()
    minutes_url = f"/alliances/{alliance.pk}/meetings/{meeting.pk}/minutes/"
    words_a = "Omar opened the meeting at ten."
    words_b = "Lina welcomed the guests from Ljungby."

    page_a = a11y_page
    context_b = browser.new_context(base_url=live_server.url, locale="en-GB", **CONTEXT_OPTIONS)
    page_b = context_b.new_page()
    page_b.set_default_timeout(10_000)
    tracker_b = A11yTracker(page_b, axe_source)
    page_b.assert_accessible = tracker_b.check
    try:
        # Both open the minutes before either has saved.
        for page, user in ((page_a, first), (page_b, second)):
            log_in(page, user.email)
            page.goto(minutes_url)
            page.assert_accessible()
            expect(page.get_by_test_id("save-status")).to_contain_text("version 1")

        page_a.locator(f"trix-editor#comment-{item.pk}").click()
        page_a.keyboard.type(words_a)
        assert _saved_version(page_a) == 2
        item.refresh_from_db()
        assert words_a in item.comment_html

        # The second secretary's autosave is refused; both texts are shown in place.
        page_b.locator(f"trix-editor#comment-{item.pk}").click()
        page_b.keyboard.type(words_b)
        expect(
            page_b.get_by_role(
                "heading", name="Someone else saved these minutes while you were writing"
            )
        ).to_be_visible()
        expect(page_b.get_by_test_id("saved-text")).to_contain_text(words_a)
        expect(page_b.get_by_test_id("my-text")).to_contain_text(words_b)
        assert page_b.url.endswith(minutes_url)
        # The screen that replaced the editor still asks who is editing (and so says that this
        # secretary is still there): the first one is named.
        expect(page_b.get_by_test_id("presence-notice")).to_contain_text("Omar Haddad")
        page_b.assert_accessible()

        # Nothing was overwritten.
        item.refresh_from_db()
        minutes.refresh_from_db()
        assert words_a in item.comment_html
        assert words_b not in item.comment_html
        assert minutes.version == 2

        # The second secretary keeps their own text, knowingly.
        page_b.get_by_label(re.compile("Use my text for")).check()
        page_b.get_by_role("button", name="Save the texts I chose").click()
        expect(page_b.get_by_role("main")).to_contain_text("The minutes were saved.")
        page_b.assert_accessible()
        expect(page_b.get_by_test_id("save-status")).to_contain_text("version 3")
        item = MinutesItem.objects.get(pk=item.pk)
        minutes.refresh_from_db()
        assert words_b in item.comment_html
        assert words_a not in item.comment_html
        assert minutes.version == 3
    finally:
        context_b.close()
    assert tracker_b.unchecked() == [], "pages visited without an axe check"


def test_a_failed_autosave_says_so_and_save_now_keeps_the_text(a11y_page):
    page = a11y_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    secretary = _member(alliance, Role.SECRETARY, "Omar", "Haddad", "Alvesta Folk High School")
    meeting = make_meeting(alliance, secretary.user)
    minutes = services.minutes_start(meeting=meeting, actor=secretary.user)
    item = minutes.items.order_by("position").first()
    words = "Written while the network was down."
    log_in(page, secretary.user.email)
    page.goto(f"/alliances/{alliance.pk}/meetings/{meeting.pk}/minutes/")
    page.assert_accessible()

    # The connection drops: the autosave fails and the page says so, keeping the text.
    page.route("**/minutes/save/", lambda route: route.abort())
    page.locator(f"trix-editor#comment-{item.pk}").click()
    page.keyboard.type(words)
    expect(page.get_by_test_id("save-status")).to_contain_text(
        "Not saved: the portal could not be reached."
    )
    expect(page.locator(f"trix-editor#comment-{item.pk}")).to_contain_text(words)
    page.assert_accessible()
    assert words not in MinutesItem.objects.get(pk=item.pk).comment_html

    # Back online, "Save now" sends the text as a plain form, without a "leave the page?" alert.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.unroute("**/minutes/save/")
    page.get_by_role("button", name="Save now").click()
    expect(page.get_by_role("main")).to_contain_text("The minutes were saved.")
    assert dialogs == []
    page.assert_accessible()
    assert words in MinutesItem.objects.get(pk=item.pk).comment_html
