"""A task goes through the real broker to a real worker (Redis in CI)."""

from __future__ import annotations

import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from alliance_portal.celery import app, ping
from alliances.tasks import send_invitation_email
from tests.celery_support import own_broker
from tests.conftest import IN_CI
from tests.factories import InvitationFactory

# The tests that run a worker run one at a time, on one test process, each on that process's own
# queue (tests/celery_support.py: own_broker).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("redis_worker")]


@pytest.fixture
def redis_worker():
    if not os.environ.get("REDIS_URL"):
        if IN_CI:
            pytest.fail("CI must run with REDIS_URL set")
        pytest.skip("REDIS_URL is not set: the broker test needs a Redis server")
    assert app.conf.broker_url.startswith("redis://")
    with (
        own_broker(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        yield


def test_ping_runs_on_a_worker_through_redis(redis_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"


def test_invitation_mail_is_sent_by_the_worker(redis_worker, settings):
    invitation = InvitationFactory()
    assert send_invitation_email.delay(invitation.pk).get(timeout=20) is True
    assert [message.to for message in mail.outbox] == [[invitation.email]]
