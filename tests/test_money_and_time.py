"""Each alliance's currency in its reader's format, and its meetings in its own time zone:
on the plan page and in the plan PDF, on the meeting page, in the .ics and in the reminder mail,
whatever zone the server is set to."""

from __future__ import annotations

import io
import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import icalendar
import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from actionplans import services as plan_services
from actionplans.formatting import money_text
from alliance_portal.money import format_money
from meetings.models import Meeting
from reminders import services as reminder_services
from reminders.models import Delivery, ReminderKind
from reminders.schedule import utc_stamp

from .conftest import client_for
from .factories import make_plan

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _spaced(text: str) -> str:
    """Babel separates thousands and symbols with no-break spaces; compare them as spaces."""
    return text.replace("\N{NO-BREAK SPACE}", " ").replace("\N{NARROW NO-BREAK SPACE}", " ")


def _words(text: str) -> str:
    return " ".join(_spaced(text).split())


# Money ------------------------------------------------------------------------------------------

BUDGETS = [
    # reader's language, the alliance's currency, the budget, how the reader sees it
    ("da", "DKK", Decimal("65000"), "65.000 kr."),
    ("fr", "EUR", Decimal("65000"), "65 000 €"),
    ("sv", "SEK", Decimal("180000"), "180 000 kr"),
]


@pytest.mark.parametrize(("language", "currency", "amount", "shown"), BUDGETS)
def test_money_reads_in_the_readers_format_with_the_currencys_symbol(
    language, currency, amount, shown
):
    with translation.override(language):
        assert _spaced(money_text(amount, currency)) == shown
        # A snapshot stores the amount as text with its cents.
        assert _spaced(money_text(f"{amount}.00", currency)) == shown


def test_money_keeps_its_cents_and_a_missing_amount_stays_empty():
    assert _spaced(format_money(Decimal("8500.50"), "EUR", "fr")) == "8 500,50 €"
    assert _spaced(format_money("1234.5", "SEK", "sv")) == "1 234,50 kr"
    assert format_money(None, "SEK", "sv") == ""
    assert money_text("", "SEK") == ""
    # A code without a symbol of its own keeps the code, apart from the digits.
    assert _spaced(format_money(Decimal("125000"), "SEK", "en")) == "SEK 125,000"


def _plan_with_budget(cast, currency: str, amount: Decimal, language: str):
    cast.alliance.currency = currency
    cast.alliance.save(update_fields=["currency"])
    cast.member.preferred_language = language
    cast.member.save(update_fields=["preferred_language"])
    plan = make_plan(cast.alliance, cast.coordinator)
    # No currency given: a new action's budget is in the alliance's currency.
    action = plan_services.action_add(
        plan=plan,
        actor=cast.coordinator,
        fields={"title": "Train community mediators", "budget_amount": amount},
    )
    assert action.budget_currency == currency
    return plan


@pytest.mark.parametrize(("language", "currency", "amount", "shown"), BUDGETS)
def test_the_plan_page_shows_the_budget_in_the_alliances_currency_and_readers_format(
    cast, language, currency, amount, shown
):
    plan = _plan_with_budget(cast, currency, amount, language)

    response = client_for(cast.member).get(
        reverse("actionplans:plan", args=[cast.alliance.pk, plan.pk])
    )

    assert response.status_code == 200
    page = _spaced(response.content.decode())
    assert shown in page
    assert f"{amount} {currency}" not in page and "SEK" not in page.replace(shown, "")


@pytest.mark.parametrize(("language", "currency", "amount", "shown"), BUDGETS)
def test_the_plan_pdf_prints_the_budget_in_the_alliances_currency_and_readers_format(
    cast, language, currency, amount, shown
):
    plan = _plan_with_budget(cast, currency, amount, language)

    response = client_for(cast.member).get(
        reverse("actionplans:plan_pdf", args=[cast.alliance.pk, plan.pk])
    )

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = _words(" ".join(page.extract_text() for page in reader.pages))
    assert shown in text


def test_the_new_action_form_proposes_the_alliances_currency(cast):
    cast.alliance.currency = "DKK"
    cast.alliance.save(update_fields=["currency"])
    plan = make_plan(cast.alliance, cast.coordinator)

    page = (
        client_for(cast.coordinator)
        .get(reverse("actionplans:action_add", args=[cast.alliance.pk, plan.pk]))
        .content.decode()
    )

    field = re.search(r'<input[^>]*name="budget_currency"[^>]*>', page).group(0)
    assert 'value="DKK"' in field


