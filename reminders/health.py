"""The reminders' health checks: the scheduler's last run, and the deliveries that wait too long
or could not be sent. `RemindersConfig.ready()` adds them to the portal's health report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.health import register_check

from .models import Delivery
from .selectors import last_run

# Monitoring reads these as they are, so they stay in English.
SCHEDULER_NEVER_RAN = "The reminder scheduler has not run yet."
SCHEDULER_LATE = "The reminder scheduler has not run lately."
DELIVERIES_WAIT_TOO_LONG = "Due reminders wait longer than the lease."


def scheduler_check() -> dict[str, Any]:
    """When the scheduler last finished a run; not ok when it never ran or has stopped."""
    run = last_run()
    # Three missed runs (and at least a quarter of an hour) mean beat or the workers are down.
    late_after = timedelta(seconds=max(3 * settings.REMINDER_DISPATCH_SECONDS, 900))
    if run is None or run.finished_at is None:
        return {"ok": False, "last_run": None, "error": SCHEDULER_NEVER_RAN}
    age = timezone.now() - run.finished_at
    details = {
        "last_run": run.finished_at.isoformat(),
        "seconds_ago": int(age.total_seconds()),
        "created": run.created,
        "queued": run.queued,
    }
    if age > late_after:
        return {**details, "ok": False, "error": SCHEDULER_LATE}
    return details


def deliveries_check() -> dict[str, Any]:
    """Failed and due deliveries. Failed ones are reported but do not fail the portal: they need
    a person, not a restart. Due ones waiting longer than the lease mean the workers are stuck."""
    now = timezone.now()
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED).count()
    waiting = Delivery.objects.pending().due(now)
    stuck = waiting.filter(due_at__lt=now - lease).count()
    details = {"failed": failed, "due": waiting.count(), "waiting_too_long": stuck}
    if stuck:
        return {**details, "ok": False, "error": DELIVERIES_WAIT_TOO_LONG}
    return details


def register_health_checks() -> None:
    register_check(
        "scheduler",
        scheduler_check,
        label=_("Reminder scheduler (last run)"),
        details_template="reminders/health_scheduler.html",
    )
    register_check(
        "deliveries",
        deliveries_check,
        label=_("Reminder deliveries"),
        details_template="reminders/health_deliveries.html",
    )
