"""The minutes editor for long meetings through HTTP: who else is editing (presence), and the one
decided-action dialog that serves every item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import selectors, services
from meetings.models import Minutes, MinutesPresence

from ..conftest import client_for
from ..factories import make_meeting, make_minutes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOTICE = "Also editing now:"


def _minutes(cast) -> Minutes:
    return make_minutes(make_meeting(cast.alliance, cast.secretary), cast.secretary)


def _url(name: str, minutes: Minutes, *extra) -> str:
    return reverse(
        f"meetings:{name}", args=[minutes.meeting.alliance_id, minutes.meeting_id, *extra]
    )


def _seen(minutes: Minutes, user, seconds_ago: int) -> MinutesPresence:
    presence = services.minutes_presence_touch(minutes=minutes, actor=user)
    presence.seen_at = timezone.now() - timedelta(seconds=seconds_ago)
    presence.save(update_fields=["seen_at"])
    return presence


# Presence ---------------------------------------------------------------------------------------


def test_a_poll_records_the_poller_and_names_only_the_others_seen_recently(cast):
    minutes = _minutes(cast)
    _seen(minutes, cast.chair, seconds_ago=3)
    _seen(minutes, cast.coordinator, seconds_ago=40)

    response = client_for(cast.secretary).post(_url("minutes_presence", minutes), **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"{NOTICE} {cast.chair.get_full_name()}" in page
    assert cast.coordinator.get_full_name() not in page
    assert cast.secretary.get_full_name() not in page
    assert MinutesPresence.objects.filter(minutes=minutes, user=cast.secretary).exists()


def test_a_poll_names_everyone_else_present(cast):
    minutes = _minutes(cast)
    _seen(minutes, cast.chair, seconds_ago=1)
    _seen(minutes, cast.coordinator, seconds_ago=2)

    page = client_for(cast.secretary).post(_url("minutes_presence", minutes)).content.decode()

    names = sorted([cast.chair, cast.coordinator], key=lambda u: (u.first_name, u.last_name))
    assert f"{NOTICE} {names[0].get_full_name()}, {names[1].get_full_name()}" in page


def test_a_poll_alone_says_nothing(cast):
    minutes = _minutes(cast)

    response = client_for(cast.secretary).post(_url("minutes_presence", minutes), **HTMX)

    assert response.status_code == 200
    assert NOTICE not in response.content.decode()


def test_polling_again_keeps_one_row_per_person(cast):
    minutes = _minutes(cast)
    old = _seen(minutes, cast.secretary, seconds_ago=60)
    client = client_for(cast.secretary)

    client.post(_url("minutes_presence", minutes))
    client.post(_url("minutes_presence", minutes))

    rows = MinutesPresence.objects.filter(minutes=minutes, user=cast.secretary)
    assert rows.count() == 1
    assert rows.get().seen_at > old.seen_at


def test_leaving_removes_the_row_and_the_name(cast):
    minutes = _minutes(cast)
    _seen(minutes, cast.chair, seconds_ago=1)
    _seen(minutes, cast.secretary, seconds_ago=1)

    response = client_for(cast.chair).post(_url("minutes_presence_leave", minutes))

    assert response.status_code == 204
    assert not MinutesPresence.objects.filter(user=cast.chair).exists()
    assert MinutesPresence.objects.filter(user=cast.secretary).exists()
    page = client_for(cast.secretary).post(_url("minutes_presence", minutes)).content.decode()
    assert NOTICE not in page


def test_a_page_that_never_said_goodbye_is_forgotten_at_the_next_poll(cast):
    minutes = _minutes(cast)
    _seen(minutes, cast.chair, seconds_ago=2 * 60 * 60)
    _seen(minutes, cast.coordinator, seconds_ago=30)

    client_for(cast.secretary).post(_url("minutes_presence", minutes), **HTMX)

    remaining = set(MinutesPresence.objects.values_list("user_id", flat=True))
    assert remaining == {cast.coordinator.pk, cast.secretary.pk}


def test_the_window_counts_from_now(cast):
    minutes = _minutes(cast)
    _seen(minutes, cast.chair, seconds_ago=10)
    now = timezone.now()

    assert selectors.minutes_editors_present(minutes, now=now, excluding=cast.secretary) == [
        cast.chair
    ]
    later = now + selectors.PRESENCE_WINDOW
    assert selectors.minutes_editors_present(minutes, now=later, excluding=cast.secretary) == []


@pytest.mark.parametrize("name", ["minutes_presence", "minutes_presence_leave"])
def test_another_alliances_member_gets_404_and_leaves_no_trace(cast, name):
    minutes = _minutes(cast)

    response = client_for(cast.other_chair).post(_url(name, minutes))

    assert response.status_code == 404
    assert not MinutesPresence.objects.exists()


@pytest.mark.parametrize("name", ["minutes_presence", "minutes_presence_leave"])
@pytest.mark.parametrize("who", ["member", "observer"])
def test_people_who_may_not_edit_the_minutes_get_403(cast, name, who):
    minutes = _minutes(cast)
    _seen(minutes, cast.chair, seconds_ago=1)

    response = client_for(getattr(cast, who)).post(_url(name, minutes), **HTMX)

    assert response.status_code == 403
    assert cast.chair.get_full_name() not in response.content.decode()
    assert list(MinutesPresence.objects.values_list("user", flat=True)) == [cast.chair.pk]


@pytest.mark.parametrize("name", ["minutes_presence", "minutes_presence_leave"])
def test_presence_refuses_get(cast, name):
    minutes = _minutes(cast)

    response = client_for(cast.secretary).get(_url(name, minutes))

    assert response.status_code == 405
    assert not MinutesPresence.objects.exists()


def test_the_editor_polls_presence_into_a_polite_live_region(cast):
    minutes = _minutes(cast)

    page = client_for(cast.secretary).get(_url("minutes", minutes)).content.decode()

    region = page[page.index('id="minutes-presence"') :].split(">", 1)[0]
    assert 'aria-live="polite"' in region
    assert 'hx-trigger="load, every 5s"' in region
    assert f'hx-post="{_url("minutes_presence", minutes)}"' in region
    assert f'data-leave-url="{_url("minutes_presence_leave", minutes)}"' in region


def test_readers_of_circulated_minutes_do_not_poll(cast):
    minutes = _minutes(cast)
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)

    page = client_for(cast.member).get(_url("minutes", minutes)).content.decode()

    assert "minutes-presence" not in page
    assert "action-dialog" not in page


# The decided-action dialog ----------------------------------------------------------------------


def test_each_item_links_to_its_own_action_address_for_the_one_dialog(cast):
    minutes = _minutes(cast)
    items = list(minutes.items.order_by("position"))

    page = client_for(cast.secretary).get(_url("minutes", minutes)).content.decode()

    for item in items:
        assert f'href="{_url("decided_action_add", minutes, item.pk)}"' in page
        assert f'id="add-action-{item.pk}"' in page
    assert page.count("<dialog") == 1
    assert page.count('id="action-dialog-form"') == 1
    assert page.count('role="combobox"') == 0  # the picker is made in the browser from the select


def test_a_refused_action_from_the_dialog_comes_back_into_the_dialog(cast):
    minutes = _minutes(cast)
    item = minutes.items.order_by("position").first()

    response = client_for(cast.secretary).post(
        _url("decided_action_add", minutes, item.pk), {"title": "Book the hall"}, **HTMX
    )

    assert response.status_code == 422
    assert response["HX-Retarget"] == "#action-dialog-fields"
    assert response["HX-Reswap"] == "innerHTML"
    page = response.content.decode()
    assert 'value="Book the hall"' in page
    assert "data-combobox" in page


def test_the_action_page_without_javascript_still_adds_the_action(cast):
    minutes = _minutes(cast)
    item = minutes.items.order_by("position").first()
    client = client_for(cast.secretary)

    assert client.get(_url("decided_action_add", minutes, item.pk)).status_code == 200
    response = client.post(
        _url("decided_action_add", minutes, item.pk),
        {
            "title": "Book the hall",
            "responsible_member": cast.membership(cast.member).pk,
            "not_applicable": "on",
        },
    )

    assert response.status_code == 302
    assert item.actions.get().title == "Book the hall"
