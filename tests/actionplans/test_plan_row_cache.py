"""The plan's table rows come from the fragment cache, and a change to anything a row shows is on
the page at once: the action, its goals, the responsible person's name, the reader's role and
language. Nothing is invalidated by time, so each of these must change the row's key."""

from __future__ import annotations

import os
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import services
from alliances.services import membership_update, user_set_language

from ..conftest import UNREACHABLE_CACHE, client_for
from ..factories import make_action, make_goal, make_plan

pytestmark = pytest.mark.django_db


def _plan_url(plan) -> str:
    return reverse("actionplans:plan", args=[plan.alliance_id, plan.pk])


def _row(page: str, action) -> str:
    match = re.search(rf'<tr id="action-{action.pk}".*?</tr>', page, re.S)
    assert match, f"no row for action {action.pk}"
    return match.group(0)


def _without_tokens(page: str) -> str:
    """The page less what differs between any two requests: CSRF tokens and script nonces."""
    page = re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", page)
    return re.sub(r'nonce="[^"]*"', "", page)


@pytest.fixture
def plan_with_rows(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    goals = [make_goal(plan, cast.coordinator, title=f"Goal {n}") for n in (1, 2)]
    actions = [
        make_action(
            plan,
            cast.coordinator,
            title=f"Action {number}",
            goals=goals,
            responsible_member=cast.membership(cast.member),
        )
        for number in range(1, 6)
    ]
    return plan, goals, actions


def _get(client, plan) -> str:
    response = client.get(_plan_url(plan))
    assert response.status_code == 200
    return response.content.decode()


def test_a_page_from_the_cache_reads_as_the_page_rendered_afresh_with_fewer_queries(
    cast, plan_with_rows
):
    plan, _goals, _actions = plan_with_rows
    client = client_for(cast.coordinator)
    _get(client, plan)  # the session and the shell's own first reads
    cache.clear()

    with CaptureQueriesContext(connection) as cold:
        fresh = _get(client, plan)
    with CaptureQueriesContext(connection) as warm:
        cached = _get(client, plan)

    assert _without_tokens(cached) == _without_tokens(fresh)
    assert len(warm) < len(cold), (len(warm), len(cold))
    assert cached.count('data-testid="plan-action"') == 5


def test_a_changed_action_shows_at_once_and_the_others_stay_cached(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    client = client_for(cast.coordinator)
    _get(client, plan)

    services.action_update(
        action=actions[2], actor=cast.coordinator, fields={"title": "Open a help desk"}
    )

    page = _get(client, plan)
    assert "Open a help desk" in _row(page, actions[2])
    assert "Action 2" in _row(page, actions[1])


def test_a_goal_removed_changes_the_goal_numbers_of_every_row(cast, plan_with_rows):
    plan, goals, actions = plan_with_rows
    client = client_for(cast.coordinator)
    assert ">1, 2</td>" in _row(_get(client, plan), actions[0])

    services.goal_remove(goal=goals[0], actor=cast.coordinator)

    row = _row(_get(client, plan), actions[0])
    assert ">1, 2</td>" not in row
    assert re.search(r'data-label="Goals">[12]</td>', row)


def test_a_new_name_of_the_responsible_person_shows_at_once(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    client = client_for(cast.coordinator)
    assert str(cast.member) in _row(_get(client, plan), actions[0])

    cast.member.first_name, cast.member.last_name = "Amira", "Haddad-Lindqvist"
    cast.member.save(update_fields=["first_name", "last_name"])

    assert "Amira Haddad-Lindqvist" in _row(_get(client, plan), actions[0])


def test_a_new_role_changes_what_the_reader_may_do_on_each_row(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    client = client_for(cast.observer)
    row = _row(_get(client, plan), actions[0])
    assert 'data-testid="row-actions"' not in row
    assert "Report progress" not in row

    membership_update(
        membership=cast.membership(cast.observer), actor=cast.chair, role="coordinator"
    )

    row = _row(_get(client, plan), actions[0])
    assert 'data-testid="row-actions"' in row
    assert "Report progress" in row


def test_the_reader_s_language_is_part_of_the_row(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    client = client_for(cast.coordinator)
    assert "Report progress" in _row(_get(client, plan), actions[0])

    user_set_language(user=cast.coordinator, language="sv")

    row = _row(_get(client_for(cast.coordinator), plan), actions[0])
    assert "Report progress" not in row
    assert "Rapportera läget" in row


def test_the_rows_move_buttons_submit_the_page_s_one_form_with_its_token(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    page = _get(client_for(cast.coordinator), plan)
    form = re.search(r'<form id="plan-action-move" method="post" hidden>(.*?)</form>', page, re.S)
    assert form and "csrfmiddlewaretoken" in form.group(1)
    assert "csrfmiddlewaretoken" not in _row(page, actions[1])
    move_up = reverse("actionplans:action_move", args=[plan.alliance_id, plan.pk, actions[1].pk])
    assert f'form="plan-action-move" formaction="{move_up}" name="direction" value="up"' in page


def test_another_alliance_s_rows_never_come_from_this_one_s_cache(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    make_action(plan, cast.coordinator, title="Only in the first alliance")
    other_plan = make_plan(cast.other_alliance, cast.other_chair)
    make_action(other_plan, cast.other_chair, title="Only in the second alliance")

    assert "Only in the first alliance" in _get(client_for(cast.coordinator), plan)
    page = _get(client_for(cast.other_chair), other_plan)

    assert "Only in the second alliance" in page
    assert "Only in the first alliance" not in page
    assert client_for(cast.other_chair).get(_plan_url(plan)).status_code == 404


REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL and not os.environ.get("CI"), reason="needs Redis")
def test_rows_kept_in_redis_come_back_whole(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"row-cache-test-{os.getpid()}",
        }
    }
    with override_settings(CACHES=redis):
        cache.clear()
        client = client_for(cast.coordinator)
        fresh = _get(client, plan)
        cached = _get(client, plan)
        cache.clear()
    assert _without_tokens(cached) == _without_tokens(fresh)
    assert "Action 5" in _row(cached, actions[4])


def test_a_cache_that_cannot_be_reached_still_gives_the_whole_plan(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    with override_settings(CACHES=UNREACHABLE_CACHE):
        page = _get(client_for(cast.coordinator), plan)
    assert "Action 5" in _row(page, actions[4])


def test_rows_moved_by_a_renumbering_show_their_new_numbers_at_once(cast, plan_with_rows):
    plan, _goals, actions = plan_with_rows
    client = client_for(cast.coordinator)
    assert '<td data-label="No.">1</td>' in _row(_get(client, plan), actions[0])

    services.action_move(action=actions[0], actor=cast.coordinator, offset=1)

    page = _get(client, plan)
    assert '<td data-label="No.">2</td>' in _row(page, actions[0])
    assert '<td data-label="No.">1</td>' in _row(page, actions[1])
