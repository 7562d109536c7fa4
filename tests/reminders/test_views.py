"""Reminder pages through HTTP: a person's choices, the stop link in every mail, and the
alliance's reminders page with its schedule form.

Who may open which URL is tests/test_authorization_matrix.py; the scheduler and sending are the
service tests next to this file. Here the pages are driven the way a browser or a mail client
drives them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from agreements import services as agreement_services
from alliance_portal.permissions import Role
from alliances.models import AuditEntry
from reminders.kinds import OPTIONAL_KINDS
from reminders.models import (
    Delivery,
    ReminderKind,
    ReminderOptOut,
    ReminderSettings,
)
from reminders.schedule import utc_stamp
from reminders.services import ERR_RETRY_NOT_WANTED, reminders_dispatch
from reminders.tokens import SALT, read_stop_token, stop_token

from ..agreements.conftest import sign_as
from ..conftest import client_for
from ..factories import MEETING_START, MembershipFactory, make_meeting, make_published_agreement

pytestmark = pytest.mark.django_db

# Three days before the factories' meeting: its 7-day reminder is due, its 1-day one waits.
NOW = MEETING_START - timedelta(days=3)
# Eight days before the meeting: planned then, it gets its 7-day reminder a day later.
PLANNED = MEETING_START - timedelta(days=8)
ERROR = "SMTPServerDisconnected: Connection unexpectedly closed"
STOP_INVALID = "The link is incomplete or was changed."
RECEIVE_INPUT = re.compile(r'<input[^>]*name="receive"[^>]*>')


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _prefs_url() -> str:
    return reverse("reminders:preferences")


def _page_url(alliance, **query) -> str:
    url = reverse("reminders:alliance", args=[alliance.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _stop_url(user, kind=ReminderKind.MEETING_UPCOMING) -> str:
    return reverse("reminders:stop", args=[stop_token(user_id=user.pk, kind=kind)])


def _delivery(alliance, recipient, *, status=Delivery.Status.PENDING, **fields) -> Delivery:
    values = {
        "kind": ReminderKind.MEETING_UPCOMING,
        "object_id": 1,
        "slot": "7d@20261203T0900Z",
        "due_at": NOW - timedelta(hours=1),
        **fields,
    }
    if status == Delivery.Status.FAILED:
        values = {"attempts": 5, "last_error": ERROR, "failed_at": NOW, **values}
    if status == Delivery.Status.SENT:
        values = {"sent_at": NOW, **values}
    return Delivery.objects.create(alliance=alliance, recipient=recipient, status=status, **values)


def _failed_meeting_reminder(cast, meeting) -> Delivery:
    """The member's 7-day reminder of a real upcoming meeting, failed after every attempt."""
    return _delivery(
        cast.alliance,
        cast.member,
        status=Delivery.Status.FAILED,
        object_id=meeting.pk,
        slot=f"7d@{utc_stamp(meeting.starts_at)}",
    )


def _meeting_planned_in_time(cast):
    """The factories' meeting, made before its 7-day reminder was due (a meeting made later
    gets only the 1-day one)."""
    with time_machine.travel(PLANNED, tick=False):
        return make_meeting(cast.alliance, cast.secretary)


def _mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def _text(response) -> str:
    return response.content.decode()


# The person's own choices ---------------------------------------------------------------------


def test_preferences_list_every_optional_kind_ticked_by_default(cast):
    response = client_for(cast.member).get(_prefs_url())

    assert response.status_code == 200
    inputs = RECEIVE_INPUT.findall(_text(response))
    values = [re.search(r'value="([^"]+)"', tag).group(1) for tag in inputs]
    assert values == OPTIONAL_KINDS
    assert all(" checked" in tag for tag in inputs)
    assert cast.member.email in _text(response)


def test_unticking_a_kind_saves_an_opt_out_and_says_so(cast):
    receive = [kind for kind in OPTIONAL_KINDS if kind != ReminderKind.ACTION_OVERDUE]

    response = client_for(cast.member).post(
        _prefs_url(), {"receive": receive, "submit": "Save"}, follow=True
    )

    assert response.redirect_chain == [(_prefs_url(), 302)]
    assert "Your reminder choices were saved." in _text(response)
    assert list(ReminderOptOut.objects.filter(user=cast.member).values_list("kind", flat=True)) == [
        ReminderKind.ACTION_OVERDUE
    ]
    unticked = [tag for tag in RECEIVE_INPUT.findall(_text(response)) if " checked" not in tag]
    assert len(unticked) == 1 and 'value="action_overdue"' in unticked[0]


