"""A member switches one kind of reminder off in their profile by keyboard, then stops another
from the link in a real reminder mail and undoes it. A coordinator follows the alliance page's
warning to a reminder that could not be sent, sends it again, and changes the schedule."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from alliance_portal.permissions import Role
from reminders.models import Delivery, ReminderKind, ReminderOptOut, ReminderSettings
from reminders.services import reminders_dispatch
from tests.factories import AllianceFactory, MembershipFactory, make_action, make_plan

from .flows import log_in, open_my_alliances

ALLIANCE = "Kronoberg Alliance"
ACTION = "Train community mediators"
DUE_DATE = date(2027, 11, 30)
# Three days before the due date, after the alliance's sending hour (08:00 in Stockholm).
REMINDER_DAY = datetime(2027, 11, 27, 12, 0, tzinfo=UTC)
SMTP_ERROR = "SMTPRecipientsRefused: {'maria@example.org': (550, b'5.1.1 Mailbox unavailable')}"
STOP_LINK = re.compile(r"http://testserver(/reminders/stop/[^/\s]+/)")


def _alliance_with_an_action():
    """An alliance with a coordinator and a member who answers for one open action."""
    alliance = AllianceFactory(name=ALLIANCE)
    coordinator = MembershipFactory(
        alliance=alliance, role=Role.COORDINATOR, user__first_name="Lina", user__last_name="Sund"
    ).user
    seat = MembershipFactory(
        alliance=alliance,
        role=Role.MEMBER,
        user__first_name="Maria",
        user__last_name="Lindqvist",
        user__email="maria@example.org",
    )
    plan = make_plan(alliance, coordinator)
    action = make_action(
        plan, coordinator, title=ACTION, due_date=DUE_DATE, responsible_member=seat
    )
    return alliance, coordinator, seat.user, action


# What the focused element is called: its label, or a button's value or text.
FOCUSED_NAME = """() => {
    const el = document.activeElement;
    if (el.labels && el.labels.length && el.type !== "submit") {
        return el.labels[0].innerText.trim();
    }
    return (el.value || el.textContent || "").trim();
}"""


def _tab_to(page, name: str, *, limit: int = 80) -> None:
    """Presses Tab, and only Tab, until the field or button called `name` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_NAME) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def _stop_link_from_a_reminder_mail(member) -> str:
    """Runs the scheduler on the reminder's day and takes the stop link from the mail it sent."""
    mail.outbox.clear()
    with time_machine.travel(REMINDER_DAY, tick=False):
        reminders_dispatch()
    sent = [m for m in mail.outbox if m.to == [member.email]]
    assert len(sent) == 1, [m.subject for m in mail.outbox]
    message = sent[0]
    delivery = Delivery.objects.get(recipient=member, kind=ReminderKind.ACTION_DUE)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.slot == f"3d@{DUE_DATE}"
    link = STOP_LINK.search(message.body).group(1)
    assert message.extra_headers["List-Unsubscribe"] == f"<http://testserver{link}>"
    return link


