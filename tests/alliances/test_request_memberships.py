"""A page reads the person's memberships once: the access check and the app shell's alliance
switcher share them. A request that may change something reads them afresh, and they are never
used for anyone but the person making the request."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.permissions import RequestMemberships, get_alliance_for_user, request_memberships
from alliances.services import membership_end

from ..conftest import client_for

pytestmark = pytest.mark.django_db


def _membership_reads(queries, user) -> list[str]:
    """The queries that read `user`'s own seats."""
    own = re.compile(rf'"alliances_membership"\."user_id" = {user.pk}\b')
    return [
        q["sql"]
        for q in queries
        if 'FROM "alliances_membership"' in q["sql"] and own.search(q["sql"])
    ]


@pytest.mark.parametrize("view", ["alliances:members", "dashboard:alliance", "meetings:list"])
def test_an_alliance_page_reads_the_person_s_memberships_once(cast, view):
    client = client_for(cast.coordinator)
    url = reverse(view, args=[cast.alliance.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(_membership_reads(queries, cast.coordinator)) == 1
    # The switcher still lists the alliance, and the page is the alliance's.
    assert cast.alliance.name in response.content.decode()


def test_another_alliance_s_page_is_still_404_when_the_memberships_are_kept(cast):
    client = client_for(cast.coordinator)
    url = reverse("alliances:members", args=[cast.other_alliance.pk])
    assert client.get(url).status_code == 404


def _kept_for(user):
    return RequestMemberships(SimpleNamespace(user=user))


def test_kept_memberships_are_never_used_for_someone_else(cast):
    token = request_memberships.set(_kept_for(cast.coordinator))
    try:
        with pytest.raises(Http404):
            get_alliance_for_user(cast.other_chair, cast.alliance.pk)
        access = get_alliance_for_user(cast.other_chair, cast.other_alliance.pk)
    finally:
        request_memberships.reset(token)
    assert access.membership.user == cast.other_chair


def test_a_request_that_changes_something_reads_the_seats_afresh(cast):
    client = client_for(cast.chair)
    url = reverse("alliances:invite", args=[cast.alliance.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"email": "not an address", "role": "member"})
    assert response.status_code in (200, 400)
    # The access check asked for this alliance's seat alone, not for the kept list.
    reads = _membership_reads(queries, cast.chair)
    assert reads
    assert f'"alliances_membership"."alliance_id" = {cast.alliance.pk}' in reads[0]


def test_an_ended_seat_is_not_kept(cast):
    membership_end(membership=cast.membership(cast.observer), actor=cast.chair)
    client = client_for(cast.observer)
    assert client.get(reverse("alliances:members", args=[cast.alliance.pk])).status_code == 404