def test_unticking_every_kind_switches_them_all_off(cast):
    client_for(cast.member).post(_prefs_url(), {"submit": "Save"})

    kinds = set(ReminderOptOut.objects.filter(user=cast.member).values_list("kind", flat=True))
    assert kinds == set(OPTIONAL_KINDS)


def test_ticking_a_kind_again_removes_its_opt_out(cast):
    ReminderOptOut.objects.create(user=cast.member, kind=ReminderKind.ACTION_DUE)
    ReminderOptOut.objects.create(user=cast.member, kind=ReminderKind.MEETING_UPCOMING)
    receive = [kind for kind in OPTIONAL_KINDS if kind != ReminderKind.MEETING_UPCOMING]

    response = client_for(cast.member).post(_prefs_url(), {"receive": receive})

    assert response.status_code == 302
    assert list(ReminderOptOut.objects.filter(user=cast.member).values_list("kind", flat=True)) == [
        ReminderKind.MEETING_UPCOMING
    ]


def test_preferences_of_one_person_leave_anothers_alone(cast):
    ReminderOptOut.objects.create(user=cast.chair, kind=ReminderKind.ACTION_DUE)

    client_for(cast.member).post(_prefs_url(), {"receive": OPTIONAL_KINDS})

    assert ReminderOptOut.objects.filter(user=cast.chair, kind=ReminderKind.ACTION_DUE).exists()


def test_an_unknown_kind_is_refused_and_nothing_is_saved(cast):
    response = client_for(cast.member).post(
        _prefs_url(), {"receive": ["minutes_approval", "meeting_upcoming"]}
    )

    assert response.status_code in {200, 400}
    assert "Select a valid choice." in _text(response)
    assert not ReminderOptOut.objects.filter(user=cast.member).exists()


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        (
            "chair",
            [
                ReminderKind.MINUTES_APPROVAL,
                ReminderKind.PLAN_SIGNOFF,
                ReminderKind.SUSTAINABILITY_PROMPT,
            ],
        ),
        ("secretary", [ReminderKind.SECRETARY_NUDGE]),
        ("coordinator", [ReminderKind.SUSTAINABILITY_PROMPT]),
    ],
)
def test_mandatory_kinds_show_as_coming_with_the_role(cast, role, kinds):
    response = client_for(cast.user(role)).get(_prefs_url())

    page = _text(response)
    section = page.split("Reminders that come with your role", 1)[1].split("</ul>", 1)[0]
    listed = re.findall(r"<li>(.*?)</li>", section)
    assert listed == [escape(ReminderKind(kind).label) for kind in kinds]
    # A role's reminders are never a checkbox.
    assert 'value="minutes_approval"' not in page


def test_a_member_without_a_leading_role_sees_no_role_reminders(cast):
    response = client_for(cast.member).get(_prefs_url())

    assert "Reminders that come with your role" not in _text(response)


def test_an_ended_seat_no_longer_brings_its_role_reminders(cast):
    membership = cast.membership(cast.secretary)
    membership.end(by=cast.chair)
    membership.save()

    response = client_for(cast.secretary).get(_prefs_url())

    assert "Reminders that come with your role" not in _text(response)


def test_preferences_need_a_login(cast):
    response = Client().get(_prefs_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_profile_page_links_to_the_preferences(cast):
    response = client_for(cast.member).get(reverse("profile"))

    assert f'href="{_prefs_url()}"' in _text(response)


# The stop link in a mail ----------------------------------------------------------------------


def test_stop_link_asks_first_naming_the_kind_and_address(cast):
    url = _stop_url(cast.member)

    response = Client().get(url)

    assert response.status_code == 200
    page = _text(response)
    assert "Upcoming meeting" in page and cast.member.email in page
    assert f'action="{url}"' in page
    assert not ReminderOptOut.objects.exists()


def test_posting_the_stop_link_switches_the_kind_off_and_offers_undo(cast):
    response = Client().post(_stop_url(cast.member, ReminderKind.ACTION_DUE))

    assert response.status_code == 200
    assert ReminderOptOut.objects.filter(user=cast.member, kind=ReminderKind.ACTION_DUE).exists()
    page = _text(response)
    assert "will no longer get reminders of the kind" in page
    undo = re.search(r'action="/reminders/stop/([^/"]+)/undo/"', page).group(1)
    assert read_stop_token(undo) == (cast.member.pk, ReminderKind.ACTION_DUE)


def test_stopping_twice_keeps_one_opt_out(cast):
    client = Client()
    client.post(_stop_url(cast.member))
    response = client.post(_stop_url(cast.member))

    assert response.status_code == 200
    assert ReminderOptOut.objects.filter(user=cast.member).count() == 1


def test_undo_switches_the_kind_on_again(cast):
    token = stop_token(user_id=cast.member.pk, kind=ReminderKind.MEETING_UPCOMING)
    client = Client()
    client.post(reverse("reminders:stop", args=[token]))

    response = client.post(reverse("reminders:resume", args=[token]))

    assert response.status_code == 200
    assert "gets reminders of the kind" in _text(response)
    assert not ReminderOptOut.objects.filter(user=cast.member).exists()


def test_undo_works_from_the_page_in_a_browser(cast):
    """A browser checks CSRF: the undo form on the confirmation page carries its token."""
    client = Client(enforce_csrf_checks=True)
    stopped = _text(client.post(_stop_url(cast.member)))
    form = re.search(r'<form method="post" action="([^"]+/undo/)">(.*?)</form>', stopped, re.S)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2)).group(1)

    response = client.post(form.group(1), {"csrfmiddlewaretoken": csrf})

    assert response.status_code == 200
    assert not ReminderOptOut.objects.filter(user=cast.member).exists()


