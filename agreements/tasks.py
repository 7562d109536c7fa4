"""Background work for the commitment agreement. Tasks are thin: load by id, call the real code."""

from __future__ import annotations

from celery import shared_task


# Named as it was before the agreement became its own app, so a task queued before an upgrade
# still finds its code.
@shared_task(
    bind=True,
    name="alliances.tasks.send_signing_invitation",
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def send_signing_invitation(self, signature_id: int, nonce: str) -> bool:
    """Mails a member the link to sign. A link replaced by a newer invitation, or an agreement
    signed or declined meanwhile, is not sent."""
    from .emails import signing_invitation_email_send
    from .models import Signature
    from .services import signature_email_sent

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
