"""The coordinator report: what a seeded alliance's PDF prints, its header, page numbers, fonts
and language, the period it covers, who may fetch it, and its queries."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from agreements.models import Signature
from alliance_portal.permissions import Role
from alliances.models import Alliance, AuditEntry, Membership, User
from alliances.selectors import alliance_today
from demo.management.commands.seed_demo import ALLIANCE_NAME, demo_email
from journey.rules import journey_for
from meetings import services as meeting_services
from meetings.models import Meeting, Participant
from meetings.selectors import local_time
from reports.forms import ERR_PERIOD_LONG, ERR_PERIOD_ORDER, MAX_PERIOD_DAYS
from reports.report import Period, default_period, report_context

from ..conftest import client_for
from ..factories import MembershipFactory, UserFactory, make_meeting
from .conftest import alliance_of_size, held_meeting, pdf_pages, pdf_text

# A4 in PostScript points, as WeasyPrint writes it.
A4 = (595, 842)
# The report prints a period with a typographic dash.
DASH = "\N{EN DASH}"


def report_url(alliance: Alliance) -> str:
    return reverse("reports:report_pdf", args=[alliance.pk])


def get_report(user, alliance: Alliance, start: date, end: date):
    return client_for(user).get(
        report_url(alliance), {"start": start.isoformat(), "end": end.isoformat()}
    )


def day(value) -> str:
    return date_format(value, "DATE_FORMAT")


def fonts_of(content: bytes) -> list[tuple[str, bool]]:
    """Every font the PDF uses (on its pages and in their drawings), with whether its file is
    embedded."""
    found = []

    def walk(resources):
        resources = resources.get_object() if resources is not None else {}
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            parts = [font, *(part.get_object() for part in font.get("/DescendantFonts", []))]
            descriptors = [
                part["/FontDescriptor"].get_object() for part in parts if "/FontDescriptor" in part
            ]
            embedded = any(
                key in descriptor
                for descriptor in descriptors
                for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found.append((str(font["/BaseFont"]), embedded))
        for xobject in resources.get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in PdfReader(io.BytesIO(content)).pages:
        walk(page.get("/Resources"))
    return found


@pytest.fixture
def demo(db) -> Alliance:
    call_command("seed_demo", stdout=StringIO())
    return Alliance.objects.get(name=ALLIANCE_NAME)


@pytest.fixture
def english_coordinator(demo) -> User:
    return User.objects.get(email=demo_email("Leila", "Ahmadi"))


def demo_period(alliance: Alliance) -> Period:
    return Period(alliance.period_start, alliance_today(alliance))


# What the report prints -------------------------------------------------------------------------


def test_report_of_the_seeded_alliance_prints_every_section(demo, english_coordinator):
    period = demo_period(demo)

    response = get_report(english_coordinator, demo, period.start, period.end)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename="
        f'"kronoberg-alliance-for-community-mediation-report-{period.start}-{period.end}.pdf"'
    )
    text = pdf_text(response.content)
    assert f"Period of the report {day(period.start)} {DASH} {day(period.end)}" in text
    assert demo.vision in text
    seats = Membership.objects.active().filter(alliance=demo).exclude(role=Role.OBSERVER)
    for membership in seats.select_related("user"):
        assert f"{membership.user.get_full_name()} {membership.get_role_display()}" in text
    assert "Karin Åberg" not in text  # the observer holds no seat

    workshop = Meeting.objects.get(alliance=demo, status=Meeting.Status.HELD)
    seated = workshop.participants.filter(holds_seat=True)
    present = seated.filter(attendance=Participant.Attendance.PRESENT).count()
    rate = round(100 * present / seated.count())
    assert (
        f"{workshop.number} {day(local_time(demo, workshop.starts_at))} "
        "Initial workshop Initial workshop "
        f"{present} of {seated.count()} {rate} %"
    ) in text
    assert f"Average attendance of members with a seat: {rate} %." in text
    assert "Second plenary" not in text  # still to come
    assert "#1 Initial workshop Interview five stakeholders about their programmes" in text
    assert "Minutes of #1 Initial workshop approved on" in text

    plan_title = "Regional action plan for newcomers' access to support"
    assert f"Action plan “{plan_title}”, version 1, approved on" in text
    assert f"{plan_title} · {day(demo.period_start)} {DASH} {day(demo.period_end)}" in text
    assert "3 actions, 33 % done on average." in text
    assert "Train a first group of ten communi" in text  # the progress chart's bar

    answers = Counter(
        Signature.objects.filter(version__agreement__alliance=demo).values_list("status", flat=True)
    )
    assert (answers["signed"], answers["declined"], seats.count()) == (6, 1, 9)
    assert "Version 1: 6 of 9 members with a seat have signed." in text
    assert "Declined: 1 · withdrawn: 0 · not answered yet: 2." in text
    assert "6 signatures were given in the period." in text
    assert "Communication and press contact: Johan Berg" in text
    assert "Newly arrived parents Every month" in text

    assert "Autumn review" in text and "A mapped support landscape" in text
    assert "Kick-off SWOT" not in text  # only the latest analysis is printed

    journey = journey_for(demo)
    assert f"{journey.steps_done} of 6 steps done." in text
    titles = [f"{step.number}. {step.title}" for step in journey.steps]
    assert len(titles) == 6
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)

    entry = AuditEntry.objects.get(action="report.exported")
    assert entry.actor == english_coordinator
    assert entry.alliance == demo
    assert entry.changes == {"period": f"{period.start.isoformat()}/{period.end.isoformat()}"}


def test_every_page_has_the_header_and_its_number_on_a4(demo, english_coordinator):
    period = demo_period(demo)

    response = get_report(english_coordinator, demo, period.start, period.end)

    reader = PdfReader(io.BytesIO(response.content))
    pages = pdf_pages(response.content)
    assert len(pages) > 1
    printed = f"Printed {day(alliance_today(demo))} at"
    for number, (page, text) in enumerate(zip(reader.pages, pages, strict=True), start=1):
        assert f"{ALLIANCE_NAME} {printed}" in text, f"page {number} has no header"
        assert f"Coordinator report {number} / {len(pages)}" in text
        box = page.mediabox
        assert (round(box.width), round(box.height)) == A4


def test_letters_of_the_alliances_languages_round_trip_in_embedded_dejavu_fonts(cast):
    letters = "å ä ö Å Ä Ö æ ø Æ Ø é è ç ë ï œ Œ ĳ Ĳ"
    cast.alliance.name = "Ålandsøernes Æblerød-allians"
    cast.alliance.region = f"Letters: {letters}"
    cast.alliance.save(update_fields=["name", "region"])
    person = UserFactory(first_name="Françoise Hélène", last_name="Noël-Brèves")
    MembershipFactory(
        alliance=cast.alliance, user=person, organisation_name="Œuvre Ĳsselmeer Héloïse"
    )
    today = timezone.localdate()

    response = get_report(cast.chair, cast.alliance, today - timedelta(days=30), today)

    text = pdf_text(response.content)
    assert f"Letters: {letters}" in text
    assert "Françoise Hélène Noël-Brèves" in text
    assert "Œuvre Ĳsselmeer Héloïse" in text
    assert "Ålandsøernes Æblerød-allians Printed" in text
    fonts = fonts_of(response.content)
    assert fonts
    assert all("DejaVu" in name for name, _embedded in fonts), fonts
    assert all(embedded for _name, embedded in fonts), fonts


def test_report_counts_only_the_period_and_meetings_that_took_place(cast):
    now = timezone.now()
    held_meeting(
        cast.alliance, secretary=cast.secretary, chair=cast.chair, title="In the period", days_ago=5
    )
    held_meeting(
        cast.alliance, secretary=cast.secretary, chair=cast.chair, title="Long ago", days_ago=200
    )
    make_meeting(
        cast.alliance,
        cast.secretary,
        title="Ended but not marked",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=2),
    )
    cancelled = make_meeting(
        cast.alliance, cast.secretary, title="Called off", starts_at=now - timedelta(days=4)
    )
    meeting_services.meeting_cancel(meeting=cancelled, actor=cast.secretary)
    make_meeting(
        cast.alliance, cast.secretary, title="Next week", starts_at=now + timedelta(days=7)
    )
    today = timezone.localdate()

    text = pdf_text(
        get_report(cast.coordinator, cast.alliance, today - timedelta(days=30), today).content
    )

    assert "In the period" in text
    assert "Follow up In the period" in text
    assert "Ended but not marked" in text
    assert "2 meetings in the period" in text
    for absent in ("Follow up Long ago", "Called off", "Next week"):
        assert absent not in text
    # Its minutes were approved today, though: a sign-off of the period.
    assert "Minutes of #2 Long ago approved on" in text


def test_report_of_an_alliance_with_nothing_yet_says_so(cast):
    today = timezone.localdate()

    response = get_report(cast.coordinator, cast.alliance, today - timedelta(days=30), today)

    text = pdf_text(response.content)
    for missing in (
        "No meeting was held in the period.",
        "No actions were decided in the period's meetings.",
        "No minutes, plan or agreement was signed off in the period.",
        "The alliance has no action plan yet.",
        "No version of the agreement is published yet.",
        "The communication plan has no rows yet.",
        "No SWOT analysis yet.",
        "Public profile Not written yet.",
    ):
        assert missing in text


def test_report_is_printed_in_the_readers_language(cast):
    swedish = cast.coordinator
    swedish.preferred_language = "sv"
    swedish.save(update_fields=["preferred_language"])
    today = timezone.localdate()
    start = today - timedelta(days=30)

    english_pdf = get_report(cast.chair, cast.alliance, start, today).content
    swedish_pdf = get_report(swedish, cast.alliance, start, today).content

    with translation.override("sv"):
        chair_sv, member_sv = str(Role.CHAIR.label), str(Role.MEMBER.label)
    assert chair_sv != "Chair"
    chair_name = cast.chair.get_full_name()
    assert f"{chair_name} Chair" in pdf_text(english_pdf)
    assert f"{chair_name} {chair_sv}" in pdf_text(swedish_pdf)
    assert f"{cast.member.get_full_name()} {member_sv}" in pdf_text(swedish_pdf)
    assert PdfReader(io.BytesIO(english_pdf)).trailer["/Root"]["/Lang"] == "en"
    assert PdfReader(io.BytesIO(swedish_pdf)).trailer["/Root"]["/Lang"] == "sv"
    # The next request of an English reader is English again.
    assert f"{chair_name} Chair" in pdf_text(
        get_report(cast.chair, cast.alliance, start, today).content
    )


# The period ------------------------------------------------------------------------------------


def test_period_form_suggests_the_alliance_period_up_to_today(cast):
    response = client_for(cast.coordinator).get(reverse("reports:index", args=[cast.alliance.pk]))

    assert response.status_code == 200
    expected = default_period(cast.alliance, alliance_today(cast.alliance))
    assert response.context["form"].initial == {"start": expected.start, "end": expected.end}
    assert f'action="{report_url(cast.alliance)}"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2027-03-01", "end": "2027-02-28"}, ERR_PERIOD_ORDER),
        ({"start": "2020-01-01", "end": "2026-01-01"}, ERR_PERIOD_LONG),
        ({"start": "2027-02-30", "end": "2027-03-31"}, "Enter a valid date."),
        ({"start": "yesterday", "end": "2027-03-31"}, "Enter a valid date."),
        ({"end": "2027-03-31"}, "This field is required."),
        ({}, "This field is required."),
        ({"start": "9999-01-01", "end": "9999-12-31"}, "Ensure this value is less than"),
        ({"start": "0001-01-01", "end": "0001-12-31"}, "Ensure this value is greater than"),
    ],
    ids=[
        "reversed",
        "too-long",
        "no-such-day",
        "not-a-date",
        "no-start",
        "empty",
        "year-9999",
        "year-1",
    ],
)
def test_invalid_period_answers_400_with_the_forms_errors(cast, query, message):
    response = client_for(cast.coordinator).get(report_url(cast.alliance), query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert str(message) in response.content.decode()
    assert not AuditEntry.objects.filter(action="report.exported").exists()


def test_the_longest_period_allowed_is_printed(cast):
    start = date(2022, 1, 1)

    ok = get_report(cast.coordinator, cast.alliance, start, start + timedelta(days=MAX_PERIOD_DAYS))
    too_long = get_report(
        cast.coordinator, cast.alliance, start, start + timedelta(days=MAX_PERIOD_DAYS + 1)
    )

    assert ok.status_code == 200 and ok["Content-Type"] == "application/pdf"
    assert too_long.status_code == 400


def test_one_day_period_is_printed(cast):
    today = timezone.localdate()

    response = get_report(cast.coordinator, cast.alliance, today, today)

    assert response.status_code == 200
    assert f"Period of the report {day(today)} {DASH} {day(today)}" in pdf_text(response.content)


# Who may fetch it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("chair", 200),
        ("coordinator", 200),
        ("secretary", 403),
        ("member", 403),
        ("observer", 403),
        ("outsider", 404),
        ("other_chair", 404),
    ],
)
@pytest.mark.parametrize("name", ["reports:index", "reports:report_pdf"])
def test_only_the_chair_and_the_coordinator_may_export_reports(cast, role, status, name):
    today = timezone.localdate()
    url = reverse(name, args=[cast.alliance.pk])

    response = client_for(cast.user(role)).get(url, {"start": today, "end": today})

    assert response.status_code == status
    exported = AuditEntry.objects.filter(action="report.exported").exists()
    assert exported == (status == 200 and name == "reports:report_pdf")


def test_anonymous_visitors_are_sent_to_log_in(cast):
    response = client_for(None).get(report_url(cast.alliance))

    assert response.status_code == 302
    assert "login" in response["Location"]


# Queries ---------------------------------------------------------------------------------------


def test_report_queries_do_not_grow_with_the_alliance(db):
    small, large = alliance_of_size(1), alliance_of_size(5)
    today = timezone.localdate()
    period = Period(today - timedelta(days=60), today)
    counted = {}
    for alliance in (small, large):
        with CaptureQueriesContext(connection) as queries:
            context = report_context(alliance, period)
            render_to_string("reports/pdf/coordinator_report.html", context)
        counted[alliance] = (len(queries), context)

    (small_count, small_context), (large_count, large_context) = counted.values()
    assert [len(small_context["meetings"]), len(large_context["meetings"])] == [1, 5]
    assert len(large_context["decisions"]["actions"]) == 5
    assert len(large_context["plan_status"]["board"].actions) == 5
    assert large_context["agreement"]["signed"] == 5
    assert len(large_context["communication"]["rows"]) == 5
    assert large_context["balance"].representatives == 8
    assert small_count == large_count


def test_report_view_queries_do_not_grow_with_the_alliance(db):
    small, large = alliance_of_size(1), alliance_of_size(4)
    today = timezone.localdate()
    counts = []
    for alliance in (small, large):
        coordinator = alliance.memberships.get(role=Role.COORDINATOR).user
        client = client_for(coordinator)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                report_url(alliance),
                {"start": (today - timedelta(days=60)).isoformat(), "end": today.isoformat()},
            )
        assert response.status_code == 200
        counts.append(len(queries))
    assert "Plenary 4" in pdf_text(response.content)
    assert counts[0] == counts[1]