def test_one_click_unsubscribe_works_without_cookies_or_csrf_token(cast):
    """RFC 8058: the mail client posts List-Unsubscribe=One-Click to the link, nothing else."""
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _stop_url(cast.member),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert ReminderOptOut.objects.filter(
        user=cast.member, kind=ReminderKind.MEETING_UPCOMING
    ).exists()


def _tampered(cast) -> str:
    token = stop_token(user_id=cast.member.pk, kind=ReminderKind.MEETING_UPCOMING)
    body, signature = token.rsplit(":", 1)
    return f"{body}:{'A' * len(signature)}"


def _other_persons_body(cast) -> str:
    """The member's signature on a token that names the chair."""
    mine = stop_token(user_id=cast.member.pk, kind=ReminderKind.MEETING_UPCOMING)
    theirs = stop_token(user_id=cast.chair.pk, kind=ReminderKind.MEETING_UPCOMING)
    return theirs.split(":", 1)[0] + ":" + mine.split(":", 1)[1]


BAD_TOKENS = {
    "tampered signature": _tampered,
    "body of another person": _other_persons_body,
    "garbage": lambda cast: "not-a-token",
    "colons only": lambda cast: "::",
    "one character": lambda cast: "x",
    "spaces": lambda cast: "%20%20",
    "another salt": lambda cast: signing.dumps(
        {"u": cast.member.pk, "k": "meeting_upcoming"}, salt="alliances.other"
    ),
    "user id as text": lambda cast: signing.dumps(
        {"u": str(cast.member.pk), "k": "meeting_upcoming"}, salt=SALT
    ),
    "unknown kind": lambda cast: signing.dumps({"u": cast.member.pk, "k": "newsletter"}, salt=SALT),
    "not a dict": lambda cast: signing.dumps([cast.member.pk, "meeting_upcoming"], salt=SALT),
    "no such user": lambda cast: stop_token(user_id=10**9, kind=ReminderKind.MEETING_UPCOMING),
    "mandatory kind": lambda cast: stop_token(
        user_id=cast.chair.pk, kind=ReminderKind.MINUTES_APPROVAL
    ),
}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(BAD_TOKENS))
def test_a_bad_stop_token_answers_404_with_the_explanation(cast, name, method):
    url = f"/reminders/stop/{BAD_TOKENS[name](cast)}/"

    response = getattr(Client(), method)(url)

    assert response.status_code == 404
    assert STOP_INVALID in _text(response)
    assert not ReminderOptOut.objects.exists()


@pytest.mark.parametrize("name", ["tampered signature", "mandatory kind", "garbage"])
def test_undo_with_a_bad_token_answers_404(cast, name):
    response = Client().post(f"/reminders/stop/{BAD_TOKENS[name](cast)}/undo/")

    assert response.status_code == 404
    assert STOP_INVALID in _text(response)


def test_undo_with_a_bad_token_leaves_opt_outs_alone(cast):
    ReminderOptOut.objects.create(user=cast.member, kind=ReminderKind.MEETING_UPCOMING)

    Client().post(f"/reminders/stop/{_tampered(cast)}/undo/")

    assert ReminderOptOut.objects.filter(user=cast.member).exists()


