"""Background work for reminders. Tasks are thin: load by id, call the real code."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


# On SQLite a page that holds the write lock past the busy timeout makes the run fail with
# "database is locked"; it is tried again shortly rather than at the next interval. Trying
# again is safe: planning is one transaction, and deliveries already queued stay claimed.
@shared_task(
    name="reminders.dispatch",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    default_retry_delay=15,
)
def dispatch_reminders() -> dict:
    """The scheduler, run by celery beat: writes due reminders and queues one task for each."""
    from .services import reminders_dispatch

    run = reminders_dispatch()
    return {"created": run.created, "dropped": run.dropped, "queued": run.queued}


# The delivery's row records what happened; a result in Redis for each of thousands of mails
# would be one more write per task that nobody reads.
@shared_task(bind=True, name="reminders.send", acks_late=True, max_retries=None, ignore_result=True)
def send_reminder(self, delivery_id: int) -> str:
    """Sends one reminder delivery; safe to run twice (the row says whether it went)."""
    from .services import DeliveryRetry, delivery_send

    try:
        return delivery_send(delivery_id=delivery_id)
    except DeliveryRetry as retry:
        raise self.retry(countdown=retry.countdown) from retry


@shared_task(name="reminders.send_batch", acks_late=True, ignore_result=True)
def send_reminder_batch(delivery_ids: list[int]) -> dict:
    """Sends a few deliveries in a row, each on its own; safe to run twice (a worker killed
    halfway leaves the rest pending, and the batch comes back without sending any twice)."""
    from .services import deliveries_send

    return deliveries_send(delivery_ids=delivery_ids)