def test_member_switches_reminders_off_by_keyboard_and_by_the_mails_stop_link(
    a11y_page, second_a11y_page
):
    _alliance, _coordinator, member, _action = _alliance_with_an_action()
    page = a11y_page

    # 1. From the menu to the profile, and on to the reminders ----------------------------------
    log_in(page, member.email)
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Your profile", exact=True).click()
    page.wait_for_url("**/accounts/profile/")
    page.assert_accessible()
    page.get_by_role("link", name="Reminders by email", exact=True).click()
    page.wait_for_url("**/accounts/reminders/")
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders by email")
    overdue = page.get_by_label("Action overdue", exact=True)
    expect(overdue).to_be_checked()

    # 2. Untick "Action overdue" and save, by keyboard only -------------------------------------
    _tab_to(page, "Action overdue")
    page.keyboard.press("Space")
    expect(overdue).not_to_be_checked()
    _tab_to(page, "Save")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/reminders/")
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text("Your reminder choices were saved.")
    expect(page.get_by_label("Action overdue", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Action due soon", exact=True)).to_be_checked()
    assert list(ReminderOptOut.objects.filter(user=member).values_list("kind", flat=True)) == [
        ReminderKind.ACTION_OVERDUE
    ]

    # 3. The stop link of a real reminder mail, opened without a session ------------------------
    link = _stop_link_from_a_reminder_mail(member)
    stranger = second_a11y_page
    stranger.goto(link)
    stranger.assert_accessible()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Stop a kind of reminder")
    expect(stranger.get_by_role("main")).to_contain_text(
        f"Stop sending reminders of the kind “Action due soon” to {member.email}?"
    )
    with stranger.expect_navigation() as answer:
        stranger.get_by_role("button", name="Stop these reminders").click()
    stranger.assert_accessible()
    assert answer.value.status == 200
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Reminders stopped")
    expect(stranger.get_by_role("status")).to_have_text(
        f"{member.email} will no longer get reminders of the kind “Action due soon”."
    )
    assert ReminderOptOut.objects.filter(user=member, kind=ReminderKind.ACTION_DUE).exists()

    # 4. Undo ------------------------------------------------------------------------------------
    # The visitor has no session and no CSRF cookie: the link in the mail is their credential.
    with stranger.expect_navigation(url=f"**{link}undo/") as answer:
        stranger.get_by_role("button", name="Undo: send them again").click()
    stranger.assert_accessible()
    assert answer.value.status == 200, f"undo answered {answer.value.status}"
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Reminders switched on")
    expect(stranger.get_by_role("status")).to_have_text(
        f"{member.email} gets reminders of the kind “Action due soon” again."
    )
    assert not ReminderOptOut.objects.filter(user=member, kind=ReminderKind.ACTION_DUE).exists()
    # The choice made in the profile is untouched.
    assert ReminderOptOut.objects.filter(user=member, kind=ReminderKind.ACTION_OVERDUE).exists()


def test_coordinator_sends_a_failed_reminder_again_and_changes_the_schedule(a11y_page):
    alliance, coordinator, member, action = _alliance_with_an_action()
    failed = Delivery.objects.create(
        kind=ReminderKind.ACTION_DUE,
        alliance=alliance,
        object_id=action.pk,
        recipient=member,
        slot=f"3d@{DUE_DATE}",
        due_at=timezone.now(),
        status=Delivery.Status.FAILED,
        attempts=5,
        last_error=SMTP_ERROR,
        failed_at=timezone.now(),
    )
    mail.outbox.clear()
    page = a11y_page

    # 1. The alliance page warns, and links to the failed reminders ------------------------------
    log_in(page, coordinator.email)
    open_my_alliances(page)
    page.get_by_role("link", name=re.compile(ALLIANCE)).first.click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/")
    page.assert_accessible()
    banner = page.get_by_test_id("failed-reminders")
    expect(banner).to_contain_text("1 reminder could not be sent.")
    banner.get_by_role("link", name="See which, and send them again").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/reminders/?status=failed")
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reminders of {ALLIANCE}")
    rows = page.get_by_test_id("deliveries").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Action due soon")
    expect(rows.first).to_contain_text(member.email)
    expect(rows.first).to_contain_text(f"5 attempts: {SMTP_ERROR}")

    # 2. Send it again ----------------------------------------------------------------------------
    rows.first.get_by_role("button", name=re.compile(r"^Send again")).click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/reminders/?status=failed")
    page.assert_accessible()
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"The reminder to {member.email} will be sent again.")
    expect(page.get_by_test_id("deliveries")).to_have_count(0)
    expect(page.get_by_test_id("no-deliveries")).to_have_text("Every reminder could be sent.")

    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT
    assert failed.sent_at is not None
    assert failed.attempts == 0
    sent = [m for m in mail.outbox if m.to == [member.email]]
    assert len(sent) == 1
    assert ACTION in sent[0].subject
    assert sent[0].extra_headers["Message-ID"] == f"<reminder-{failed.pk}@testserver>"

    # 3. The schedule: reminders three days before a meeting -------------------------------------
    days = page.get_by_label("Days before a meeting")
    expect(days).to_have_value("7, 1")
    days.fill("3")
    page.get_by_role("button", name="Save the schedule").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/reminders/")
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text("The reminder schedule was saved.")
    expect(page.get_by_label("Days before a meeting")).to_have_value("3")
    row = ReminderSettings.objects.get(alliance=alliance)
    assert row.meeting_days_before == [3]
    assert sorted(row.agreement_days) == [3, 7, 14]
    assert row.switched_off == []
