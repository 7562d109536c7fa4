from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.urls import resolve, reverse
from django.utils.html import escape

from alliance_portal.permissions import Role
from alliances.models import (
    ERR_INVITATION_EXPIRED,
    ERR_INVITATION_USED,
    AuditEntry,
    Invitation,
    Membership,
    User,
)
from alliances.services import ERR_INVITATION_NOT_SENT
from alliances.tokens import invitation_from_token, invitation_token
from alliances.views import ERR_INVITATION_LINK_INVALID
from tests.celery_support import REFUSED_REDIS_URL, broker_at
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD, InvitationFactory, UserFactory


def _accept_path_from_mail(message) -> str:
    match = re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_invite_sends_mail_with_signed_link(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.coordinator).post(
            reverse("alliances:invite", args=[cast.alliance.pk]),
            {"email": "New.Person@Example.org", "role": Role.MEMBER, "organisation_name": "NGO"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.org"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    assert cast.alliance.name in message.subject
    token = resolve(_accept_path_from_mail(message)).kwargs["token"]
    assert invitation_from_token(token) == invitation
    assert message.alternatives and "text/html" in message.alternatives[0][1]


@pytest.mark.django_db
def test_invitation_mail_is_in_inviters_language_for_unknown_address(
    cast, django_capture_on_commit_callbacks
):
    cast.chair.preferred_language = "sv"
    cast.chair.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.chair).post(
            reverse("alliances:invite", args=[cast.alliance.pk]),
            {"email": "ny@example.org", "role": Role.MEMBER},
        )
    assert "Inbjudan" in mail.outbox[0].subject


@pytest.mark.django_db
def test_new_person_creates_account_and_joins(cast, client):
    invitation = InvitationFactory(
        alliance=cast.alliance, invited_by=cast.chair, organisation_name="NGO"
    )
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    page = client.get(url)
    assert page.status_code == 200
    assert "Create account and join" in page.content.decode()

    response = client.post(
        url,
        {
            "first_name": "Amina",
            "last_name": "Berg",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:alliance", args=[cast.alliance.pk])
    user = User.objects.get(email=invitation.email)
    membership = Membership.objects.get(user=user, alliance=cast.alliance)
    assert (membership.role, membership.organisation_name) == (Role.MEMBER, "NGO")
    assert client.get(response["Location"]).status_code == 200  # logged in


@pytest.mark.django_db
def test_signup_with_mismatched_passwords_shows_error_and_creates_nothing(cast, client):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    response = client.post(
        url,
        {
            "first_name": "A",
            "last_name": "B",
            "password1": TEST_PASSWORD,
            "password2": "other-password-1",
        },
    )
    assert response.status_code == 200
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


@pytest.mark.django_db
def test_existing_account_is_asked_to_log_in_then_accepts(cast):
    invitation = InvitationFactory(
        alliance=cast.alliance, email=cast.outsider.email, invited_by=cast.chair
    )
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    anonymous = client_for(None).get(url)
    assert "Log in to accept" in anonymous.content.decode()

    response = client_for(cast.outsider).post(url)
    assert response.status_code == 302
    assert Membership.objects.active().filter(user=cast.outsider, alliance=cast.alliance).exists()


@pytest.mark.django_db
def test_logged_in_as_someone_else_cannot_accept(cast):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    client = client_for(cast.outsider)
    assert "another address" in client.get(url).content.decode()
    client.post(url)
    assert not Membership.objects.filter(user=cast.outsider).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.django_db
def test_used_link_says_so(cast):
    invitation = InvitationFactory(
        alliance=cast.alliance, email=cast.outsider.email, invited_by=cast.chair
    )
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    client = client_for(cast.outsider)
    client.post(url)
    response = client.get(url)
    assert response.status_code == 410
    assert str(ERR_INVITATION_USED) in response.content.decode()


@pytest.mark.django_db
def test_expired_link_says_so(cast, monkeypatch):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)
    token = invitation_token(invitation)
    fifteen_days_later = time.time() + 15 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: fifteen_days_later)
    response = client_for(None).get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert str(ERR_INVITATION_EXPIRED) in response.content.decode()


@pytest.mark.django_db
def test_tampered_link_is_rejected(cast):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)
    other = InvitationFactory(alliance=cast.other_alliance, invited_by=cast.other_chair)
    token = invitation_token(invitation)
    forged = other.key.hex + token[len(invitation.key.hex) :]
    for bad in (forged, token[:-2] + "xx", "not-a-token"):
        response = client_for(None).get(reverse("invitation_accept", args=[bad]))
        assert response.status_code == 400
        assert str(ERR_INVITATION_LINK_INVALID) in response.content.decode()


@pytest.mark.django_db
def test_withdrawn_invitation_cannot_be_accepted(cast):
    invitation = InvitationFactory(
        alliance=cast.alliance, email=cast.outsider.email, invited_by=cast.chair
    )
    client_for(cast.chair).post(
        reverse("alliances:invitation_revoke", args=[cast.alliance.pk, invitation.pk])
    )
    response = client_for(cast.outsider).post(
        reverse("invitation_accept", args=[invitation_token(invitation)])
    )
    assert response.status_code == 410
    assert not Membership.objects.filter(user=cast.outsider).exists()


@pytest.mark.django_db
def test_revoking_another_alliances_invitation_is_404(cast):
    foreign = InvitationFactory(alliance=cast.other_alliance, invited_by=cast.other_chair)
    response = client_for(cast.chair).post(
        reverse("alliances:invitation_revoke", args=[cast.alliance.pk, foreign.pk])
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


@pytest.mark.django_db
def test_invite_form_rejects_bad_email_without_500(cast):
    response = client_for(cast.chair).post(
        reverse("alliances:invite", args=[cast.alliance.pk]),
        {"email": "<script>alert(1)</script>", "role": Role.MEMBER},
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_duplicate_pending_invitation_is_refused(cast):
    InvitationFactory(alliance=cast.alliance, email="dup@example.org", invited_by=cast.chair)
    response = client_for(cast.chair).post(
        reverse("alliances:invite", args=[cast.alliance.pk]),
        {"email": "dup@example.org", "role": Role.MEMBER},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Invitation.objects.count() == 1


# Queued once the request's transaction commits, as in production, not when a test says so.
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_invitation_is_not_left_pending_and_can_be_sent_again(cast):
    coordinator = client_for(cast.coordinator)
    url = reverse("alliances:invite", args=[cast.alliance.pk])
    data = {"email": "later@example.org", "role": Role.MEMBER}

    with broker_at(REFUSED_REDIS_URL):
        for attempt in (1, 2):
            started = time.monotonic()
            response = coordinator.post(url, data)
            seconds = time.monotonic() - started

            assert seconds < 10, f"attempt {attempt} took {seconds:.1f} s"
            assert response.status_code == 503
            assert escape(str(ERR_INVITATION_NOT_SENT)) in response.content.decode()
            assert not Invitation.objects.pending().exists()

    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="invitation.not_sent").count() == 2
    # Once the broker is back, the same address is invited.
    response = coordinator.post(url, data)
    assert response.status_code == 302
    assert Invitation.objects.pending().get().email == "later@example.org"
    assert [message.to for message in mail.outbox] == [["later@example.org"]]


@pytest.mark.django_db
def test_password_reset_by_email(client):
    user = UserFactory(email="forgetful@example.org")
    client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body
    ).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-77")
