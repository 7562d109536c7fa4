"""Background work for meetings. Tasks are thin: load by id, call the real code."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_meeting_notification(self, participant_id: int) -> bool:
    """Mails one invitee the published agenda, an answer link and the meeting as .ics."""
    from .emails import meeting_notification_send
    from .models import Participant

    participant = (
        Participant.objects.filter(pk=participant_id)
        .select_related("meeting__alliance", "meeting__created_by", "user")
        .first()
    )
    if participant is None or not participant.email or participant.meeting.is_cancelled:
        return False
    try:
        meeting_notification_send(participant=participant)
    except OSError as exc:  # SMTP trouble: try again later
        raise self.retry(exc=exc) from exc
    return True
