"""The top bar's "My work" count is kept a minute per person: counted once, forgotten when the
person changes something, and counted afresh by the "My work" page itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mywork import counts
from tests.conftest import UNREACHABLE_CACHE, client_for
from tests.factories import UserFactory, make_meeting
from tests.mywork.support import KINDS_PER_BUSY_ALLIANCE, busy_alliance

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept_a_minute(settings):
    settings.WAITING_COUNT_FRESH_FOR = 60


def _shown_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    found = re.search(r"\((\d+) waiting\)", response.content.decode())
    return int(found.group(1)) if found else 0


@pytest.fixture
def chair_in_busy_alliance():
    chair = UserFactory()
    alliance = busy_alliance(chair, name="Alliance A")
    coordinator = alliance.memberships.get(role="coordinator").user
    return chair, alliance, coordinator


def _new_meeting_to_answer(alliance, coordinator, title: str) -> None:
    make_meeting(alliance, coordinator, title=title, starts_at=timezone.now() + timedelta(days=12))


def test_the_count_is_kept_between_pages_and_costs_no_query_the_second_time(
    chair_in_busy_alliance,
):
    chair, alliance, _coordinator = chair_in_busy_alliance
    client = client_for(chair)
    members = reverse("alliances:members", args=[alliance.pk])

    with CaptureQueriesContext(connection) as first:
        assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE
    with CaptureQueriesContext(connection) as second:
        assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE

    assert len(second) < len(first)


def test_the_my_work_page_counts_afresh_and_the_top_bar_then_agrees_with_it(
    chair_in_busy_alliance,
):
    chair, alliance, coordinator = chair_in_busy_alliance
    client = client_for(chair)
    members = reverse("alliances:members", args=[alliance.pk])
    assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE

    _new_meeting_to_answer(alliance, coordinator, "An extra plenary")

    # Kept for a minute on other pages ...
    assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE
    # ... counted afresh on "My work", whose list has the new meeting.
    response = client.get(reverse("mywork:index"))
    assert "An extra plenary" in response.content.decode()
    assert f"({KINDS_PER_BUSY_ALLIANCE + 1} waiting)" in response.content.decode()
    assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE + 1


def test_a_change_the_person_makes_forgets_their_kept_count(chair_in_busy_alliance):
    chair, alliance, coordinator = chair_in_busy_alliance
    client = client_for(chair)
    members = reverse("alliances:members", args=[alliance.pk])
    assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE
    _new_meeting_to_answer(alliance, coordinator, "An extra plenary")

    response = client.post(reverse("set_language"), {"language": "en", "next": members})
    assert response.status_code == 302

    assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE + 1


def test_a_kept_count_older_than_a_minute_is_counted_again(chair_in_busy_alliance, monkeypatch):
    chair, alliance, coordinator = chair_in_busy_alliance
    client = client_for(chair)
    members = reverse("alliances:members", args=[alliance.pk])
    assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE
    _new_meeting_to_answer(alliance, coordinator, "An extra plenary")

    cache.delete(counts._key(chair))  # what the minute's expiry does

    assert _shown_count(client, members) == KINDS_PER_BUSY_ALLIANCE + 1
    assert counts.fresh_for() == 60


def test_another_person_s_kept_count_is_never_shown(chair_in_busy_alliance):
    chair, alliance, _coordinator = chair_in_busy_alliance
    other = UserFactory()
    busy_alliance(other, name="Alliance B")
    _new_meeting_to_answer(
        alliance, alliance.memberships.get(role="coordinator").user, "Only for A"
    )
    assert _shown_count(client_for(chair), reverse("mywork:index")) == KINDS_PER_BUSY_ALLIANCE + 1
    assert _shown_count(client_for(other), reverse("mywork:index")) == KINDS_PER_BUSY_ALLIANCE


def test_an_unreachable_cache_still_shows_the_count(chair_in_busy_alliance):
    chair, alliance, _coordinator = chair_in_busy_alliance
    with override_settings(CACHES=UNREACHABLE_CACHE):
        members = reverse("alliances:members", args=[alliance.pk])
        assert _shown_count(client_for(chair), members) == KINDS_PER_BUSY_ALLIANCE
