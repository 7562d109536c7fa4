"""Meeting pages through HTTP: what people type, what is stored, what the pages and mails say.

Who may open which URL is tests/test_authorization_matrix.py; the rules behind each write are the
service tests next to this file. Here the pages are driven the way a browser drives them: plain
forms, htmx requests (the HX-Request header), and the links in the invitation mail.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from actionplans.models import Action
from alliance_portal.canonical import canonical_sha256
from alliance_portal.permissions import Role
from alliances.models import Membership
from meetings import selectors, services
from meetings.forms import ERR_DUE_DATE_MISSING, ERR_RESPONSIBLE_MISSING
from meetings.models import (
    ERR_AGENDA_ALREADY_PUBLISHED,
    ERR_APPROVAL_BEFORE_MEETING,
    ERR_END_BEFORE_START,
    ERR_MEETING_NOT_STARTED,
    ERR_MINUTES_BEFORE_MEETING,
    ERR_MINUTES_LOCKED,
    ERR_MINUTES_NOT_EDITABLE,
    ERR_STALE_VERSION,
    MAX_COMMENT_CHARS,
    AgendaItem,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesRevision,
    Participant,
    StandingItem,
)
from meetings.services import (
    ERR_COMMENT_TOO_LONG,
    ERR_CORRECTION_CHANGES_NOTHING,
    ERR_GUEST_ALREADY_INVITED,
    ERR_MOVE,
)
from meetings.views.agenda import TRANSITIONS as MEETING_TRANSITIONS
from meetings.views.minutes import ERR_CHANGED_SINCE_SHOWN, ERR_NO_BASE_VERSION

from ..conftest import SHELL_QUERIES, client_for
from ..factories import (
    MEETING_START,
    MembershipFactory,
    OrganisationFactory,
    StakeholderFactory,
    make_meeting,
    make_minutes,
    reschedule_meeting,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SAVED = "<p>We agreed on three events.</p>"


def _url(name: str, meeting: Meeting, *extra) -> str:
    return reverse(f"meetings:{name}", args=[meeting.alliance_id, meeting.pk, *extra])


def _page(response) -> str:
    return response.content.decode()


def _shows(response, message) -> bool:
    """The message as the page prints it: autoescaped."""
    return escape(str(message)) in _page(response)


def _meeting(cast, **fields) -> Meeting:
    return make_meeting(cast.alliance, cast.secretary, **fields)


def _agenda_ids(meeting: Meeting) -> list[int]:
    return list(meeting.agenda_items.order_by("position").values_list("pk", flat=True))


def _agenda_ids_on_page(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="agenda-item-(\d+)"', _page(response))]


def _agenda_rows_on_page(response) -> list[tuple[str, str]]:
    """(start time, "number. title") of each agenda item, in the page's order."""
    rows = []
    for block in re.findall(r'id="agenda-item-\d+">(.*?)</li>', _page(response), re.S):
        start = re.search(r">(\d\d:\d\d)<", block).group(1)
        title = re.search(r">\s*(\d+\. [^<]+?)\s*<", block).group(1)
        rows.append((start, title))
    return rows


def _item(minutes: Minutes, kind: str = StandingItem.UPDATES):
    return minutes.items.get(kind=kind)


def _minutes_in(cast, status: str = Minutes.Status.DRAFT, **fields) -> Minutes:
    """Minutes with one saved comment, brought to the status the way people do it."""
    minutes = make_minutes(_meeting(cast, **fields), cast.secretary)
    services.minutes_save(
        minutes=minutes,
        actor=cast.secretary,
        base_version=minutes.version,
        comments={_item(minutes).pk: SAVED},
    )
    if status != Minutes.Status.DRAFT:
        services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    if status in (Minutes.Status.APPROVED, Minutes.Status.LOCKED):
        services.minutes_approve(minutes=minutes, actor=cast.chair)
    if status == Minutes.Status.LOCKED:
        services.minutes_lock(minutes=minutes, actor=cast.chair)
    return Minutes.objects.select_related("meeting").get(pk=minutes.pk)


def _minutes_state(minutes: Minutes) -> tuple:
    minutes.refresh_from_db()
    return (
        minutes.status,
        minutes.version,
        minutes.approved_sha256,
        list(minutes.items.order_by("pk").values_list("comment_html", "no_actions")),
        minutes.revisions.count(),
        Action.objects.filter(decided_in__minutes=minutes).count(),
    )


def _save(client, minutes: Minutes, comments: dict, base_version="", **extra):
    data = {f"comment-{pk}": text for pk, text in comments.items()}
    if base_version is not None:
        data["base_version"] = base_version
    return client.post(_url("minutes_save", minutes.meeting), data, **extra)


# Creating a meeting -----------------------------------------------------------------------------


def _meeting_form(**fields) -> dict:
    return {
        "kind": Meeting.Kind.PLENARY,
        "title": "Winter plenary",
        "host_organisation": "Växjö municipality",
        "place": "City library",
        "address": "",
        "online_link": "",
        "starts_at": "2026-12-03T09:00",
        "ends_at": "2026-12-03T12:00",
        **fields,
    }


