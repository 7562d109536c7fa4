"""A real Celery worker and beat, on the real Redis and PostgreSQL, deliver every due reminder
exactly once; a worker killed with SIGKILL in the middle of a batch loses none and sends none
twice once it is started again.

Runs in CI (which sets REDIS_URL and DATABASE_URL to PostgreSQL); locally it needs both.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from alliance_portal.celery import app
from alliance_portal.permissions import Role
from alliances.reminders.models import Delivery, ReminderKind
from tests.conftest import IN_CI
from tests.factories import AllianceFactory, MembershipFactory, make_action, make_meeting, make_plan

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]
MEMBERS = 10
ACTIONS = 30
# Long enough per mail that a batch of ACTIONS takes several seconds to send.
MAIL_DELAY = 0.2
LEASE_SECONDS = 6


def _require_services() -> None:
    missing = []
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL on PostgreSQL")
    if missing:
        if IN_CI:
            pytest.fail(f"CI must run the worker integration test with {', '.join(missing)}")
        pytest.skip(f"the worker integration test needs {', '.join(missing)}")


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Celery:
    """The worker and beat as separate processes, with their logs in files."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "EMAIL_BACKEND": "tests.reminders.mail_backend.SlowFileBackend",
            "TEST_MAIL_DIR": str(self.mail_dir),
            "TEST_MAIL_DELAY": str(MAIL_DELAY),
            "REMINDER_DISPATCH_SECONDS": "1",
            "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
            "VAR_DIR": str(tmp_path / "var"),
            "SITE_URL": "http://portal.test",
            "PYTHONPATH": str(BASE_DIR),
        }
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.starts = 0

    def _start(self, *args: str, log: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "alliance_portal", *args]
        with open(self.tmp_path / log, "ab") as output:
            return subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )

    def start_worker(self) -> None:
        self.starts += 1
        self.worker = self._start(
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=reminders-test-{self.starts}@%h",
            log="worker.log",
        )

    def start_beat(self) -> None:
        schedule = self.tmp_path / "beat-schedule"
        self.beat = self._start("beat", f"--schedule={schedule}", "--loglevel=INFO", log="beat.log")

    def kill_worker(self) -> None:
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=10)

    def stop(self) -> None:
        for process in (self.worker, self.beat):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{(self.tmp_path / name).read_text(errors='replace')[-4000:]}"
            for name in ("worker.log", "beat.log")
            if (self.tmp_path / name).exists()
        )

    def message_ids(self) -> Counter:
        """How often each Message-ID was delivered, read from the mails the worker wrote."""
        ids = Counter()
        for path in self.mail_dir.glob("*.eml"):
            ids[email.message_from_bytes(path.read_bytes())["Message-ID"]] += 1
        return ids


@pytest.fixture
def celery_processes(tmp_path):
    _require_services()
    app.control.purge()  # nothing left from earlier runs in the shared test queue
    processes = Celery(tmp_path)
    yield processes
    processes.stop()
    app.control.purge()


def _wait_for(condition, *, timeout: float, processes: Celery, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{processes.logs()}")


def _sent(kind: str | None = None) -> int:
    deliveries = Delivery.objects.filter(status=Delivery.Status.SENT)
    return deliveries.filter(kind=kind).count() if kind else deliveries.count()


def _alliance_with_members():
    alliance = AllianceFactory(name="Kronoberg Alliance")
    MembershipFactory(alliance=alliance, role=Role.CHAIR)
    secretary = MembershipFactory(alliance=alliance, role=Role.SECRETARY).user
    members = [MembershipFactory(alliance=alliance, role=Role.MEMBER) for _ in range(MEMBERS)]
    return alliance, secretary, members


def _assert_each_sent_once(processes: Celery, expected: int) -> None:
    ids = processes.message_ids()
    duplicates = {message_id: n for message_id, n in ids.items() if n > 1}
    assert duplicates == {}, f"mails sent more than once: {duplicates}"
    sent_ids = {
        f"<reminder-{pk}@portal.test>"
        for pk in Delivery.objects.filter(status=Delivery.Status.SENT).values_list("pk", flat=True)
    }
    assert set(ids) == sent_ids
    assert len(ids) == expected


def test_worker_and_beat_deliver_every_reminder_once_even_after_a_sigkill(celery_processes):
    alliance, secretary, members = _alliance_with_members()
    # Due now: the 1-day reminder of a meeting that starts in 12 hours, to each of the 12 invitees.
    make_meeting(alliance, secretary, starts_at=timezone.now() + timedelta(hours=12))
    invitees = MEMBERS + 2

    celery_processes.start_worker()
    celery_processes.start_beat()
    _wait_for(
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
    _wait_for(
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
    _wait_for(lambda: _sent() == total, timeout=120, processes=celery_processes, what="the rest")
    # Leases run out and the scheduler queues again; nothing more may go out.
    time.sleep(LEASE_SECONDS + 3)
    assert _sent() == total
    assert not Delivery.objects.filter(
        status__in=[Delivery.Status.FAILED], kind__in=[ReminderKind.ACTION_DUE]
    ).exists()
    assert Delivery.objects.pending().filter(due_at__lte=timezone.now()).count() == 0, (
        "due reminders still waiting"
    )
    _assert_each_sent_once(celery_processes, total)
