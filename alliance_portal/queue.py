"""Handing work to Celery without letting a broker outage break the page that asked for it.

A page that saved its data must answer even when Redis is down. Work that must not be lost is
first written to the database (reminder deliveries are), so the scheduler can queue it again
once the broker is back; other work is logged as not queued.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task, *args, countdown: int | None = None) -> bool:
    """Queues task(*args), to run after `countdown` seconds if given; False, and a warning in
    the log, when the broker cannot be reached."""
    try:
        if countdown is None:
            task.delay(*args)
        else:
            task.apply_async(args=args, countdown=countdown)
    except (OperationalError, ConnectionError) as exc:
        logger.warning("Could not queue %s%r: %s", task.name, args, exc)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queues task(*args) once the surrounding transaction has committed."""
    transaction.on_commit(lambda: enqueue(task, *args))
