from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from alliances.tasks import send_invitation_email
from tests.factories import InvitationFactory


@pytest.mark.django_db
def test_no_mail_for_withdrawn_or_missing_invitation():
    invitation = InvitationFactory(revoked_at=timezone.now())
    assert send_invitation_email.delay(invitation.pk).get() is False
    assert send_invitation_email.delay(999_999).get() is False
    assert mail.outbox == []