def test_stop_token_of_an_inactive_user_answers_404(cast):
    cast.member.is_active = False
    cast.member.save(update_fields=["is_active"])

    client = Client()
    assert client.get(_stop_url(cast.member)).status_code == 404
    assert client.post(_stop_url(cast.member)).status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_the_stop_link_of_a_sent_reminder_works_end_to_end(cast, frozen):
    frozen.move_to(PLANNED)
    meeting = make_meeting(cast.alliance, cast.secretary)
    reminders_dispatch()
    assert mail.outbox == []
    frozen.move_to(MEETING_START - timedelta(days=7))
    reminders_dispatch()
    (message,) = _mails_to(cast.member)
    assert meeting.title in message.subject
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<http://testserver(/reminders/stop/[^>]+)>", header).group(1)
    assert f"http://testserver{link}" in message.body

    client = Client(enforce_csrf_checks=True)
    assert cast.member.email in _text(client.get(link))
    response = client.post(
        link, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert ReminderOptOut.objects.filter(
        user=cast.member, kind=ReminderKind.MEETING_UPCOMING
    ).exists()
    # The next run drops the member's 1-day reminder instead of sending it.
    frozen.move_to(MEETING_START - timedelta(days=1) + timedelta(hours=1))
    reminders_dispatch()
    one_day = Delivery.objects.get(
        recipient=cast.member, object_id=meeting.pk, slot__startswith="1d@"
    )
    assert (one_day.status, one_day.drop_reason) == (
        Delivery.Status.DROPPED,
        Delivery.DropReason.OPTED_OUT,
    )
    assert len(_mails_to(cast.member)) == 1


# The alliance's reminders page ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator", 200),
        ("chair", 200),
        ("secretary", 403),
        ("member", 403),
        ("observer", 403),
        ("outsider", 404),
        ("other_chair", 404),
    ],
)
def test_the_reminders_page_is_for_chair_and_coordinators(cast, role, status):
    response = client_for(cast.user(role)).get(_page_url(cast.alliance))

    assert response.status_code == status


def test_tabs_show_how_many_deliveries_each_status_has(cast):
    for number in range(3):
        _delivery(cast.alliance, cast.member, slot=f"p{number}")
    _delivery(cast.alliance, cast.member, status=Delivery.Status.SENT, slot="s0")
    _delivery(cast.alliance, cast.chair, status=Delivery.Status.FAILED, slot="f0")
    _delivery(cast.other_alliance, cast.other_chair, status=Delivery.Status.FAILED, slot="x")

    response = client_for(cast.coordinator).get(_page_url(cast.alliance))

    badge = r'href="\?status=(\w+)">[^<]*<span class="badge [^"]*">(\d+)</span>'
    tabs = dict(re.findall(badge, _text(response)))
    assert tabs == {"pending": "3", "sent": "1", "failed": "1", "dropped": "0"}


def test_the_page_opens_on_failed_deliveries_with_error_and_send_again(cast, frozen):
    failed = _failed_meeting_reminder(cast, _meeting_planned_in_time(cast))
    _delivery(cast.alliance, cast.chair, slot="later")

    response = client_for(cast.chair).get(_page_url(cast.alliance))

    page = _text(response)
    assert re.search(r'class="nav-link active"[^>]*href="\?status=failed"', page)
    assert "5 attempts: " + ERROR in page
    assert cast.member.email in page
    retry_url = reverse("reminders:retry", args=[cast.alliance.pk, failed.pk])
    assert f'action="{retry_url}"' in page
    assert "Send again" in page
    assert "Send all failed reminders again" in page


def test_the_page_opens_on_waiting_deliveries_when_none_failed(cast):
    _delivery(cast.alliance, cast.member)

    page = _text(client_for(cast.chair).get(_page_url(cast.alliance)))

    assert re.search(r'class="nav-link active"[^>]*href="\?status=pending"', page)
    assert "Send again" not in page


def test_a_dropped_delivery_shows_why(cast):
    _delivery(
        cast.alliance,
        cast.member,
        status=Delivery.Status.DROPPED,
        drop_reason=Delivery.DropReason.RESCHEDULED,
    )

    page = _text(client_for(cast.chair).get(_page_url(cast.alliance, status="dropped")))

    assert "The meeting moved to another time" in page


def test_retry_moves_a_failed_delivery_to_pending_and_sends_it(
    cast, frozen, django_capture_on_commit_callbacks
):
    meeting = _meeting_planned_in_time(cast)
    delivery = _failed_meeting_reminder(cast, meeting)
    url = reverse("reminders:retry", args=[cast.alliance.pk, delivery.pk])

    client = client_for(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == _page_url(cast.alliance, status="failed")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert (delivery.attempts, delivery.last_error, delivery.failed_at) == (0, "", None)
    (message,) = _mails_to(cast.member)
    assert meeting.title in message.subject
    entry = AuditEntry.objects.get(action="reminder.retried")
    assert (entry.actor, entry.alliance) == (cast.coordinator, cast.alliance)
    page = _text(client.get(response["Location"]))
    assert f"The reminder to {cast.member.email} will be sent again." in page


def test_retry_without_a_worker_leaves_the_delivery_pending(cast, frozen):
    delivery = _failed_meeting_reminder(cast, _meeting_planned_in_time(cast))

    response = client_for(cast.chair).post(
        reverse("reminders:retry", args=[cast.alliance.pk, delivery.pk])
    )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.enqueued_at) == (
        Delivery.Status.PENDING,
        0,
        None,
    )


