"""The information material and invitation as a PDF, read back as text, and the meeting its
invitation takes its date, place and programme from."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from pypdf import PdfReader

from meetings import services as meeting_services
from meetings.models import Meeting
from meetings.selectors import local_time

from ..conftest import client_for
from ..factories import make_meeting
from .conftest import COMPLETE_MATERIAL, REASONS, days_ahead, write_material

pytestmark = pytest.mark.django_db

TIME_RANGE = "\N{EN DASH}"


def pdf_text(content: bytes) -> str:
    """The document's words: lines wrap, so words are compared, not lines."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def information_pdf(user, alliance):
    return client_for(user).get(reverse("outreach:information_pdf", args=[alliance.pk]))


def workshop(cast, days: int, **fields) -> Meeting:
    values = {
        "kind": Meeting.Kind.INITIAL_WORKSHOP,
        "title": "Initial workshop on community mediation",
        "place": "Town hall, room 4",
        "address": "Storgatan 1, Ljungby",
        **fields,
    }
    return make_meeting(cast.alliance, cast.secretary, starts_at=days_ahead(days), **values)


def when(cast, meeting: Meeting) -> str:
    """The meeting's day, date and hours as the invitation prints them."""
    start = local_time(cast.alliance, meeting.starts_at)
    end = local_time(cast.alliance, meeting.ends_at)
    return (
        f"{date_format(start, 'l')} {date_format(start, 'DATE_FORMAT')}, "
        f"{start:%H:%M}{TIME_RANGE}{end:%H:%M}"
    )


def test_pdf_holds_the_material_and_the_invitation_to_the_initial_workshop(cast):
    write_material(cast)
    meeting = workshop(cast, 20)

    response = information_pdf(cast.member, cast.alliance)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        'filename="kronoberg-alliance-information-for-new-members.pdf"'
        in response["Content-Disposition"]
    )
    text = pdf_text(response.content)
    for fact in (
        "Kronoberg Alliance",
        "Information for new members",
        COMPLETE_MATERIAL["why_alliance"],
        COMPLETE_MATERIAL["regional_situation"],
        COMPLETE_MATERIAL["time_commitment"],
        "You are invited",
        meeting.title,
        when(cast, meeting),
        "Europe/Stockholm",
        "Town hall, room 4, Storgatan 1, Ljungby",
        "Programme",
        "Welcome and introductions",
        COMPLETE_MATERIAL["target_group"],
        COMPLETE_MATERIAL["registration"],
        COMPLETE_MATERIAL["practical_details"],
        COMPLETE_MATERIAL["contact"],
    ):
        assert fact in text, fact
    positions = [text.index(reason) for reason in REASONS]
    assert positions == sorted(positions)


def test_reasons_are_printed_without_the_list_marks_typed_in_front(cast):
    write_material(cast, reasons_to_join="- Meet the mediators\n• Shape the plan")

    text = pdf_text(information_pdf(cast.member, cast.alliance).content)

    assert "Meet the mediators" in text and "Shape the plan" in text
    assert "- Meet the mediators" not in text
    assert "•" not in text


def test_the_initial_workshop_comes_before_an_earlier_plenary_meeting(cast):
    write_material(cast)
    make_meeting(cast.alliance, cast.secretary, title="Plenary first", starts_at=days_ahead(3))
    meeting = workshop(cast, 30, title="The workshop new members come to")

    text = pdf_text(information_pdf(cast.member, cast.alliance).content)

    assert "The workshop new members come to" in text
    assert when(cast, meeting) in text
    assert "Plenary first" not in text


def test_without_a_workshop_the_invitation_is_to_the_next_planned_meeting(cast):
    write_material(cast)
    past = workshop(cast, 5, title="Workshop already held")
    Meeting.objects.filter(pk=past.pk).update(
        starts_at=days_ahead(-5), ends_at=days_ahead(-5) + timedelta(hours=3)
    )
    cancelled = workshop(cast, 4, title="Workshop called off")
    meeting_services.meeting_cancel(meeting=cancelled, actor=cast.secretary)
    make_meeting(cast.alliance, cast.secretary, title="Later plenary", starts_at=days_ahead(40))
    nearest = make_meeting(
        cast.alliance, cast.secretary, title="Nearest plenary", starts_at=days_ahead(10)
    )
    make_meeting(
        cast.other_alliance, cast.other_chair, title="Their plenary", starts_at=days_ahead(1)
    )

    text = pdf_text(information_pdf(cast.member, cast.alliance).content)

    assert "Nearest plenary" in text and when(cast, nearest) in text
    for title in ("Workshop already held", "Workshop called off", "Later plenary", "Their plenary"):
        assert title not in text


def test_without_any_meeting_the_invitation_says_the_date_will_follow(cast):
    write_material(cast)

    text = pdf_text(information_pdf(cast.member, cast.alliance).content)

    assert "The date and place will follow." in text
    assert "Programme" not in text


def test_the_page_shows_the_same_invitation_as_the_pdf(cast):
    write_material(cast)
    meeting = workshop(cast, 20)

    page = client_for(cast.observer).get(reverse("outreach:information", args=[cast.alliance.pk]))

    content = page.content.decode()
    assert f"New members are invited to <strong>{meeting.title}</strong>" in content
    assert when(cast, meeting) in content
    assert "Town hall, room 4, Storgatan 1, Ljungby" in content


def test_times_follow_the_alliances_time_zone(cast):
    cast.alliance.timezone = "Europe/Helsinki"
    cast.alliance.save(update_fields=["timezone"])
    write_material(cast)
    meeting = workshop(cast, 20)

    text = pdf_text(information_pdf(cast.member, cast.alliance).content)

    assert when(cast, meeting) in text
    assert "Europe/Helsinki" in text