def test_meeting_times_typed_in_the_alliances_time_zone_are_stored_as_that_moment(cast):
    cast.alliance.timezone = "America/New_York"
    cast.alliance.save()

    response = client_for(cast.secretary).post(
        reverse("meetings:create", args=[cast.alliance.pk]), _meeting_form()
    )

    meeting = Meeting.objects.get(alliance=cast.alliance)
    assert response.status_code == 302
    assert response.url == _url("detail", meeting)
    assert meeting.starts_at == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def test_a_meeting_that_ends_before_it_starts_shows_the_error_and_saves_nothing(cast):
    response = client_for(cast.secretary).post(
        reverse("meetings:create", args=[cast.alliance.pk]),
        _meeting_form(ends_at="2026-12-03T08:00"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"] == [str(ERR_END_BEFORE_START)]
    assert _shows(response, ERR_END_BEFORE_START)
    assert not Meeting.objects.exists()


def test_a_new_meetings_page_lists_the_standing_items_with_times_from_their_durations(cast):
    cast.alliance.timezone = "America/New_York"
    cast.alliance.save()
    client = client_for(cast.secretary)
    client.post(reverse("meetings:create", args=[cast.alliance.pk]), _meeting_form())
    meeting = Meeting.objects.get(alliance=cast.alliance)

    response = client.get(_url("detail", meeting))

    assert _agenda_rows_on_page(response) == [
        ("09:00", f"1. {StandingItem.WELCOME.label}"),
        ("09:10", f"2. {StandingItem.PREVIOUS_MINUTES.label}"),
        ("09:20", f"3. {StandingItem.UPDATES.label}"),
        ("10:00", f"4. {StandingItem.OTHER_BUSINESS.label}"),
        ("10:15", f"5. {StandingItem.NEXT_MEETING.label}"),
        ("10:25", f"6. {StandingItem.CLOSING.label}"),
    ]


# The agenda -------------------------------------------------------------------------------------


def test_an_item_added_through_the_form_goes_to_the_end_and_the_page_jumps_to_it(cast):
    meeting = _meeting(cast)

    response = client_for(cast.secretary).post(
        _url("agenda_item_add", meeting),
        {"title": "Language café report", "presenter": "Amira", "duration_minutes": "20"},
    )

    item = meeting.agenda_items.get(title="Language café report")
    assert response.status_code == 302
    assert response.url == _url("detail", meeting) + f"#agenda-item-{item.pk}"
    assert (item.position, item.presenter, item.duration_minutes) == (7, "Amira", 20)


def test_moving_an_item_down_with_a_plain_form_reorders_the_agenda(cast):
    meeting = _meeting(cast)
    first, second, *rest = _agenda_ids(meeting)

    response = client_for(cast.secretary).post(
        _url("agenda_item_move", meeting, first), {"direction": "down"}
    )

    assert response.status_code == 302
    assert response.url == _url("detail", meeting) + f"#agenda-item-{first}"
    assert _agenda_ids(meeting) == [second, first, *rest]


def test_moving_an_item_down_with_htmx_answers_the_new_agenda_keeping_focus(cast):
    meeting = _meeting(cast)
    first, second, *rest = _agenda_ids(meeting)

    response = client_for(cast.secretary).post(
        _url("agenda_item_move", meeting, first), {"direction": "down"}, **HTMX
    )

    assert response.status_code == 200
    assert _agenda_ids(meeting) == [second, first, *rest]
    assert _agenda_ids_on_page(response) == [second, first, *rest]
    page = _page(response)
    moved = re.search(rf'id="agenda-item-{first}">(.*?)</li>', page, re.S).group(1)
    assert re.search(r'value="down">\s*<button[^>]*\sautofocus', moved)
    assert page.count(" autofocus") == 1
    status = re.search(r'id="agenda-status"[^>]*>([^<]*)<', page).group(1)
    assert "is now item 2." in status
    assert str(StandingItem.WELCOME.label) in status


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_moving_the_first_item_up_says_it_cannot_move_and_changes_nothing(cast, htmx):
    meeting = _meeting(cast)
    before = _agenda_ids(meeting)
    client = client_for(cast.secretary)
    url = _url("agenda_item_move", meeting, before[0])

    if htmx:
        response = client.post(url, {"direction": "up"}, **HTMX)
        status = re.search(r'id="agenda-status"[^>]*>([^<]*)<', _page(response)).group(1)
        assert escape(str(ERR_MOVE)) in status
        assert _agenda_ids_on_page(response) == before
    else:
        response = client.post(url, {"direction": "up"}, follow=True)
        assert _shows(response, ERR_MOVE)
    assert response.status_code == 200
    assert _agenda_ids(meeting) == before


def test_an_item_is_removed_after_the_confirmation_page_and_the_rest_renumbered(cast):
    meeting = _meeting(cast)
    item = meeting.agenda_items.get(kind=StandingItem.OTHER_BUSINESS)
    client = client_for(cast.secretary)
    url = _url("agenda_item_remove", meeting, item.pk)

    question = client.get(url)

    assert question.status_code == 200
    assert "from the agenda?" in _page(question)
    assert item.title in _page(question)
    assert AgendaItem.objects.filter(pk=item.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    assert list(meeting.agenda_items.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


# Publishing the agenda --------------------------------------------------------------------------


def test_publishing_the_agenda_mails_every_invitee_the_meeting_as_a_calendar_file(
    cast, django_capture_on_commit_callbacks
):
    meeting = _meeting(cast)
    services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Guest", email="guest@example.org"
    )
    services.guest_invite(
        meeting=meeting, actor=cast.secretary, name="Walk-in", email="", present=True
    )
    client = client_for(cast.secretary)
    url = _url("transition", meeting, "publish")

    question = client.get(url)
    assert question.status_code == 200
    assert _shows(question, MEETING_TRANSITIONS["publish"][1])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    invitees = set(meeting.participants.exclude(email="").values_list("email", flat=True))
    assert len(invitees) == 6
    assert len(mail.outbox) == len(invitees)
    assert {address for message in mail.outbox for address in message.to} == invitees
    for message in mail.outbox:
        assert any(mimetype.startswith("text/calendar") for *_, mimetype in message.attachments)


def test_publishing_twice_shows_an_error_and_sends_nothing_more(
    cast, django_capture_on_commit_callbacks
):
    meeting = _meeting(cast)
    client = client_for(cast.secretary)
    url = _url("transition", meeting, "publish")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    sent = len(mail.outbox)
    assert sent == meeting.participants.count() == 5

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, follow=True)

    assert response.status_code == 200
    assert _shows(response, ERR_AGENDA_ALREADY_PUBLISHED)
    assert callbacks == []
    assert len(mail.outbox) == sent


def test_a_meeting_offers_mark_as_held_only_once_it_has_started(cast, time_machine):
    time_machine.move_to(MEETING_START - timedelta(days=10), tick=False)
    meeting = _meeting(cast)
    held_url = _url("transition", meeting, "held")
    client = client_for(cast.secretary)

    assert held_url not in _page(client.get(_url("detail", meeting)))

    time_machine.move_to(MEETING_START, tick=False)
    assert held_url in _page(client.get(_url("detail", meeting)))


def test_marking_a_meeting_held_before_it_starts_is_refused_with_the_message(cast, time_machine):
    time_machine.move_to(MEETING_START - timedelta(days=10), tick=False)
    meeting = _meeting(cast)

    response = client_for(cast.secretary).post(_url("transition", meeting, "held"), follow=True)

    assert response.status_code == 200
    assert _shows(response, ERR_MEETING_NOT_STARTED)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


# Invitees and attendance ------------------------------------------------------------------------


def _participant(meeting: Meeting, user) -> Participant:
    return meeting.participants.get(user=user)


def _attendance(meeting: Meeting) -> dict[int, str]:
    return dict(meeting.participants.values_list("pk", "attendance"))


def test_recorded_attendance_is_saved_and_the_page_shows_the_rate_and_quorum(cast):
    meeting = _meeting(cast)
    client = client_for(cast.secretary)
    url = _url("participants", meeting)
    choices = {
        cast.chair: "present",
        cast.secretary: "present",
        cast.coordinator: "present",
        cast.member: "absent",
        cast.observer: "excused",
    }
    data = {
        f"attendance-{_participant(meeting, user).pk}": value for user, value in choices.items()
    }

    response = client.post(url, data)

    assert response.status_code == 302
    assert {p.user: p.attendance for p in meeting.participants.all()} == choices
    page = client.get(url)
    rate = re.search(r'data-testid="attendance-rate">([^<]*)<', _page(page)).group(1)
    assert "3 of 4 invited members present (75 %)" in rate
    assert "Quorum met" in _page(page)

    data = dict.fromkeys(data, "absent")
    data[f"attendance-{_participant(meeting, cast.chair).pk}"] = "present"
    client.post(url, data)

    page = client.get(url)
    assert "1 of 4 invited members present (25 %)" in _page(page)
    assert "No quorum" in _page(page)
    assert "Quorum met" not in _page(page)


def test_attendance_for_a_participant_of_another_meeting_is_ignored(cast):
    meeting = _meeting(cast)
    other = _meeting(cast, starts_at=MEETING_START + timedelta(days=30))
    stranger = _participant(other, cast.member)
    own = _participant(meeting, cast.chair)

    response = client_for(cast.secretary).post(
        _url("participants", meeting),
        {f"attendance-{own.pk}": "present", f"attendance-{stranger.pk}": "present"},
    )

    assert response.status_code == 302
    stranger.refresh_from_db()
    assert stranger.attendance == ""
    assert set(_attendance(other).values()) == {""}
    own.refresh_from_db()
    assert own.attendance == "present"


def test_inviting_a_guest_whose_email_is_already_invited_shows_the_error(cast):
    meeting = _meeting(cast)
    before = meeting.participants.count()

    response = client_for(cast.secretary).post(
        _url("guest_invite", meeting),
        {"guest-name": "Someone", "guest-email": cast.member.email.upper()},
    )

    assert response.status_code == 400
    assert _shows(response, ERR_GUEST_ALREADY_INVITED % {"email": cast.member.email.lower()})
    assert meeting.participants.count() == before
    assert not meeting.participants.filter(is_guest=True).exists()


def test_a_guest_who_came_is_added_as_present_without_an_email(cast):
    meeting = _meeting(cast)

    response = client_for(cast.secretary).post(
        _url("guest_invite", meeting),
        {"on_the_spot": "1", "spot-name": "Walk-in Visitor", "spot-organisation_name": "Library"},
    )

    assert response.status_code == 302
    guest = meeting.participants.get(is_guest=True)
    assert (guest.name, guest.email, guest.organisation_name, guest.attendance) == (
        "Walk-in Visitor",
        "",
        "Library",
        Participant.Attendance.PRESENT,
    )


# Answers ----------------------------------------------------------------------------------------


def test_the_answer_link_works_without_logging_in(cast):
    meeting = _meeting(cast)
    participant = _participant(meeting, cast.member)
    url = reverse("meetings:answer_by_link", args=[participant.response_key])
    client = client_for(None)

    page = client.get(url)
    response = client.post(url, {"response": "yes"})

    assert page.status_code == 200
    assert _shows(page, meeting.title)
    assert _shows(page, participant.name)
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.response == Participant.Response.YES
    assert participant.responded_at is not None


def test_an_unknown_answer_key_is_not_found(cast):
    _meeting(cast)
    response = client_for(None).get(reverse("meetings:answer_by_link", args=["no-such-key"]))
    assert response.status_code == 404


def test_an_invalid_answer_by_link_shows_an_error_and_changes_nothing(cast):
    participant = _participant(_meeting(cast), cast.member)
    url = reverse("meetings:answer_by_link", args=[participant.response_key])

    response = client_for(None).post(url, {"response": "sometimes"})

    assert response.status_code == 200
    assert "Choose yes, no or maybe." in _page(response)
    participant.refresh_from_db()
    assert (participant.response, participant.responded_at) == ("", None)


def test_a_member_answers_on_the_meeting_page(cast):
    meeting = _meeting(cast)

    response = client_for(cast.member).post(
        _url("answer", meeting), {"response": "maybe"}, follow=True
    )

    assert response.status_code == 200
    assert _participant(meeting, cast.member).response == Participant.Response.MAYBE
    assert "Your answer: Maybe." in _page(response)


# Reading and commenting on the minutes ----------------------------------------------------------


def test_a_member_sees_that_draft_minutes_are_still_being_written(cast):
    minutes = _minutes_in(cast, Minutes.Status.DRAFT)
    client = client_for(cast.member)

    page = client.get(_url("minutes", minutes.meeting))
    history = client.get(_url("minutes_history", minutes.meeting))

    assert page.status_code == 200
    assert "still drafting" in _page(page)
    assert "We agreed on" not in _page(page)
    assert history.status_code == 403


def test_a_member_reads_circulated_minutes_and_adds_a_comment(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    item = _item(minutes)
    client = client_for(cast.member)

    page = client.get(_url("minutes", minutes.meeting))

    assert page.status_code == 200
    assert "minutes-table" in _page(page)
    assert SAVED in _page(page)
    assert _url("member_comment_add", minutes.meeting, item.pk) in _page(page)

    response = client.post(
        _url("member_comment_add", minutes.meeting, item.pk), {"body": "  Please add the date. "}
    )

    assert response.status_code == 302
    comment = MinutesComment.objects.get(item=item)
    assert (comment.author, comment.body) == (cast.member, "Please add the date.")
    assert "Please add the date." in _page(client.get(_url("minutes", minutes.meeting)))


def test_an_observer_reads_circulated_minutes_without_a_comment_form(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)

    page = client_for(cast.observer).get(_url("minutes", minutes.meeting))

    assert page.status_code == 200
    assert SAVED in _page(page)
    assert "/comments/" not in _page(page)
    assert 'name="body"' not in _page(page)


# Autosave, the conflict screen and refused saves ------------------------------------------------


def test_an_autosave_answers_the_new_version_for_the_next_save(cast):
    minutes = _minutes_in(cast)
    version = minutes.version

    response = _save(
        client_for(cast.secretary),
        minutes,
        {_item(minutes).pk: "<p>We agreed on four events.</p>"},
        base_version=version,
        **HTMX,
    )

    assert response.status_code == 200
    hidden = re.search(r'<input[^>]*name="base_version"[^>]*>', _page(response)).group(0)
    assert f'value="{version + 1}"' in hidden
    assert 'hx-swap-oob="true"' in hidden
    minutes.refresh_from_db()
    assert minutes.version == version + 1
    assert _item(minutes).comment_html == "<p>We agreed on four events.</p>"


def test_script_in_a_comment_is_stored_sanitised(cast):
    minutes = _minutes_in(cast)
    typed = '<p>Fine</p><script>alert(1)</script><img src="x" onerror="alert(1)">'

    response = _save(
        client_for(cast.secretary),
        minutes,
        {_item(minutes).pk: typed},
        base_version=minutes.version,
        **HTMX,
    )

    assert response.status_code == 200
    stored = _item(minutes).comment_html
    assert "<p>Fine</p>" in stored
    assert "<script" not in stored
    assert "onerror" not in stored


def _someone_else_saved(cast, minutes: Minutes) -> Minutes:
    services.minutes_save(
        minutes=minutes,
        actor=cast.coordinator,
        base_version=minutes.version,
        comments={_item(minutes).pk: "<p>The coordinator's text.</p>"},
    )
    return minutes


def test_a_stale_autosave_shows_both_texts_and_overwrites_nothing(cast):
    minutes = _minutes_in(cast)
    opened_at = minutes.version
    _someone_else_saved(cast, minutes)
    before = _minutes_state(minutes)

    response = _save(
        client_for(cast.secretary),
        minutes,
        {_item(minutes).pk: "<p>My own words.</p>"},
        base_version=opened_at,
        **HTMX,
    )

    assert response.status_code == 409
    assert response["HX-Retarget"] == "#minutes-editor"
    assert response["HX-Reswap"] == "outerHTML"
    page = _page(response)
    assert 'id="minutes-editor"' in page
    assert _shows(response, ERR_STALE_VERSION)
    saved = re.search(r'data-testid="saved-text">(.*?)</div>', page, re.S).group(1)
    mine = re.search(r'data-testid="my-text">(.*?)</div>', page, re.S).group(1)
    assert "coordinator" in saved
    assert "My own words." in mine
    assert _minutes_state(minutes) == before


def _conflict_choices(page: str, *, tick: list[int]) -> dict[str, str]:
    """What the conflict page's form posts with the "Use my text" boxes of `tick` ticked."""
    form = re.search(r'<form method="post"[^>]*id="conflict-choices">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))
    boxes = dict(
        re.findall(
            r'form="conflict-choices" id="use-mine-\d+" name="([^"]+)" value="([^"]*)"', page
        )
    )
    fields.update({name: boxes[name] for name in (f"comment-{pk}" for pk in tick)})
    return {name: html.unescape(value) for name, value in fields.items()}


def test_a_stale_plain_save_shows_the_conflict_page_and_mine_can_replace_the_saved_text(cast):
    minutes = _minutes_in(cast)
    opened_at = minutes.version
    _someone_else_saved(cast, minutes)
    before = _minutes_state(minutes)
    client = client_for(cast.secretary)
    item = _item(minutes)

    response = _save(client, minutes, {item.pk: "<p>My own words.</p>"}, base_version=opened_at)

    assert response.status_code == 409
    assert "<html" in _page(response)
    assert "Save the texts I chose" in _page(response)
    assert _minutes_state(minutes) == before

    # Ticking "Use my text" sends that item's text with the version the conflict page shows.
    fields = _conflict_choices(_page(response), tick=[item.pk])
    assert fields["base_version"] == str(minutes.version)

    replaced = client.post(_url("minutes_save", minutes.meeting), fields)

    assert replaced.status_code == 302
    minutes.refresh_from_db()
    assert minutes.version == opened_at + 2
    assert _item(minutes).comment_html == "<p>My own words.</p>"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (Minutes.Status.APPROVED, ERR_MINUTES_NOT_EDITABLE % {"status": "approved"}),
        (Minutes.Status.LOCKED, ERR_MINUTES_LOCKED),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_approved_or_locked_minutes_refuse_a_save_and_keep_their_text(cast, status, error, htmx):
    minutes = _minutes_in(cast, status)
    before = _minutes_state(minutes)

    response = _save(
        client_for(cast.secretary),
        minutes,
        {_item(minutes).pk: "<p>Changed afterwards.</p>"},
        base_version=minutes.version,
        **(HTMX if htmx else {}),
    )

    assert response.status_code == 409
    assert _shows(response, error)
    assert _minutes_state(minutes) == before


def test_an_oversize_autosave_says_not_saved_and_changes_nothing(cast):
    minutes = _minutes_in(cast)
    item = _item(minutes)
    before = _minutes_state(minutes)

    response = _save(
        client_for(cast.secretary),
        minutes,
        {item.pk: "y" * 25_000},
        base_version=minutes.version,
        **HTMX,
    )

    assert response.status_code == 422
    assert "Not saved" in _page(response)
    assert _shows(
        response,
        ERR_COMMENT_TOO_LONG % {"item": item.title, "length": 25_000, "limit": MAX_COMMENT_CHARS},
    )
    assert _minutes_state(minutes) == before


def test_an_oversize_plain_save_is_refused_with_the_typed_text_still_shown(cast):
    minutes = _minutes_in(cast)
    before = _minutes_state(minutes)
    typed = "y" * 25_000

    response = _save(
        client_for(cast.secretary),
        minutes,
        {_item(minutes).pk: typed},
        base_version=minutes.version,
    )

    assert response.status_code == 400
    assert typed in _page(response)
    assert _minutes_state(minutes) == before


@pytest.mark.parametrize("base_version", [None, "", "abc", "1.0", "-1", "2²"])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_save_without_a_usable_base_version_is_refused(cast, base_version, htmx):
    minutes = _minutes_in(cast)
    before = _minutes_state(minutes)

    response = _save(
        client_for(cast.secretary),
        minutes,
        {_item(minutes).pk: "<p>No version given.</p>"},
        base_version=base_version,
        **(HTMX if htmx else {}),
    )

    assert response.status_code == (422 if htmx else 400)
    assert _minutes_state(minutes) == before


def test_on_the_conflict_page_only_the_ticked_items_take_my_text(cast):
    minutes = _minutes_in(cast)
    opened_at = minutes.version
    first, second = minutes.items.all()[:2]
    services.minutes_save(
        minutes=minutes,
        actor=cast.coordinator,
        base_version=opened_at,
        comments={first.pk: "<p>Theirs, first.</p>", second.pk: "<p>Theirs, second.</p>"},
    )
    client = client_for(cast.secretary)
    mine = {first.pk: "<p>Mine, first.</p>", second.pk: "<p>Mine, second.</p>"}
    response = _save(client, minutes, mine, base_version=opened_at)
    assert response.status_code == 409

    client.post(
        _url("minutes_save", minutes.meeting),
        _conflict_choices(_page(response), tick=[second.pk]),
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.comment_html == "<p>Theirs, first.</p>"
    assert second.comment_html == "<p>Mine, second.</p>"


# Decided actions --------------------------------------------------------------------------------


def test_an_action_added_with_htmx_appears_with_its_owner_and_no_date(cast):
    minutes = _minutes_in(cast)
    item = _item(minutes)
    membership = cast.membership(cast.member)

    response = client_for(cast.secretary).post(
        _url("decided_action_add", minutes.meeting, item.pk),
        {"title": "Book the hall", "responsible_member": membership.pk, "not_applicable": "on"},
        **HTMX,
    )

    assert response.status_code == 200
    action = Action.objects.get(decided_in=item)
    assert (action.title, action.responsible_member, action.due_date) == (
        "Book the hall",
        membership,
        None,
    )
    page = _page(response)
    assert page.lstrip().startswith(f'<div id="actions-{item.pk}"')
    assert "Book the hall" in page
    assert escape(action.responsible_label) in page
    assert "Not applicable" in page


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_action_without_owner_or_date_shows_both_errors_and_adds_nothing(cast, htmx):
    minutes = _minutes_in(cast)
    item = _item(minutes)

    response = client_for(cast.secretary).post(
        _url("decided_action_add", minutes.meeting, item.pk),
        {"title": "Book the hall"},
        **(HTMX if htmx else {}),
    )

    assert response.status_code == (422 if htmx else 400)
    assert _shows(response, ERR_RESPONSIBLE_MISSING)
    assert _shows(response, ERR_DUE_DATE_MISSING)
    assert not Action.objects.exists()


def test_a_refused_action_keeps_the_chosen_member_selected(cast):
    minutes = _minutes_in(cast)
    item = _item(minutes)
    chosen = cast.membership(cast.member)

    response = client_for(cast.secretary).post(
        _url("decided_action_add", minutes.meeting, item.pk),
        {"title": "Book the hall", "responsible_member": chosen.pk},
        **HTMX,
    )

    assert response.status_code == 422
    assert f'<option value="{chosen.pk}" selected>' in _page(response)
    assert _page(response).count(" selected>") == 1


def test_the_one_action_dialog_lists_every_member_with_names_escaped(cast):
    minutes = _minutes_in(cast)
    cast.member.first_name = "<script>alert(1)</script>"
    cast.member.save()
    member = cast.membership(cast.member)

    page = _page(client_for(cast.secretary).get(_url("minutes", minutes.meeting)))

    # One dialog serves every item, so the members are listed once, not once per item.
    assert page.count('<dialog id="action-dialog"') == 1
    assert page.count(f'<option value="{member.pk}">') == 1
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("who", ["other_alliance", "huge"])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_action_for_someone_outside_the_alliance_is_refused(cast, who, htmx):
    minutes = _minutes_in(cast)
    item = _item(minutes)
    member_id = (
        Membership.objects.get(alliance=cast.other_alliance, user=cast.other_chair).pk
        if who == "other_alliance"
        else "99999999999999999999999"
    )

    response = client_for(cast.secretary).post(
        _url("decided_action_add", minutes.meeting, item.pk),
        {"title": "Book the hall", "responsible_member": member_id, "not_applicable": "on"},
        **(HTMX if htmx else {}),
    )

    assert response.status_code == (422 if htmx else 400)
    assert "Select a valid choice" in _page(response)
    assert not Action.objects.exists()


def test_an_action_added_with_a_plain_form_returns_to_its_item(cast):
    minutes = _minutes_in(cast)
    item = _item(minutes)

    response = client_for(cast.secretary).post(
        _url("decided_action_add", minutes.meeting, item.pk),
        {
            "title": "Print the flyers",
            "responsible_member": cast.membership(cast.secretary).pk,
            "due_date": "2027-01-15",
        },
    )

    assert response.status_code == 302
    assert response.url == _url("minutes", minutes.meeting) + f"#item-{item.pk}"
    assert Action.objects.get(decided_in=item).due_date.isoformat() == "2027-01-15"


def test_an_action_removed_with_htmx_leaves_the_item(cast):
    minutes = _minutes_in(cast)
    item = _item(minutes)
    action = services.decided_action_add(
        item=item,
        actor=cast.secretary,
        title="Book the hall",
        responsible_member=cast.membership(cast.member),
    )

    response = client_for(cast.secretary).post(
        _url("decided_action_remove", minutes.meeting, action.pk), **HTMX
    )

    assert response.status_code == 200
    assert not Action.objects.filter(pk=action.pk).exists()
    assert f'id="actions-{item.pk}"' in _page(response)
    assert "Book the hall" not in _page(response)


# Circulation ------------------------------------------------------------------------------------


def test_draft_minutes_offer_circulation_only_once_the_meeting_has_started(cast, time_machine):
    time_machine.move_to(MEETING_START - timedelta(days=10), tick=False)
    minutes = _minutes_in(cast)
    circulate_url = _url("minutes_transition", minutes.meeting, "circulate")
    client = client_for(cast.secretary)

    before = client.get(_url("minutes", minutes.meeting))
    assert circulate_url not in _page(before)
    assert _shows(before, ERR_MINUTES_BEFORE_MEETING)

    time_machine.move_to(MEETING_START, tick=False)
    assert circulate_url in _page(client.get(_url("minutes", minutes.meeting)))


def test_circulating_minutes_before_the_meeting_is_refused_with_the_message(cast, time_machine):
    time_machine.move_to(MEETING_START - timedelta(days=10), tick=False)
    minutes = _minutes_in(cast)

    response = client_for(cast.secretary).post(
        _url("minutes_transition", minutes.meeting, "circulate"), follow=True
    )

    assert response.status_code == 200
    assert _shows(response, ERR_MINUTES_BEFORE_MEETING)
    minutes.refresh_from_db()
    assert (minutes.status, minutes.circulated_at) == (Minutes.Status.DRAFT, None)


def test_minutes_of_a_meeting_moved_to_the_future_offer_no_approval_and_refuse_it(
    cast, time_machine
):
    time_machine.move_to(MEETING_START + timedelta(days=1), tick=False)
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    reschedule_meeting(minutes.meeting, cast.secretary, MEETING_START + timedelta(days=20))
    chair = client_for(cast.chair)
    url = _url("minutes_transition", minutes.meeting, "approve")
    assert url not in _page(chair.get(_url("minutes", minutes.meeting)))
    shown = canonical_sha256(selectors.minutes_content(minutes))

    response = chair.post(url, {"sha256": shown}, follow=True)

    assert response.status_code == 200
    assert _shows(response, ERR_APPROVAL_BEFORE_MEETING)
    minutes.refresh_from_db()
    assert (minutes.status, minutes.approved_at) == (Minutes.Status.CIRCULATED, None)


# Approval ---------------------------------------------------------------------------------------


def test_the_chair_approves_what_the_confirmation_page_fingerprinted(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    client = client_for(cast.chair)
    url = _url("minutes_transition", minutes.meeting, "approve")
    expected = canonical_sha256(selectors.minutes_content(minutes))

    question = client.get(url)

    assert question.status_code == 200
    shown = re.search(r'data-testid="content-sha256">([0-9a-f]{64})<', _page(question)).group(1)
    assert shown == expected

    response = client.post(url, {"sha256": shown})

    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    assert (minutes.approved_by, minutes.approved_sha256) == (cast.chair, expected)


def test_approval_is_refused_when_the_minutes_changed_after_the_page_was_opened(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    chair = client_for(cast.chair)
    url = _url("minutes_transition", minutes.meeting, "approve")
    shown = re.search(r'name="sha256" value="([0-9a-f]{64})"', _page(chair.get(url))).group(1)
    _save(
        client_for(cast.secretary),
        minutes,
        {_item(minutes).pk: "<p>A late change.</p>"},
        base_version=minutes.version,
    )

    response = chair.post(url, {"sha256": shown}, follow=True)

    assert response.status_code == 200
    assert _shows(response, ERR_CHANGED_SINCE_SHOWN)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.CIRCULATED
    assert (minutes.approved_at, minutes.approved_sha256) == (None, "")


def test_the_previous_minutes_are_approved_under_the_next_meetings_item(cast, time_machine):
    time_machine.move_to(MEETING_START + timedelta(days=1), tick=False)
    previous = _minutes_in(cast, Minutes.Status.CIRCULATED)
    later = make_minutes(
        _meeting(cast, starts_at=MEETING_START + timedelta(days=30)), cast.secretary
    )
    time_machine.move_to(MEETING_START + timedelta(days=30, hours=1), tick=False)
    item = _item(later, StandingItem.PREVIOUS_MINUTES)
    page = client_for(cast.secretary).get(_url("minutes", later.meeting))
    assert _url("minutes_record_approval", later.meeting, item.pk) in _page(page)

    response = client_for(cast.secretary).post(
        _url("minutes_record_approval", later.meeting, item.pk)
    )

    assert response.status_code == 302
    previous.refresh_from_db()
    assert previous.status == Minutes.Status.APPROVED
    assert previous.approved_at_meeting == later.meeting
    assert previous.approved_by == cast.secretary


# Corrections after approval ---------------------------------------------------------------------


def test_approved_minutes_offer_the_correction_form(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)

    response = client_for(cast.secretary).get(_url("minutes_correct", minutes.meeting))

    assert response.status_code == 200
    assert 'name="reason"' in _page(response)
    assert f'name="comment-{_item(minutes).pk}"' in _page(response)


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)
    before = _minutes_state(minutes)

    response = client_for(cast.secretary).post(
        _url("minutes_correct", minutes.meeting),
        {
            "reason": "  ",
            "base_version": minutes.version,
            f"comment-{_item(minutes).pk}": "<p>We agreed on four events.</p>",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert _minutes_state(minutes) == before


def test_a_correction_without_a_base_version_says_so_and_keeps_the_typed_text(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)
    before = _minutes_state(minutes)

    response = client_for(cast.secretary).post(
        _url("minutes_correct", minutes.meeting),
        {"reason": "A typo.", f"comment-{_item(minutes).pk}": "<p>Four events.</p>"},
    )

    assert response.status_code == 400
    assert _shows(response, ERR_NO_BASE_VERSION)
    assert "Four events." in _page(response)
    assert _minutes_state(minutes) == before


def test_a_correction_that_changes_nothing_is_refused(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)
    item = _item(minutes)

    response = client_for(cast.secretary).post(
        _url("minutes_correct", minutes.meeting),
        {"reason": "No change.", "base_version": minutes.version, f"comment-{item.pk}": SAVED},
    )

    assert response.status_code == 400
    assert _shows(response, ERR_CORRECTION_CHANGES_NOTHING)
    assert not minutes.revisions.filter(kind=MinutesRevision.Kind.CORRECTION).exists()


def test_a_correction_with_a_reason_is_kept_and_shown_to_readers(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)
    approved_sha256 = minutes.approved_sha256
    reason = "The number of events was misheard."

    response = client_for(cast.secretary).post(
        _url("minutes_correct", minutes.meeting),
        {
            "reason": reason,
            "base_version": minutes.version,
            f"comment-{_item(minutes).pk}": "<p>We agreed on four events.</p>",
        },
    )

    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    assert minutes.approved_sha256 == approved_sha256
    correction = minutes.revisions.get(kind=MinutesRevision.Kind.CORRECTION)
    assert (correction.reason, correction.author) == (reason, cast.secretary)
    assert _item(minutes).comment_html == "<p>We agreed on four events.</p>"
    page = client_for(cast.member).get(_url("minutes", minutes.meeting))
    assert "Corrected after approval" in _page(page)
    assert reason in _page(page)


# History ----------------------------------------------------------------------------------------


def test_the_history_lists_each_secretarys_save_and_the_diff_marks_changed_words(cast):
    second = MembershipFactory(alliance=cast.alliance, role=Role.SECRETARY).user
    minutes = make_minutes(_meeting(cast), cast.secretary)
    item = _item(minutes)
    _save(client_for(cast.secretary), minutes, {item.pk: SAVED}, base_version=1)
    _save(client_for(second), minutes, {item.pk: "<p>We agreed on four events.</p>"}, 2)

    history = client_for(cast.secretary).get(_url("minutes_history", minutes.meeting))

    assert history.status_code == 200
    assert escape(str(cast.secretary)) in _page(history)
    assert escape(str(second)) in _page(history)
    latest = minutes.revisions.get(author=second)
    assert _url("minutes_revision", minutes.meeting, latest.pk) in _page(history)

    diff = client_for(cast.secretary).get(_url("minutes_revision", minutes.meeting, latest.pk))

    assert diff.status_code == 200
    assert re.search(r"<ins>(<span[^>]*>[^<]*</span>)?four</ins>", _page(diff))
    assert re.search(r"<del>(<span[^>]*>[^<]*</span>)?three</del>", _page(diff))


# Query counts: pages read their rows in a fixed number of queries --------------------------------

# The smallest caps that pass with 6 rows and with 30: the same cap for both sizes shows that the
# number of queries does not grow with the rows. Each adds what the shell around the page reads.
DETAIL_QUERIES = 9 + SHELL_QUERIES
MINUTES_QUERIES = 15 + SHELL_QUERIES
PARTICIPANTS_QUERIES = 5 + SHELL_QUERIES
LIST_QUERIES = 5 + SHELL_QUERIES
SIZES = [6, 30]


def _meeting_with_items(cast, size: int) -> Meeting:
    meeting = _meeting(cast)
    for number in range(size - meeting.agenda_items.count()):
        services.agenda_item_add(
            meeting=meeting, actor=cast.secretary, fields={"title": f"Extra item {number}"}
        )
    return meeting


@pytest.mark.parametrize("size", SIZES)
def test_the_meeting_page_reads_a_fixed_number_of_queries(
    cast, size, django_assert_max_num_queries
):
    meeting = _meeting_with_items(cast, size)
    _meeting(cast, starts_at=MEETING_START - timedelta(days=30))
    client = client_for(cast.secretary)

    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(_url("detail", meeting))

    assert len(_agenda_ids_on_page(response)) == size


@pytest.mark.parametrize("size", SIZES)
def test_the_minutes_editor_reads_a_fixed_number_of_queries(
    cast, size, django_assert_max_num_queries
):
    minutes = make_minutes(_meeting_with_items(cast, size), cast.secretary)
    organisation = OrganisationFactory()
    StakeholderFactory(alliance=cast.alliance, organisation=organisation)
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    for item in minutes.items.all():
        services.decided_action_add(
            item=item,
            actor=cast.secretary,
            title=f"Follow up {item.title}",
            responsible_member=cast.membership(cast.member),
        )
        services.decided_action_add(
            item=item,
            actor=cast.secretary,
            title=f"Report on {item.title}",
            responsible_organisation=organisation,
            due_date=datetime(2027, 1, 15).date(),
        )
        services.member_comment_add(item=item, actor=cast.member, body="Agreed.")
    client = client_for(cast.secretary)

    with django_assert_max_num_queries(MINUTES_QUERIES):
        response = client.get(_url("minutes", minutes.meeting))

    assert response.context["editing"]
    assert _page(response).count('data-testid="decided-action"') == 2 * size
    assert _page(response).count("Agreed.") == size


@pytest.mark.parametrize("size", SIZES)
def test_the_participants_page_reads_a_fixed_number_of_queries(
    cast, size, django_assert_max_num_queries
):
    meeting = _meeting(cast)
    for number in range(size - meeting.participants.count()):
        services.guest_invite(
            meeting=meeting,
            actor=cast.secretary,
            name=f"Guest {number}",
            email=f"guest{number}@example.org" if number % 2 else "",
            present=not number % 2,
        )
    client = client_for(cast.secretary)

    with django_assert_max_num_queries(PARTICIPANTS_QUERIES):
        response = client.get(_url("participants", meeting))

    assert len(response.context["people"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_the_meetings_list_reads_a_fixed_number_of_queries(
    cast, size, django_assert_max_num_queries
):
    for number in range(size):
        meeting = _meeting(cast, starts_at=MEETING_START + timedelta(days=number))
        if number % 2:
            make_minutes(meeting, cast.secretary)
    client = client_for(cast.member)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("meetings:list", args=[cast.alliance.pk]))

    assert len(response.context["page"].object_list) == min(size, 20)