def test_retry_of_a_delivery_that_did_not_fail_says_so(cast):
    sent = _delivery(cast.alliance, cast.member, status=Delivery.Status.SENT)

    response = client_for(cast.chair).post(
        reverse("reminders:retry", args=[cast.alliance.pk, sent.pk]), follow=True
    )

    assert "Only a reminder that could not be sent can be sent again." in _text(response)
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.SENT
    assert not AuditEntry.objects.filter(action="reminder.retried").exists()


def test_retry_of_another_alliances_delivery_is_404_and_changes_nothing(cast):
    theirs = _delivery(cast.other_alliance, cast.other_chair, status=Delivery.Status.FAILED)

    response = client_for(cast.chair).post(
        reverse("reminders:retry", args=[cast.alliance.pk, theirs.pk])
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.attempts) == (Delivery.Status.FAILED, 5)
    assert not AuditEntry.objects.filter(action="reminder.retried").exists()


def test_retry_all_failed_sends_each_again(cast, frozen, django_capture_on_commit_callbacks):
    meeting = _meeting_planned_in_time(cast)
    _failed_meeting_reminder(cast, meeting)
    _delivery(
        cast.alliance,
        cast.observer,
        status=Delivery.Status.FAILED,
        object_id=meeting.pk,
        slot=f"7d@{utc_stamp(meeting.starts_at)}",
    )
    theirs = _delivery(cast.other_alliance, cast.other_chair, status=Delivery.Status.FAILED)
    url = reverse("reminders:retry_failed", args=[cast.alliance.pk])

    client = client_for(cast.chair)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response["Location"] == _page_url(cast.alliance, status="pending")
    statuses = set(Delivery.objects.filter(alliance=cast.alliance).values_list("status", flat=True))
    assert statuses == {Delivery.Status.SENT}
    assert len(_mails_to(cast.member)) == len(_mails_to(cast.observer)) == 1
    theirs.refresh_from_db()
    assert theirs.status == Delivery.Status.FAILED
    page = _text(client.get(response["Location"]))
    assert "2 reminders will be sent again." in page


def _failed_agreement_reminder(cast):
    """The member's "agreement not signed" reminder, failed after every attempt, and the
    version it asks them to sign."""
    version = make_published_agreement(cast.alliance, cast.coordinator)
    signature = agreement_services.signature_for_member(
        version=version, membership=cast.membership(cast.member)
    )
    delivery = _delivery(
        cast.alliance,
        cast.member,
        status=Delivery.Status.FAILED,
        kind=ReminderKind.AGREEMENT_UNSIGNED,
        object_id=signature.pk,
        slot="1",
    )
    return delivery, version


def test_a_failed_agreement_reminder_is_offered_again_only_until_the_member_signs(cast):
    delivery, version = _failed_agreement_reminder(cast)
    retry_url = reverse("reminders:retry", args=[cast.alliance.pk, delivery.pk])
    client = client_for(cast.coordinator)
    assert f'action="{retry_url}"' in _text(client.get(_page_url(cast.alliance)))

    sign_as(cast, version, cast.member)

    page = _text(client.get(_page_url(cast.alliance)))
    assert f'action="{retry_url}"' not in page
    assert 'data-testid="not-sent-again">No longer needed<' in page


def test_sending_again_a_reminder_no_longer_needed_is_refused_with_the_reason(cast):
    delivery, version = _failed_agreement_reminder(cast)
    sign_as(cast, version, cast.member)

    response = client_for(cast.coordinator).post(
        reverse("reminders:retry", args=[cast.alliance.pk, delivery.pk]), follow=True
    )

    expected = ERR_RETRY_NOT_WANTED % {"reason": Delivery.DropReason.NO_LONGER_DUE.label}
    assert escape(expected) in _text(response)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 5)
    assert not AuditEntry.objects.filter(action="reminder.retried").exists()


def test_retry_all_leaves_out_reminders_no_longer_needed(
    cast, frozen, django_capture_on_commit_callbacks
):
    wanted = _failed_meeting_reminder(cast, _meeting_planned_in_time(cast))
    unwanted, version = _failed_agreement_reminder(cast)
    sign_as(cast, version, cast.member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.chair).post(
            reverse("reminders:retry_failed", args=[cast.alliance.pk]), follow=True
        )

    assert "1 reminder will be sent again." in _text(response)
    wanted.refresh_from_db()
    unwanted.refresh_from_db()
    assert (wanted.status, unwanted.status) == (Delivery.Status.SENT, Delivery.Status.FAILED)


