"""A real Celery worker and beat, on the real Redis and PostgreSQL, deliver every due reminder
exactly once; a worker killed with SIGKILL in the middle of a batch loses none and sends none
twice once it is started again.

Runs in CI (which sets REDIS_URL and DATABASE_URL to PostgreSQL); locally it needs both.
"""

from __future__ import annotations

import email
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from alliance_portal.permissions import Role
from reminders.models import Delivery, ReminderKind
from tests.celery_support import Celery, own_broker, require_services, wait_for
from tests.factories import AllianceFactory, MembershipFactory, make_action, make_meeting, make_plan

# The tests that run a worker run one at a time, on one test process, each on that process's own
# queue (tests/celery_support.py: own_broker).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("redis_worker")]

MEMBERS = 10
ACTIONS = 30
# Long enough per mail that a batch of ACTIONS takes several seconds to send.
MAIL_DELAY = 0.2
LEASE_SECONDS = 6
ALLIANCE = "Kronoberg Alliance"


def _message_ids(processes: Celery) -> Counter:
    """How often each Message-ID was delivered, read from the mails the worker wrote."""
    ids = Counter()
    for path in (processes.tmp_path / "mail").glob("*.eml"):
        ids[email.message_from_bytes(path.read_bytes())["Message-ID"]] += 1
    return ids


@pytest.fixture
def celery_processes(tmp_path):
    require_services()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with own_broker() as broker_url:
        processes = Celery(
            tmp_path,
            name="reminders-test",
            broker_url=broker_url,
            env={
                "EMAIL_BACKEND": "tests.reminders.mail_backend.SlowFileBackend",
                "TEST_MAIL_DIR": str(mail_dir),
                "TEST_MAIL_DELAY": str(MAIL_DELAY),
                "REMINDER_DISPATCH_SECONDS": "1",
                "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
                "SITE_URL": "http://portal.test",
            },
        )
        yield processes
        processes.stop()


def _sent(kind: str | None = None) -> int:
    deliveries = Delivery.objects.filter(status=Delivery.Status.SENT, alliance__name=ALLIANCE)
    return deliveries.filter(kind=kind).count() if kind else deliveries.count()


def _deliveries_by_kind_and_status() -> Counter:
    """What the scheduler wrote, for the message of a failed check."""
    return Counter(Delivery.objects.values_list("alliance__name", "kind", "status"))


def _alliance_with_members():
    alliance = AllianceFactory(name=ALLIANCE)
    MembershipFactory(alliance=alliance, role=Role.CHAIR)
    secretary = MembershipFactory(alliance=alliance, role=Role.SECRETARY).user
    members = [MembershipFactory(alliance=alliance, role=Role.MEMBER) for _ in range(MEMBERS)]
    return alliance, secretary, members


def _assert_each_sent_once(processes: Celery, expected: int) -> None:
    ids = _message_ids(processes)
    duplicates = {message_id: n for message_id, n in ids.items() if n > 1}
    assert duplicates == {}, f"mails sent more than once: {duplicates}"
    ours = Delivery.objects.filter(alliance__name=ALLIANCE)
    message_id = "<reminder-{}@portal.test>".format
    sent_ids = {
        message_id(pk)
        for pk in ours.filter(status=Delivery.Status.SENT).values_list("pk", flat=True)
    }
    # Only this alliance's reminders count: the scheduler reads the whole database.
    mailed = set(ids) & {message_id(pk) for pk in ours.values_list("pk", flat=True)}
    assert mailed == sent_ids
    assert len(mailed) == expected


def test_worker_and_beat_deliver_every_reminder_once_even_after_a_sigkill(celery_processes):
    alliance, secretary, members = _alliance_with_members()
    # Due now: the 1-day reminder of a meeting that starts in 12 hours, to each of the 12 invitees.
    make_meeting(alliance, secretary, starts_at=timezone.now() + timedelta(hours=12))
    invitees = MEMBERS + 2

    celery_processes.start_worker()
    celery_processes.start_beat()
    wait_for(
        lambda: _sent(ReminderKind.MEETING_UPCOMING) == invitees,
        timeout=90,
        processes=celery_processes,
        what="the meeting reminders",
    )
    _assert_each_sent_once(celery_processes, invitees)

    # A batch of action reminders, due now, and the worker killed while it sends them.
    plan = make_plan(alliance, secretary)
    due_date = timezone.localdate() + timedelta(days=2)
    for number in range(ACTIONS):
        make_action(
            plan,
            secretary,
            title=f"Action {number + 1}",
            start_date=None,
            due_date=due_date,
            responsible_member=members[number % MEMBERS],
        )
    wait_for(
        lambda: _sent(ReminderKind.ACTION_DUE) >= 5,
        timeout=60,
        processes=celery_processes,
        what="the first action reminders",
    )
    celery_processes.kill_worker()
    sent_before_restart = _sent(ReminderKind.ACTION_DUE)
    assert sent_before_restart < ACTIONS, "the worker finished before it could be killed"

    celery_processes.start_worker()
    total = invitees + ACTIONS
    wait_for(lambda: _sent() == total, timeout=120, processes=celery_processes, what="the rest")
    # Leases run out and the scheduler queues again; nothing more may go out.
    time.sleep(LEASE_SECONDS + 3)
    assert _sent() == total, (_deliveries_by_kind_and_status(), celery_processes.logs())
    ours = Delivery.objects.filter(alliance__name=ALLIANCE)
    assert not ours.filter(status=Delivery.Status.FAILED, kind=ReminderKind.ACTION_DUE).exists()
    assert ours.pending().filter(due_at__lte=timezone.now()).count() == 0, (
        "due reminders still waiting"
    )
    _assert_each_sent_once(celery_processes, total)
