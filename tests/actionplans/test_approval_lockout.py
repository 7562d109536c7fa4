"""The chair's password on plan approval is counted like a login's wrong passwords."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from actionplans.models import ActionPlan
from actionplans.services import ERR_WRONG_PASSWORD
from alliance_portal.throttle import lockout_message

from ..factories import TEST_PASSWORD, make_submitted_plan

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")


def _url(name: str, plan: ActionPlan) -> str:
    return reverse(f"actionplans:{name}", args=[plan.alliance_id, plan.pk])


def _chair_browser(cast) -> Client:
    client = Client(REMOTE_ADDR="198.51.100.30")
    client.force_login(cast.chair)
    return client


def _approve(client: Client, plan: ActionPlan, password: str):
    sha256 = plan.versions.get().sha256
    return client.post(_url("plan_approve", plan), {"sha256": sha256, "password": password})


def test_wrong_passwords_on_approval_lock_it_even_for_the_right_one(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    chair = _chair_browser(cast)
    limit = settings.AXES_FAILURE_LIMIT

    answers = [_approve(chair, plan, f"guess-{n}") for n in range(limit)]
    response = _approve(chair, plan, TEST_PASSWORD)

    assert [answer.status_code for answer in answers] == [400] * (limit - 1) + [429]
    assert escape(str(ERR_WRONG_PASSWORD)) in answers[0].content.decode()
    assert response.status_code == 429
    page = response.content.decode()
    assert escape(lockout_message()) in page
    # The review page is shown again, with the reason on the password field.
    assert 'name="password"' in page
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.SUBMITTED
    assert not plan.versions.get().is_approved


def test_wrong_passwords_on_approval_also_lock_the_chairs_login(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    chair = _chair_browser(cast)
    for n in range(settings.AXES_FAILURE_LIMIT):
        _approve(chair, plan, f"guess-{n}")

    elsewhere = Client(REMOTE_ADDR="203.0.113.80")
    response = elsewhere.post(LOGIN_URL, {"username": cast.chair.email, "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in elsewhere.session


def test_failed_logins_count_towards_the_approval_lockout(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    chair = _chair_browser(cast)  # logged in before someone else starts guessing
    guesser = Client(REMOTE_ADDR="203.0.113.80")
    for n in range(settings.AXES_FAILURE_LIMIT):
        guesser.post(LOGIN_URL, {"username": cast.chair.email, "password": f"guess-{n}"})

    response = _approve(chair, plan, TEST_PASSWORD)

    assert response.status_code == 429
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.SUBMITTED


def test_a_few_wrong_passwords_still_let_the_chair_approve(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    chair = _chair_browser(cast)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _approve(chair, plan, f"guess-{n}").status_code == 400

    assert _approve(chair, plan, TEST_PASSWORD).status_code == 302
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.APPROVED