def test_retry_all_without_failed_ones_says_there_were_none(cast):
    response = client_for(cast.chair).post(
        reverse("reminders:retry_failed", args=[cast.alliance.pk]), follow=True
    )

    assert "There were no failed reminders to send again." in _text(response)


@pytest.mark.parametrize("name", ["settings", "retry_failed", "retry"])
def test_post_only_reminder_urls_refuse_get(cast, name):
    delivery = _delivery(cast.alliance, cast.member, status=Delivery.Status.FAILED)
    args = [cast.alliance.pk, delivery.pk] if name == "retry" else [cast.alliance.pk]

    response = client_for(cast.chair).get(reverse(f"reminders:{name}", args=args))

    assert response.status_code == 405
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED


def test_resume_refuses_get(cast):
    ReminderOptOut.objects.create(user=cast.member, kind=ReminderKind.MEETING_UPCOMING)
    token = stop_token(user_id=cast.member.pk, kind=ReminderKind.MEETING_UPCOMING)

    assert Client().get(reverse("reminders:resume", args=[token])).status_code == 405
    assert ReminderOptOut.objects.filter(user=cast.member).exists()


def test_sent_deliveries_are_paginated_by_fifty(cast):
    Delivery.objects.bulk_create(
        Delivery(
            alliance=cast.alliance,
            recipient=cast.member,
            kind=ReminderKind.ACTION_OVERDUE,
            object_id=7,
            slot=f"w{number}@2027-03-10",
            due_at=NOW - timedelta(days=number),
            status=Delivery.Status.SENT,
            sent_at=NOW,
        )
        for number in range(60)
    )
    client = client_for(cast.coordinator)

    first = _text(client.get(_page_url(cast.alliance, status="sent")))
    second = _text(client.get(_page_url(cast.alliance, status="sent", page=2)))

    assert first.count("<time datetime=") == 50
    assert "Page 1 of 2" in first
    assert "?status=sent&amp;page=2" in first
    assert second.count("<time datetime=") == 10
    assert "Page 2 of 2" in second


def test_waiting_deliveries_are_listed_soonest_first(cast):
    later = _delivery(cast.alliance, cast.member, slot="later", due_at=NOW + timedelta(days=2))
    sooner = _delivery(cast.alliance, cast.chair, slot="sooner", due_at=NOW + timedelta(days=1))

    page = _text(client_for(cast.chair).get(_page_url(cast.alliance, status="pending")))

    assert page.index(sooner.recipient.email) < page.index(later.recipient.email)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("failed", "Every reminder could be sent."),
        ("pending", "No reminders are waiting to be sent."),
        ("sent", "None yet."),
        ("dropped", "None yet."),
    ],
)
def test_empty_tabs_say_so(cast, status, text):
    response = client_for(cast.chair).get(_page_url(cast.alliance, status=status))

    assert response.status_code == 200
    assert re.search(rf'data-testid="no-deliveries">\s*{re.escape(text)}', _text(response))


def test_an_unknown_status_falls_back_to_a_tab(cast):
    response = client_for(cast.chair).get(_page_url(cast.alliance, status="everything"))

    assert response.status_code == 200
    assert "No reminders are waiting to be sent." in _text(response)


def test_the_page_says_when_the_scheduler_has_not_run(cast):
    page = _text(client_for(cast.chair).get(_page_url(cast.alliance)))

    assert "The reminder scheduler has not run yet." in page


def test_the_page_says_when_the_scheduler_last_ran(cast, frozen):
    reminders_dispatch()

    page = _text(client_for(cast.chair).get(_page_url(cast.alliance)))

    assert "Last checked:" in page
    assert "The reminder scheduler has not run yet." not in page


@pytest.mark.parametrize("role", ["coordinator", "chair"])
def test_the_alliance_page_warns_leaders_of_failed_reminders(cast, role):
    _delivery(cast.alliance, cast.member, status=Delivery.Status.FAILED, slot="a")
    _delivery(cast.alliance, cast.chair, status=Delivery.Status.FAILED, slot="b")

    response = client_for(cast.user(role)).get(
        reverse("dashboard:alliance", args=[cast.alliance.pk])
    )

    page = _text(response)
    assert 'data-testid="failed-reminders"' in page
    assert "2 reminders could not be sent." in page
    assert f'href="{_page_url(cast.alliance, status="failed")}"' in page