# Time zones -------------------------------------------------------------------------------------

# A summer date (Paris at UTC+2) and a winter one (UTC+1), each typed as 14:00 in Paris.
MEETING_DAYS = [("2027-07-01", "20270701T120000Z"), ("2027-01-14", "20270114T130000Z")]
# The server in Stockholm (the same offset as Paris) and in New York (hours away), so a time
# shown in the server's zone instead of the alliance's cannot pass.
SERVER_ZONES = ["Europe/Stockholm", "America/New_York"]


def _paris_meeting_through_the_form(cast, day: str) -> Meeting:
    cast.alliance.timezone = "Europe/Paris"
    cast.alliance.save(update_fields=["timezone"])
    response = client_for(cast.secretary).post(
        reverse("meetings:create", args=[cast.alliance.pk]),
        {
            "kind": Meeting.Kind.PLENARY,
            "title": "Plénière de Lyon",
            "host_organisation": "Métropole de Lyon",
            "place": "Hôtel de ville",
            "address": "",
            "online_link": "",
            "starts_at": f"{day}T14:00",
            "ends_at": f"{day}T16:30",
        },
    )
    assert response.status_code == 302, response.content.decode()
    return Meeting.objects.get(alliance=cast.alliance)


@pytest.mark.parametrize("server_zone", SERVER_ZONES)
@pytest.mark.parametrize(("day", "utc_start"), MEETING_DAYS)
def test_a_paris_meeting_at_14_is_14_on_the_page_and_in_the_ics(cast, server_zone, day, utc_start):
    with override_settings(TIME_ZONE=server_zone):
        timezone.activate(zoneinfo.ZoneInfo(server_zone))
        try:
            meeting = _paris_meeting_through_the_form(cast, day)
            client = client_for(cast.member)
            page = client.get(reverse("meetings:detail", args=[cast.alliance.pk, meeting.pk]))
            ics = client.get(reverse("meetings:ics", args=[cast.alliance.pk, meeting.pk]))
        finally:
            timezone.deactivate()

    assert meeting.starts_at.astimezone(PARIS).hour == 14
    when = re.search(r"When</dt><dd[^>]*>(.*?)</dd>", page.content.decode(), re.S).group(1)
    assert "14:00" in when and "16:30" in when and "Europe/Paris" in when
    assert ics.status_code == 200
    text = ics.content.decode()
    assert f"DTSTART:{utc_start}" in text or "DTSTART;TZID=Europe/Paris:" in text
    event = next(iter(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")))
    start = event.decoded("dtstart")
    assert start.astimezone(PARIS).strftime("%H:%M") == "14:00"


@pytest.mark.parametrize("server_zone", SERVER_ZONES)
@pytest.mark.parametrize(("day", "utc_start"), MEETING_DAYS)
def test_the_upcoming_meeting_reminder_says_14_for_a_paris_meeting_at_14(
    cast, server_zone, day, utc_start
):
    with override_settings(TIME_ZONE=server_zone):
        timezone.activate(zoneinfo.ZoneInfo(server_zone))
        try:
            meeting = _paris_meeting_through_the_form(cast, day)
            mail.outbox.clear()
            week_before = meeting.starts_at - timedelta(days=7)
            with time_machine.travel(week_before, tick=False):
                delivery = Delivery.objects.create(
                    kind=ReminderKind.MEETING_UPCOMING,
                    alliance=cast.alliance,
                    object_id=meeting.pk,
                    recipient=cast.member,
                    slot=f"7d@{utc_stamp(meeting.starts_at)}",
                    due_at=week_before,
                )
                outcome = reminder_services.delivery_send(delivery_id=delivery.pk)
        finally:
            timezone.deactivate()

    assert outcome == "sent"
    (message,) = mail.outbox
    when = next(line for line in message.body.splitlines() if line.startswith("When:"))
    assert "14:00" in when and "16:30" in when and "(Europe/Paris)" in when
    html = message.alternatives[0][0]
    html_when = re.search(r"When:(.*?)<br>", html).group(1)
    assert "14:00" in html_when and "16:30" in html_when
    assert utc_start.startswith(day.replace("-", ""))
    assert datetime.strptime(utc_start, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == meeting.starts_at
