"""The agenda and minutes PDFs: the guide's layout, read back as text, and who may fetch them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from pypdf import PdfReader

from meetings import selectors, services
from meetings.models import Meeting, Minutes, StandingItem

from ..conftest import client_for
from ..factories import make_meeting, make_minutes

# 09:00 UTC is 10:00 in Stockholm in December (CET, UTC+1).
DECEMBER_MORNING = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
# The documents print a time range with a typographic dash.
TIME_RANGE = "\N{EN DASH}"


def pdf_pages(content: bytes) -> list[str]:
    """Each page's words; table cells wrap, so words are compared, not lines."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))


def agenda_pdf(user, meeting: Meeting):
    url = reverse("meetings:agenda_pdf", args=[meeting.alliance_id, meeting.pk])
    return client_for(user).get(url)


def minutes_pdf(user, meeting: Meeting):
    url = reverse("meetings:minutes_pdf", args=[meeting.alliance_id, meeting.pk])
    return client_for(user).get(url)


def item_of(minutes: Minutes, kind: str):
    return minutes.items.get(kind=kind)


def save_comments(minutes: Minutes, actor, comments: dict[int, str]) -> Minutes:
    minutes.refresh_from_db()
    return services.minutes_save(
        minutes=minutes, actor=actor, base_version=minutes.version, comments=comments
    )


def set_organisation(cast, user, name: str) -> None:
    membership = cast.membership(user)
    membership.organisation_name = name
    membership.save(update_fields=["organisation_name"])


# The agenda -------------------------------------------------------------------------------------


def test_agenda_lists_the_standing_items_in_order_with_times_from_their_durations(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)

    response = agenda_pdf(cast.member, meeting)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="agenda-1-plenary-meeting.pdf"' in response["Content-Disposition"]
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert box.width < box.height  # portrait
    text = pdf_text(response.content)
    expected_rows = [
        "1. 10:00 Welcome and introductions",
        "2. 10:10 Minutes of the previous meeting",
        "3. 10:20 Updates on activities since the last meeting",
        "4. 11:00 Any other business",
        "5. 11:15 Date, time and place of the next meeting",
        "6. 11:25 Closing and thanks",
        "11:30 End of the meeting",
    ]
    positions = [text.index(row) for row in expected_rows]
    assert positions == sorted(positions)
    for fact in (
        "Kronoberg Alliance",
        "Agenda",
        "Plenary meeting",
        "Växjö municipality",
        "City library, room 2",
        "Västra Esplanaden 7, Växjö",
        f"10:00{TIME_RANGE}13:00",
        "Europe/Stockholm",
    ):
        assert fact in text


def test_agenda_times_are_in_the_alliance_time_zone_not_the_servers(cast):
    cast.alliance.timezone = "Europe/Helsinki"
    cast.alliance.save(update_fields=["timezone"])
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)

    text = pdf_text(agenda_pdf(cast.member, meeting).content)

    assert "1. 11:00 Welcome and introductions" in text
    assert f"11:00{TIME_RANGE}14:00" in text
    assert "Europe/Helsinki" in text


def test_agenda_shows_description_presenter_and_online_link(cast):
    meeting = make_meeting(
        cast.alliance,
        cast.secretary,
        starts_at=DECEMBER_MORNING,
        online_link="https://video.example.org/room-7",
    )
    services.agenda_item_add(
        meeting=meeting,
        actor=cast.secretary,
        fields={
            "title": "Language café evaluation",
            "description": "What the volunteers learnt.",
            "presenter": "Library team",
            "duration_minutes": 20,
        },
    )

    text = pdf_text(agenda_pdf(cast.member, meeting).content)

    assert "7. 11:30 Language café evaluation What the volunteers learnt." in text
    assert "Presented by Library team 20" in text
    assert "11:50 End of the meeting" in text
    assert "https://video.example.org/room-7" in text


def test_agenda_names_the_previous_meeting_and_the_next_one(cast):
    make_meeting(
        cast.alliance,
        cast.secretary,
        title="Autumn plenary",
        starts_at=datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
    )
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    make_meeting(
        cast.alliance,
        cast.secretary,
        title="Spring plenary",
        place="Folk high school",
        starts_at=datetime(2027, 3, 4, 9, 0, tzinfo=UTC),
    )

    text = pdf_text(agenda_pdf(cast.member, meeting).content)

    previous_item = text.index("2. 10:10 Minutes of the previous meeting")
    assert text.index("Minutes of meeting 1, Autumn plenary, held Oct. 1, 2026") > previous_item
    assert "Meeting 3: Spring plenary Thursday March 4, 2027, 10:00" in text
    assert "Folk high school" in text


