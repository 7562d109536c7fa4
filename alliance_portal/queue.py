"""Handing work to Celery without letting a broker outage break the page that asked for it.

A page that saved its data must answer even when Redis is down. Work that must not be lost is
first written to the database (reminder deliveries are), so the scheduler can queue it again
once the broker is back; other work is logged as not queued, and its caller marks its row so it
does not stand in the way of asking again (an archive fails, an invitation is withdrawn).
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What queuing raises when Redis is down or stops answering. Kombu wraps most transport errors
# in its OperationalError, but not every path does; socket errors are OSErrors; and Celery's
# result store gives up with a RuntimeError ("Retry limit exceeded while trying to reconnect")
# when it cannot subscribe to a task's result.
BROKER_UNREACHABLE = (
    OperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    RuntimeError,
)


def enqueue(task, *args, countdown: int | None = None) -> bool:
    """Queues task(*args), to run after `countdown` seconds if given; False, and a warning in
    the log, when the broker cannot be reached."""
    try:
        # Nothing reads the result of queued work (its rows record what happened), and asking
        # for one subscribes to it in the result store first: one more connection that can hang.
        task.apply_async(args=args, countdown=countdown, ignore_result=True)
    except BROKER_UNREACHABLE as exc:
        logger.warning("Could not queue %s%r: %s: %s", task.name, args, type(exc).__name__, exc)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queues task(*args) once the surrounding transaction has committed."""
    transaction.on_commit(lambda: enqueue(task, *args))