@pytest.mark.parametrize("role", ["member", "secretary", "observer"])
def test_the_alliance_page_does_not_warn_other_members(cast, role):
    _delivery(cast.alliance, cast.member, status=Delivery.Status.FAILED)

    response = client_for(cast.user(role)).get(
        reverse("dashboard:alliance", args=[cast.alliance.pk])
    )

    assert response.status_code == 200
    assert 'data-testid="failed-reminders"' not in _text(response)


def test_the_alliance_page_has_no_warning_without_failed_reminders(cast):
    _delivery(cast.alliance, cast.member)

    page = _text(client_for(cast.chair).get(reverse("dashboard:alliance", args=[cast.alliance.pk])))

    assert 'data-testid="failed-reminders"' not in page


def test_another_alliances_failures_do_not_warn(cast):
    _delivery(cast.other_alliance, cast.other_chair, status=Delivery.Status.FAILED)

    page = _text(client_for(cast.chair).get(reverse("dashboard:alliance", args=[cast.alliance.pk])))

    assert 'data-testid="failed-reminders"' not in page


# The alliance's schedule ----------------------------------------------------------------------


def _schedule(**changes) -> dict:
    return {
        "send": list(ReminderKind.values),
        "meeting_days_before": "7, 1",
        "minutes_approval_days": "7",
        "secretary_nudge_days": "3",
        "action_due_days": "3",
        "agreement_days": "3, 7, 14",
        "plan_signoff_days": "2",
        "sustainability_months": "6",
        "send_hour": "8",
        **changes,
    }


def _settings_url(alliance) -> str:
    return reverse("reminders:settings", args=[alliance.pk])


def _saved(alliance) -> tuple | None:
    row = ReminderSettings.objects.filter(alliance=alliance).first()
    if row is None:
        return None
    return (
        row.switched_off,
        row.meeting_days_before,
        row.minutes_approval_days,
        row.secretary_nudge_days,
        row.action_due_days,
        row.agreement_days,
        row.plan_signoff_days,
        row.sustainability_months,
        row.send_hour,
    )


def test_the_form_shows_the_defaults_before_anything_is_saved(cast):
    page = _text(client_for(cast.chair).get(_page_url(cast.alliance)))

    assert re.search(r'name="meeting_days_before"[^>]*value="7, 1"', page)
    assert re.search(r'name="agreement_days"[^>]*value="3, 7, 14"', page)
    sends = re.findall(r'<input[^>]*name="send"[^>]*>', page)
    assert len(sends) == len(ReminderKind.values) and all(" checked" in tag for tag in sends)


def test_saving_the_schedule_stores_it_and_audits_it(cast):
    data = _schedule(
        meeting_days_before="14, 2 ,7",
        minutes_approval_days="5",
        secretary_nudge_days="2",
        action_due_days="4",
        agreement_days="10,5",
        plan_signoff_days="3",
        sustainability_months="4",
        send_hour="0",
    )

    response = client_for(cast.coordinator).post(_settings_url(cast.alliance), data, follow=True)

    assert response.redirect_chain == [(_page_url(cast.alliance), 302)]
    assert "The reminder schedule was saved." in _text(response)
    # Days before a meeting are kept latest first, days after an invitation soonest first.
    assert _saved(cast.alliance) == ([], [14, 7, 2], 5, 2, 4, [5, 10], 3, 4, 0)
    entry = AuditEntry.objects.get(action="reminders.settings_updated")
    assert (entry.actor, entry.alliance) == (cast.coordinator, cast.alliance)
    assert re.search(r'name="meeting_days_before"[^>]*value="14, 7, 2"', _text(response))


def test_saving_again_updates_the_same_row(cast):
    client = client_for(cast.chair)
    client.post(_settings_url(cast.alliance), _schedule(send_hour="9"))

    client.post(_settings_url(cast.alliance), _schedule(send_hour="17"))

    assert ReminderSettings.objects.filter(alliance=cast.alliance).count() == 1
    assert _saved(cast.alliance)[-1] == 17
    assert AuditEntry.objects.filter(action="reminders.settings_updated").count() == 2


def test_saving_an_unchanged_schedule_writes_no_audit_entry(cast):
    client = client_for(cast.chair)
    client.post(_settings_url(cast.alliance), _schedule(send_hour="9"))

    response = client.post(_settings_url(cast.alliance), _schedule(send_hour="9"))

    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="reminders.settings_updated").count() == 1


