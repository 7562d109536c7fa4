"""The portal's health, read by the staff health page and its JSON twin for monitoring.

The database and the broker are checked here; apps add their own checks with `register_check`
from their `AppConfig.ready()` (the reminders add the scheduler's last run and the deliveries
that wait too long or could not be sent), so this module imports no app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amqp.exceptions import NotFound
from celery import Celery
from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import ChannelError

NO_CELERY_APP = "No Celery app has been handed to the health checks."

CheckFunction = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class HealthCheck:
    """A check's heading on the page, the function that runs it, and the template that shows its
    details (empty: only the error and the time)."""

    label: str | Promise
    run: CheckFunction
    details_template: str = ""


_registered: dict[str, HealthCheck] = {}
# The project's Celery app sits above every app, so this helper does not import it: the Celery
# module hands the app over when it builds it (`check_broker_of`).
_celery_app: Celery | None = None


def check_broker_of(app: Celery) -> None:
    """Makes the broker check connect the way `app` sends tasks and read its default queue."""
    global _celery_app  # set once, when the project's Celery module builds the app
    _celery_app = app


def register_check(
    name: str, run: CheckFunction, *, label: str | Promise, details_template: str = ""
) -> None:
    """Adds a check to the report under `name`, after the database and the broker. Registering
    the same name again replaces the check, so a repeated `ready()` adds nothing twice."""
    _registered[name] = HealthCheck(label=label, run=run, details_template=details_template)


def _timed(check: CheckFunction) -> dict[str, Any]:
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
    app = _celery_app
    if app is None:
        raise RuntimeError(NO_CELERY_APP)
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


def _checks() -> dict[str, HealthCheck]:
    # Looked up on every report, so a replaced `_database` or `_broker` is the one that runs.
    return {
        "database": HealthCheck(label=_("Database"), run=_database),
        "broker": HealthCheck(
            label=_("Message broker"), run=_broker, details_template="health/broker.html"
        ),
        **_registered,
    }


def health_report() -> dict[str, Any]:
    """Every check with its details; `ok` is false when any check fails. A check may report a
    problem that does not fail the portal (failed deliveries need a person, not a restart) by
    leaving out `error`."""
    checks = {name: _timed(check.run) for name, check in _checks().items()}
    for check in checks.values():
        if check.get("ok") and "error" in check:
            check["ok"] = False
    return {
        "ok": all(check["ok"] for check in checks.values()),
        "time": timezone.now().isoformat(),
        "checks": checks,
    }


def health_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's checks as the health page's rows: heading, result and details template."""
    checks = _checks()
    return [
        {
            "name": name,
            "label": checks[name].label,
            "details_template": checks[name].details_template,
            "check": result,
        }
        for name, result in report["checks"].items()
    ]