def test_first_meetings_agenda_says_there_are_no_previous_minutes_and_no_next_meeting(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)

    text = pdf_text(agenda_pdf(cast.member, meeting).content)

    assert "there are no previous minutes" in text
    assert "Next meeting Not decided yet" in text


def test_cancelled_meetings_agenda_says_cancelled_at_the_top_of_every_page(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    for number in range(12):  # enough items for a second page
        services.agenda_item_add(
            meeting=meeting,
            actor=cast.secretary,
            fields={"title": f"Working group report {number}", "description": "Details. " * 60},
        )
    services.meeting_cancel(meeting=meeting, actor=cast.secretary)

    pages = pdf_pages(agenda_pdf(cast.member, meeting).content)

    assert len(pages) >= 2
    assert pages[0].startswith("CANCELLED")
    assert all("CANCELLED" in page for page in pages)


def test_agenda_of_a_planned_meeting_is_not_marked_cancelled(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)

    assert "CANCELLED" not in pdf_text(agenda_pdf(cast.member, meeting).content)


def test_agenda_is_marked_draft_until_it_is_published(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    assert "DRAFT AGENDA: not published yet" in pdf_text(agenda_pdf(cast.member, meeting).content)

    services.agenda_publish(meeting=meeting, actor=cast.secretary)

    assert "DRAFT AGENDA" not in pdf_text(agenda_pdf(cast.member, meeting).content)


# The minutes ------------------------------------------------------------------------------------


def test_minutes_list_present_and_absent_people_with_organisations(cast):
    set_organisation(cast, cast.chair, "Växjö municipality")
    set_organisation(cast, cast.secretary, "Red Cross Kronoberg")
    set_organisation(cast, cast.coordinator, "County administrative board")
    set_organisation(cast, cast.member, "Syrian cultural association")
    set_organisation(cast, cast.observer, "Adult education centre")
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    people = {p.user_id: p for p in meeting.participants.all()}
    services.attendance_record(
        meeting=meeting,
        actor=cast.secretary,
        attendance={
            people[cast.chair.pk].pk: "present",
            people[cast.secretary.pk].pk: "present",
            people[cast.coordinator.pk].pk: "present",
            people[cast.member.pk].pk: "absent",
            people[cast.observer.pk].pk: "excused",
        },
    )
    services.guest_invite(
        meeting=meeting,
        actor=cast.secretary,
        name="Amal Visitor",
        email="",
        organisation_name="Migration agency",
        present=True,
    )
    minutes = make_minutes(meeting, cast.secretary)

    text = pdf_text(minutes_pdf(cast.secretary, meeting).content)

    present, absent = text.split("Present Name Organisation", 1)[1].split(
        "Absent Name Organisation", 1
    )
    absent = absent.split("Attendance:", 1)[0]
    for user, organisation in (
        (cast.chair, "Växjö municipality"),
        (cast.secretary, "Red Cross Kronoberg"),
        (cast.coordinator, "County administrative board"),
    ):
        assert f"{user} {organisation}" in present
    assert "Amal Visitor (guest) Migration agency" in present
    assert f"{cast.member} Syrian cultural association" in absent
    assert f"{cast.observer} (excused) Adult education centre" in absent
    assert str(cast.member) not in present
    summary = selectors.minutes_context(minutes)["attendance"]
    assert (summary.members, summary.members_present, summary.rate) == (4, 3, 75)
    assert "Attendance: 3 of 4 members present (75 %)" in text
    assert "The quorum (50 %, at least 2 members) was met." in text


def test_minutes_say_when_the_quorum_was_not_met(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    chair = meeting.participants.get(user=cast.chair)
    services.attendance_record(
        meeting=meeting, actor=cast.secretary, attendance={chair.pk: "present"}
    )
    make_minutes(meeting, cast.secretary)

    text = pdf_text(minutes_pdf(cast.secretary, meeting).content)

    assert "Attendance: 1 of 4 members present (25 %)" in text
    assert "was not met" in text


def test_minutes_table_shows_decided_actions_with_owner_and_date(cast):
    set_organisation(cast, cast.member, "Syrian cultural association")
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)
    updates = item_of(minutes, StandingItem.UPDATES)
    save_comments(minutes, cast.secretary, {updates.pk: "<p>The language café is full.</p>"})
    action = services.decided_action_add(
        item=updates,
        actor=cast.secretary,
        title="Book a bigger room",
        responsible_member=cast.membership(cast.member),
        due_date=date(2027, 1, 15),
    )

    text = pdf_text(minutes_pdf(cast.secretary, meeting).content)

    assert "Item Comment Date for implementation" in text
    due = date_format(date(2027, 1, 15), "DATE_FORMAT")
    row = text.split("3. Updates on activities since the last meeting", 1)[1].split(
        "4. Any other business", 1
    )[0]
    assert action.responsible_label == f"{cast.member} (Syrian cultural association)"
    for expected in (
        "The language café is full.",
        "Book a bigger room",
        f"Responsible: {action.responsible_label}",
        due,
    ):
        assert expected in row
    assert "Not applicable" not in row


def test_items_without_actions_or_dates_say_not_applicable(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)
    services.decided_action_add(
        item=item_of(minutes, StandingItem.OTHER_BUSINESS),
        actor=cast.secretary,
        title="Share the photos",
    )

    text = pdf_text(minutes_pdf(cast.secretary, meeting).content)

    # Six items, none with a dated action: each row's date column says so.
    assert text.count("Not applicable") == 6
    welcome = text.split("1. Welcome and introductions", 1)[1].split("2. Minutes", 1)[0]
    assert "Not applicable" in welcome
    other = text.split("4. Any other business", 1)[1].split("5. Date, time", 1)[0]
    assert "Share the photos" in other
    assert "Not applicable" in other


def test_minutes_name_the_next_meeting_or_say_it_is_not_decided(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    make_minutes(meeting, cast.secretary)

    assert "Next meeting Not decided yet." in pdf_text(minutes_pdf(cast.chair, meeting).content)

    make_meeting(
        cast.alliance,
        cast.secretary,
        title="Spring plenary",
        host_organisation="Folk high school",
        starts_at=datetime(2027, 3, 4, 9, 0, tzinfo=UTC),
    )
    text = pdf_text(minutes_pdf(cast.chair, meeting).content)
    assert "Next meeting Meeting 2: Spring plenary Thursday March 4, 2027, 10:00" in text
    assert "Folk high school" in text
    assert "Not decided yet" not in text


@pytest.mark.parametrize("circulate", [False, True], ids=["draft", "circulated"])
def test_unapproved_minutes_are_marked_draft_on_every_page(cast, circulate):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)
    long_comment = "<p>" + "The working group reported on the mediator training. " * 90 + "</p>"
    save_comments(minutes, cast.secretary, {item.pk: long_comment for item in minutes.items.all()})
    if circulate:
        services.minutes_circulate(minutes=minutes, actor=cast.secretary)

    pages = pdf_pages(minutes_pdf(cast.secretary, meeting).content)

    assert len(pages) >= 2
    assert all("DRAFT" in page for page in pages)
    assert all(("circulated for comments" in page) == circulate for page in pages)
    assert not any("SHA-256" in page for page in pages)


@pytest.mark.parametrize("lock", [False, True], ids=["approved", "locked"])
def test_approved_minutes_show_the_approval_and_the_full_sha256(cast, lock):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    services.minutes_approve(minutes=minutes, actor=cast.chair)
    if lock:
        services.minutes_lock(minutes=minutes, actor=cast.chair)
    minutes.refresh_from_db()
    approved_at = selectors.local_time(cast.alliance, minutes.approved_at)

    text = pdf_text(minutes_pdf(cast.member, meeting).content)

    assert len(minutes.approved_sha256) == 64
    assert minutes.approved_sha256 in text
    assert (
        f"Approved by {cast.chair} on {date_format(approved_at, 'DATE_FORMAT')} "
        f"at {approved_at:%H:%M} (Europe/Stockholm)."
    ) in text
    assert ("nothing in them can change any more" in text) == lock
    assert "DRAFT" not in text


def test_minutes_approved_at_the_next_meeting_name_that_meeting(cast, time_machine):
    time_machine.move_to(datetime(2027, 1, 10, 9, 0, tzinfo=UTC), tick=False)
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    following = make_meeting(
        cast.alliance,
        cast.secretary,
        title="Spring plenary",
        starts_at=datetime(2027, 3, 4, 9, 0, tzinfo=UTC),
    )
    following_minutes = make_minutes(following, cast.secretary)
    # Approval is recorded at the following meeting, so once it has started.
    time_machine.move_to(datetime(2027, 3, 4, 11, 0, tzinfo=UTC), tick=False)
    services.minutes_record_approval(
        item=item_of(following_minutes, StandingItem.PREVIOUS_MINUTES), actor=cast.secretary
    )

    text = pdf_text(minutes_pdf(cast.member, meeting).content)

    assert "Approved at meeting 2, Spring plenary, held March 4, 2027." in text


def test_corrections_after_approval_are_listed_with_reason_and_hash(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    services.minutes_approve(minutes=minutes, actor=cast.chair)
    minutes.refresh_from_db()
    services.minutes_correct(
        minutes=minutes,
        actor=cast.secretary,
        base_version=minutes.version,
        comments={item_of(minutes, StandingItem.WELCOME).pk: "<p>Eight members attended.</p>"},
        reason="The head count was wrong",
    )
    correction = minutes.revisions.get(kind="correction")

    text = pdf_text(minutes_pdf(cast.member, meeting).content)

    assert "Corrections after approval" in text
    assert "The head count was wrong" in text
    assert correction.sha256 in text
    assert "Eight members attended." in text


def test_script_in_comments_and_titles_is_never_markup(cast):
    meeting = make_meeting(
        cast.alliance,
        cast.secretary,
        title="<script>alert('title')</script> Winter plenary",
        starts_at=DECEMBER_MORNING,
    )
    minutes = make_minutes(meeting, cast.secretary)
    welcome = item_of(minutes, StandingItem.WELCOME)
    save_comments(
        minutes,
        cast.secretary,
        {
            welcome.pk: (
                "<p>Everyone was welcomed.</p><script>alert('comment')</script>"
                '<img src="https://tracker.example.org/x.png" onerror="alert(1)">'
            )
        },
    )
    welcome.refresh_from_db()
    assert "script" not in welcome.comment_html

    html = render_to_string("meetings/pdf/minutes.html", selectors.minutes_context(minutes))
    text = pdf_text(minutes_pdf(cast.secretary, meeting).content)

    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; Winter plenary" in html
    # The title is shown as the words typed; the comment's script is gone, words and all.
    assert "<script>alert('title')</script> Winter plenary" in text
    assert "Everyone was welcomed." in text
    assert "alert('comment')" not in text


def test_script_in_an_agenda_item_is_printed_as_text(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    services.agenda_item_add(
        meeting=meeting,
        actor=cast.secretary,
        fields={"title": "<b>Bold</b> plans", "description": "<script>alert(2)</script>"},
    )

    html = render_to_string("meetings/pdf/agenda.html", selectors.agenda_context(meeting))
    text = pdf_text(agenda_pdf(cast.member, meeting).content)

    assert "<script" not in html and "<b>" not in html
    assert "<b>Bold</b> plans" in text
    assert "<script>alert(2)</script>" in text


# Who may fetch them -----------------------------------------------------------------------------


def test_draft_minutes_pdf_is_for_meeting_organisers_until_circulated(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)

    assert minutes_pdf(cast.member, meeting).status_code == 403
    assert minutes_pdf(cast.observer, meeting).status_code == 403
    assert minutes_pdf(cast.secretary, meeting).status_code == 200

    services.minutes_circulate(minutes=minutes, actor=cast.secretary)

    response = minutes_pdf(cast.member, meeting)
    assert response.status_code == 200
    assert 'filename="minutes-1-plenary-meeting.pdf"' in response["Content-Disposition"]


def test_people_outside_the_alliance_get_404(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)
    minutes = make_minutes(meeting, cast.secretary)
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)

    for user in (cast.outsider, cast.other_chair):
        assert agenda_pdf(user, meeting).status_code == 404
        assert minutes_pdf(user, meeting).status_code == 404


def test_minutes_pdf_is_404_before_the_minutes_are_started(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)

    assert minutes_pdf(cast.chair, meeting).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(cast):
    meeting = make_meeting(cast.alliance, cast.secretary, starts_at=DECEMBER_MORNING)

    response = agenda_pdf(None, meeting)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_pdf_file_name_keeps_the_whole_title(cast):
    meeting = make_meeting(
        cast.alliance, cast.secretary, title="Plenary no. 2/3", starts_at=DECEMBER_MORNING
    )

    response = agenda_pdf(cast.member, meeting)

    assert 'filename="agenda-1-plenary-no-23.pdf"' in response["Content-Disposition"]
