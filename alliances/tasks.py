"""Background work for the alliances app. Tasks are thin: load by id, call the real code."""

from __future__ import annotations

from celery import shared_task


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