def test_unticking_a_kind_switches_it_off_for_the_alliance(cast):
    send = [kind for kind in ReminderKind.values if kind != ReminderKind.ACTION_OVERDUE]

    response = client_for(cast.chair).post(_settings_url(cast.alliance), _schedule(send=send))

    assert response.status_code == 302
    row = ReminderSettings.objects.get(alliance=cast.alliance)
    assert row.switched_off == [ReminderKind.ACTION_OVERDUE]
    assert not row.is_on(ReminderKind.ACTION_OVERDUE) and row.is_on(ReminderKind.ACTION_DUE)
    page = _text(client_for(cast.chair).get(_page_url(cast.alliance)))
    overdue = re.search(r'<input[^>]*name="send"[^>]*value="action_overdue"[^>]*>', page).group(0)
    assert " checked" not in overdue


def test_a_mandatory_kind_can_be_switched_off_by_the_alliance(cast):
    send = [kind for kind in ReminderKind.values if kind != ReminderKind.MINUTES_APPROVAL]

    client_for(cast.chair).post(_settings_url(cast.alliance), _schedule(send=send))

    assert _saved(cast.alliance)[0] == [ReminderKind.MINUTES_APPROVAL]


def test_the_schedule_of_one_alliance_leaves_another_alone(cast):
    client_for(cast.chair).post(_settings_url(cast.alliance), _schedule(send_hour="11"))

    assert _saved(cast.other_alliance) is None


INVALID = [
    ("meeting_days_before", "0"),
    ("meeting_days_before", "abc"),
    ("meeting_days_before", "7,1,2,3"),
    ("meeting_days_before", "61"),
    ("meeting_days_before", "-1"),
    ("meeting_days_before", ""),
    ("meeting_days_before", " , "),
    ("meeting_days_before", "99999999999999999999"),
    ("meeting_days_before", "1.5"),
    ("agreement_days", "3,7,14,21"),
    ("agreement_days", "99999999999999999999"),
    ("minutes_approval_days", "99999999999999999999"),
    ("minutes_approval_days", "0"),
    ("secretary_nudge_days", "61"),
    ("action_due_days", "-3"),
    ("plan_signoff_days", "NaN"),
    ("send_hour", "24"),
    ("send_hour", "-1"),
    ("sustainability_months", "13"),
    ("sustainability_months", "0"),
    ("send", "newsletter"),
    ("meeting_days_before", "<script>alert(1)</script>"),
    ("minutes_approval_days", "<script>alert(1)</script>"),
]


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_invalid_schedule_answers_400_and_saves_nothing(cast, field, value):
    response = client_for(cast.coordinator).post(
        _settings_url(cast.alliance), _schedule(**{field: value})
    )

    assert response.status_code == 400
    assert f'id="id_{field}_error" class="invalid-feedback"' in _text(response)
    assert "<script>alert(1)</script>" not in _text(response)
    assert _saved(cast.alliance) is None
    assert not AuditEntry.objects.filter(action="reminders.settings_updated").exists()


@pytest.mark.parametrize(("field", "value"), INVALID[:4] + INVALID[-6:-2])
def test_invalid_schedule_keeps_what_was_saved(cast, field, value):
    client = client_for(cast.chair)
    client.post(_settings_url(cast.alliance), _schedule(send_hour="9", meeting_days_before="5"))
    before = _saved(cast.alliance)

    response = client.post(_settings_url(cast.alliance), _schedule(**{field: value}))

    assert response.status_code == 400
    assert _saved(cast.alliance) == before
    assert AuditEntry.objects.filter(action="reminders.settings_updated").count() == 1


def test_invalid_days_explain_the_format(cast):
    response = client_for(cast.chair).post(
        _settings_url(cast.alliance), _schedule(meeting_days_before="abc", agreement_days="1,2,3,4")
    )

    page = _text(response)
    assert "Write whole numbers of days separated by commas, e.g. 7, 1." in page
    assert "Give one to 3 whole numbers of days between 1 and 60, e.g. 7, 1." in page
    # The page still lists the deliveries and the rest of the form.
    assert "Reminders of" in page and 'name="send_hour"' in page


def test_a_member_cannot_save_the_schedule(cast):
    response = client_for(cast.member).post(_settings_url(cast.alliance), _schedule(send_hour="3"))

    assert response.status_code == 403
    assert _saved(cast.alliance) is None


def test_a_leader_of_another_alliance_cannot_save_this_schedule(cast):
    response = client_for(cast.other_chair).post(
        _settings_url(cast.alliance), _schedule(send_hour="3")
    )

    assert response.status_code == 404
    assert _saved(cast.alliance) is None


def test_a_new_coordinator_can_open_the_page(cast):
    coordinator = MembershipFactory(alliance=cast.alliance, role=Role.COORDINATOR).user

    assert client_for(coordinator).get(_page_url(cast.alliance)).status_code == 200
