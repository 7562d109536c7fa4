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


def enqueue(task, *args) -> bool:
    """Queues task(*args); False, and a warning in the log, when the broker cannot be reached."""
    try:
        task.delay(*args)
    except (OperationalError, ConnectionError) as exc:
        logger.warning("Could not queue %s%r: %s", task.name, args, exc)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queues task(*args) once the surrounding transaction has committed."""
    transaction.on_commit(lambda: enqueue(task, *args))
