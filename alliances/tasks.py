"""Background work for the alliances app. Tasks are thin: load by id, call the real code."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_invitation_email(self, invitation_id: int) -> bool:
    from .emails import invitation_email_send
    from .models import Invitation

    invitation = (
        Invitation.objects.filter(pk=invitation_id).select_related("alliance", "invited_by").first()
    )
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return False
    try:
        invitation_email_send(invitation=invitation)
    except OSError as exc:  # SMTP trouble: try again later
        raise self.retry(exc=exc) from exc
    return True


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_signing_invitation(self, signature_id: int, nonce: str) -> bool:
    """Mails a member the link to sign. A link replaced by a newer invitation, or an agreement
    signed or declined meanwhile, is not sent."""
    from .agreements.emails import signing_invitation_email_send
    from .agreements.models import Signature
    from .agreements.services import signature_email_sent

    signature = (
        Signature.objects.filter(pk=signature_id, link_nonce=nonce)
        .select_related("version__agreement__alliance", "membership__user")
        .first()
    )
    if signature is None or not nonce:
        return False
    try:
        signing_invitation_email_send(signature=signature)
    except OSError as exc:  # SMTP trouble: try again later
        raise self.retry(exc=exc) from exc
    signature_email_sent(signature=signature)
    return True


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
    from .reminders.services import reminders_dispatch

    run = reminders_dispatch()
    return {"created": run.created, "dropped": run.dropped, "queued": run.queued}


# The delivery's row records what happened; a result in Redis for each of thousands of mails
# would be one more write per task that nobody reads.
@shared_task(bind=True, name="reminders.send", acks_late=True, max_retries=None, ignore_result=True)
def send_reminder(self, delivery_id: int) -> str:
    """Sends one reminder delivery; safe to run twice (the row says whether it went)."""
    from .reminders.services import DeliveryRetry, delivery_send

    try:
        return delivery_send(delivery_id=delivery_id)
    except DeliveryRetry as retry:
        raise self.retry(countdown=retry.countdown) from retry


@shared_task(name="reminders.send_batch", acks_late=True, ignore_result=True)
def send_reminder_batch(delivery_ids: list[int]) -> dict:
    """Sends a few deliveries in a row, each on its own; safe to run twice (a worker killed
    halfway leaves the rest pending, and the batch comes back without sending any twice)."""
    from .reminders.services import deliveries_send

    return deliveries_send(delivery_ids=delivery_ids)


@shared_task(name="archives.build", acks_late=True)
def build_archive(export_id: int) -> str:
    """Builds one archive export; safe to run twice (a finished export is left alone)."""
    from .reports.services import archive_build

    export = archive_build(export_id=export_id)
    return export.status if export is not None else "skipped"


@shared_task(name="archives.purge", acks_late=True)
def purge_archives() -> dict:
    """Run by celery beat: removes expired archives and fails builds whose worker was lost."""
    from .reports.services import archives_purge

    return archives_purge()
