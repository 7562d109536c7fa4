"""The portal's health: database, broker, the reminder scheduler's last run, the queue and the
reminder deliveries that wait too long or could not be sent. Read by the staff health page and
its JSON twin for monitoring."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone


def _timed(check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = {"ok": True, **check()}
    except Exception as exc:  # a health check reports every failure, never raises
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _broker() -> dict[str, Any]:
    """Connects to the broker and reads the length of the default queue."""
    from amqp.exceptions import NotFound
    from kombu.exceptions import ChannelError

    from .celery import app

    queue = app.conf.task_default_queue
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
        with conn.channel() as channel:
            try:
                _, length, _ = channel.queue_declare(queue=queue, passive=True)
            except (ChannelError, NotFound):
                length = 0  # no worker has declared the queue yet, so nothing waits in it
    return {"transport": transport, "queue": queue, "queue_length": length}


def _scheduler() -> dict[str, Any]:
    from reminders.selectors import last_run

    run = last_run()
    # Three missed runs (and at least a quarter of an hour) mean beat or the workers are down.
    late_after = timedelta(seconds=max(3 * settings.REMINDER_DISPATCH_SECONDS, 900))
    if run is None or run.finished_at is None:
        return {"ok": False, "last_run": None, "error": "The reminder scheduler has not run yet."}
    age = timezone.now() - run.finished_at
    details = {
        "last_run": run.finished_at.isoformat(),
        "seconds_ago": int(age.total_seconds()),
        "created": run.created,
        "queued": run.queued,
    }
    if age > late_after:
        return {**details, "ok": False, "error": "The reminder scheduler has not run lately."}
    return details


def _deliveries() -> dict[str, Any]:
    from reminders.models import Delivery

    now = timezone.now()
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED).count()
    waiting = Delivery.objects.pending().due(now)
    stuck = waiting.filter(due_at__lt=now - lease).count()
    details = {"failed": failed, "due": waiting.count(), "waiting_too_long": stuck}
    if stuck:
        return {**details, "ok": False, "error": "Due reminders wait longer than the lease."}
    return details


def health_report() -> dict[str, Any]:
    """Every check with its details; `ok` is false when any check fails. Failed deliveries are
    reported but do not fail the portal: they need a person, not a restart."""
    checks = {
        "database": _timed(_database),
        "broker": _timed(_broker),
        "scheduler": _timed(_scheduler),
        "deliveries": _timed(_deliveries),
    }
    for check in checks.values():
        if check.get("ok") and "error" in check:
            check["ok"] = False
    return {
        "ok": all(check["ok"] for check in checks.values()),
        "time": timezone.now().isoformat(),
        "checks": checks,
    }
