"""Every meetings form answers hostile values with a message, never a 500, keeps what was already
saved when it refuses them, and never prints script unescaped."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils.html import escape

from actionplans.models import Action
from alliance_portal.richtext import sanitise_html
from meetings import services
from meetings.models import (
    MAX_MEMBER_COMMENT_CHARS,
    Meeting,
    Minutes,
    MinutesComment,
    StandingItem,
)
from meetings.services import AGENDA_ITEM_FIELDS, MEETING_FIELDS

from ..conftest import client_for
from ..factories import make_meeting, make_minutes
from ..hostile_support import SCRIPT, answered_safely, post_all

pytestmark = pytest.mark.django_db

HOSTILE = [
    "NaN",
    "1e400",
    "x" * 6000,
    "\x00",
    SCRIPT,
    "-1",
    "99999999999999999999999",
    "'; DROP TABLE meetings_meeting; --",
]
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name: str, meeting: Meeting, *extra) -> str:
    return reverse(f"meetings:{name}", args=[meeting.alliance_id, meeting.pk, *extra])


def _meeting_state(meeting: Meeting) -> tuple:
    meeting.refresh_from_db()
    return (
        *(getattr(meeting, name) for name in MEETING_FIELDS),
        meeting.status,
        meeting.agenda_published_at,
        meeting.ical_sequence,
        list(meeting.agenda_items.values_list("pk", "position", *AGENDA_ITEM_FIELDS)),
    )


def _participants_state(meeting: Meeting) -> list[tuple]:
    return list(
        meeting.participants.order_by("pk").values_list(
            "pk", "name", "email", "organisation_name", "response", "attendance"
        )
    )


def _minutes_state(minutes: Minutes) -> tuple:
    minutes.refresh_from_db()
    return (
        minutes.status,
        minutes.version,
        minutes.approved_at,
        minutes.approved_sha256,
        list(minutes.items.order_by("pk").values_list("comment_html", "no_actions")),
        minutes.revisions.count(),
    )


def _minutes(cast, status: str) -> Minutes:
    meeting = make_meeting(cast.alliance, cast.secretary)
    minutes = make_minutes(meeting, cast.secretary)
    services.minutes_save(
        minutes=minutes,
        actor=cast.secretary,
        base_version=minutes.version,
        comments={minutes.items.get(kind=StandingItem.UPDATES).pk: "<p>Kept text.</p>"},
    )
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    if status == Minutes.Status.APPROVED:
        services.minutes_approve(minutes=minutes, actor=cast.chair)
    minutes.refresh_from_db()
    return minutes


# Meetings and the agenda ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE)
def test_meeting_and_agenda_forms_refuse_hostile_values_and_keep_saved_data(cast, bad):
    meeting = make_meeting(cast.alliance, cast.secretary)
    item = meeting.agenda_items.get(kind=StandingItem.UPDATES)
    before = _meeting_state(meeting)
    every_meeting_field = dict.fromkeys(MEETING_FIELDS, bad)
    every_item_field = dict.fromkeys(AGENDA_ITEM_FIELDS, bad)
    client = client_for(cast.secretary)

    post_all(
        client,
        [
            (
                "create",
                reverse("meetings:create", args=[cast.alliance.pk]),
                every_meeting_field,
                200,
            ),
            ("edit", _url("edit", meeting), every_meeting_field, 200),
            ("item add", _url("agenda_item_add", meeting), every_item_field, 200),
            ("item edit", _url("agenda_item_edit", meeting, item.pk), every_item_field, 200),
            ("move", _url("agenda_item_move", meeting, item.pk), {"direction": bad}, 302),
            (
                "move htmx",
                _url("agenda_item_move", meeting, item.pk),
                {"direction": bad},
                200,
                HTMX,
            ),
        ],
    )

    assert Meeting.objects.count() == 1
    assert _meeting_state(meeting) == before
    answered_safely(client.get(_url("detail", meeting)), "detail", 200)


@pytest.mark.parametrize(
    ("zone", "starts_at", "ends_at"),
    [
        ("Europe/Stockholm", "0001-01-01T00:30", "0001-01-01T01:00"),
        ("America/New_York", "9999-12-31T21:00", "9999-12-31T22:00"),
    ],
)
def test_a_meeting_time_that_has_no_utc_equivalent_is_refused_on_the_form(
    cast, zone, starts_at, ends_at
):
    cast.alliance.timezone = zone
    cast.alliance.save()

    response = client_for(cast.secretary).post(
        reverse("meetings:create", args=[cast.alliance.pk]),
        {
            "kind": Meeting.Kind.PLENARY,
            "title": "Edge of time",
            "starts_at": starts_at,
            "ends_at": ends_at,
        },
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"starts_at", "ends_at"}
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("bad", HOSTILE)
def test_the_meetings_list_ignores_a_hostile_page_number(cast, bad):
    make_meeting(cast.alliance, cast.secretary)
    response = client_for(cast.member).get(
        reverse("meetings:list", args=[cast.alliance.pk]), {"page": bad}
    )
    assert response.status_code == 200


# Invitees, answers and attendance ---------------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE)
def test_attendance_guest_and_answer_forms_refuse_hostile_values(cast, bad):
    meeting = make_meeting(cast.alliance, cast.secretary)
    before = _participants_state(meeting)
    attendance = {f"attendance-{pk}": bad for pk, *_rest in before}
    key = meeting.participants.get(user=cast.member).response_key
    client = client_for(cast.secretary)

    post_all(
        client,
        [
            ("attendance", _url("participants", meeting), attendance, 400),
            (
                "guest",
                _url("guest_invite", meeting),
                {"guest-name": bad, "guest-email": bad, "guest-organisation_name": bad},
                400,
            ),
            (
                "guest on the spot",
                _url("guest_invite", meeting),
                {
                    "on_the_spot": bad,
                    "spot-name": bad,
                    "spot-email": bad,
                    "spot-organisation_name": bad,
                },
                400,
            ),
            ("answer", _url("answer", meeting), {"response": bad}, 302),
        ],
    )
    post_all(
        client_for(None),
        [
            (
                "answer link",
                reverse("meetings:answer_by_link", args=[key]),
                {"response": bad},
                200,
            )
        ],
    )

    assert _participants_state(meeting) == before
    answered_safely(client.get(_url("participants", meeting)), "participants", 200)


@pytest.mark.parametrize("bad", HOSTILE)
def test_a_hostile_answer_key_or_feed_token_is_not_found(cast, bad):
    make_meeting(cast.alliance, cast.secretary)
    services.calendar_feed_renew(user=cast.member)
    quoted = quote(bad, safe="")
    answer = reverse("meetings:answer_by_link", args=["key"]).replace("key", quoted)
    feed = reverse("meetings:calendar_feed", args=["token"]).replace("token", quoted)
    client = client_for(None)

    assert client.get(answer).status_code == 404
    assert client.post(answer, {"response": "yes"}).status_code == 404
    assert client.get(feed).status_code == 404


# Minutes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE)
def test_minutes_forms_refuse_hostile_values_and_keep_the_saved_minutes(cast, bad):
    minutes = _minutes(cast, Minutes.Status.CIRCULATED)
    meeting = minutes.meeting
    item = minutes.items.get(kind=StandingItem.UPDATES)
    before = _minutes_state(minutes)
    action = {
        "title": bad,
        "responsible_member": bad,
        "responsible_organisation": bad,
        "due_date": bad,
        "not_applicable": bad,
    }
    save = {
        "base_version": bad,
        **{f"comment-{pk}": bad for pk in minutes.items.values_list("pk", flat=True)},
        **{f"no_actions-{pk}": bad for pk in minutes.items.values_list("pk", flat=True)},
    }
    secretary = client_for(cast.secretary)

    post_all(
        secretary,
        [
            ("action", _url("decided_action_add", meeting, item.pk), action, 400),
            ("action htmx", _url("decided_action_add", meeting, item.pk), action, 422, HTMX),
            ("save", _url("minutes_save", meeting), save, 400),
            ("save htmx", _url("minutes_save", meeting), save, 422, HTMX),
        ],
    )
    post_all(
        client_for(cast.chair),
        [("approve", _url("minutes_transition", meeting, "approve"), {"sha256": bad}, 302)],
    )

    assert _minutes_state(minutes) == before
    assert not Action.objects.exists()
    answered_safely(secretary.get(_url("minutes", meeting)), "minutes", 200)


@pytest.mark.parametrize("bad", HOSTILE)
def test_a_hostile_member_comment_is_refused_or_kept_as_typed_and_shown_escaped(cast, bad):
    minutes = _minutes(cast, Minutes.Status.CIRCULATED)
    item = minutes.items.get(kind=StandingItem.UPDATES)
    before = _minutes_state(minutes)
    client = client_for(cast.member)

    post_all(
        client,
        [("comment", _url("member_comment_add", minutes.meeting, item.pk), {"body": bad}, 302)],
    )

    acceptable = len(bad) <= MAX_MEMBER_COMMENT_CHARS and "\x00" not in bad
    assert list(MinutesComment.objects.values_list("body", flat=True)) == (
        [bad] if acceptable else []
    )
    assert _minutes_state(minutes) == before
    page = client.get(_url("minutes", minutes.meeting))
    answered_safely(page, "minutes", 200)
    if acceptable:
        assert escape(bad) in page.content.decode()


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_hostile_comment_with_a_current_version_is_stored_sanitised(cast, bad, htmx):
    minutes = _minutes(cast, Minutes.Status.DRAFT)
    item = minutes.items.get(kind=StandingItem.OTHER_BUSINESS)
    client = client_for(cast.secretary)

    response = client.post(
        _url("minutes_save", minutes.meeting),
        {
            "base_version": minutes.version,
            f"comment-{item.pk}": bad,
            f"no_actions-{item.pk}": bad,
        },
        **(HTMX if htmx else {}),
    )

    answered_safely(response, "save", 200 if htmx else 302)
    item.refresh_from_db()
    assert item.comment_html == sanitise_html(bad)
    assert "<script" not in item.comment_html
    assert item.no_actions
    answered_safely(client.get(_url("minutes", minutes.meeting)), "minutes", 200)


@pytest.mark.parametrize("bad", HOSTILE)
def test_a_correction_with_hostile_values_everywhere_changes_nothing(cast, bad):
    minutes = _minutes(cast, Minutes.Status.APPROVED)
    before = _minutes_state(minutes)
    data = {
        "reason": bad,
        "base_version": bad,
        **{f"comment-{pk}": bad for pk in minutes.items.values_list("pk", flat=True)},
    }

    post_all(
        client_for(cast.secretary),
        [("correct", _url("minutes_correct", minutes.meeting), data, 400)],
    )

    assert _minutes_state(minutes) == before


@pytest.mark.parametrize("bad", HOSTILE)
def test_a_hostile_correction_reason_is_refused_or_kept_and_shown_escaped(cast, bad):
    minutes = _minutes(cast, Minutes.Status.APPROVED)
    item = minutes.items.get(kind=StandingItem.UPDATES)
    before = _minutes_state(minutes)
    client = client_for(cast.secretary)
    acceptable = len(bad) <= 500 and "\x00" not in bad

    post_all(
        client,
        [
            (
                "correct",
                _url("minutes_correct", minutes.meeting),
                {
                    "reason": bad,
                    "base_version": minutes.version,
                    f"comment-{item.pk}": "<p>Corrected text.</p>",
                },
                302 if acceptable else 400,
            )
        ],
    )

    after = _minutes_state(minutes)
    assert after[3] == before[3]  # the approval fingerprint stays
    if acceptable:
        assert list(
            minutes.revisions.filter(kind="correction").values_list("reason", flat=True)
        ) == [bad]
        page = client.get(_url("minutes", minutes.meeting))
        answered_safely(page, "minutes", 200)
        assert escape(bad) in page.content.decode()
    else:
        assert after == before
