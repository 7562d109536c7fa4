"""Signing through the emailed link: identity by a one-time code kept in the session, the link's
life (used, expired, replaced, superseded), and who may open it."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from agreements import services
from agreements.models import ERR_SUPERSEDED, Signature
from agreements.services import ERR_CODE_ATTEMPTS, ERR_CODE_WRONG
from agreements.signing import (
    ERR_LINK_EXPIRED,
    ERR_LINK_OTHER_PERSON,
    ERR_LINK_REPLACED,
    ERR_LINK_USED,
)

from ..conftest import CAST_ROLES, client_for
from ..factories import publish_agreement
from .test_views import FIRST_PARAGRAPH, IP, browser_client, form_data, text_of

SIGN_LINK = re.compile(r"http://testserver/sign/([^/\s]+)/")
# The code stands alone on its line of the mail's text; it is never in the subject.
CODE = re.compile(r"^\s*(\d{6})\s*$", re.MULTILINE)


def token_for(user) -> str:
    """The token of the latest invitation mailed to the user."""
    mails = [message for message in mail.outbox if user.email in message.to]
    assert mails, f"no mail to {user.email}"
    return SIGN_LINK.search(mails[-1].body).group(1)


def link(token: str, name: str = "signing:sign") -> str:
    return reverse(name, args=[token])


def confirm_by_code(client, token: str, capture) -> None:
    """Asks for a code and enters the one mailed, as the member would."""
    code = send_code(client, token, capture)
    response = client.post(link(token, "signing:code_confirm"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == link(token)


@pytest.fixture
def invited(cast, agreement, django_capture_on_commit_callbacks):
    """Version 1, published with invitations; the member's link token."""
    with django_capture_on_commit_callbacks(execute=True):
        version = publish_agreement(agreement, cast.coordinator, invite=True)
    return SimpleNamespace(version=version, token=token_for(cast.member))


def member_signature(cast, version) -> Signature:
    return Signature.objects.get(version=version, membership=cast.membership(cast.member))


def test_each_member_with_a_seat_is_mailed_their_own_link(cast, invited):
    recipients = sorted(address for message in mail.outbox for address in message.to)
    seats = (cast.chair, cast.secretary, cast.coordinator, cast.member)
    assert recipients == sorted(person.email for person in seats)
    tokens = {token_for(person) for person in seats}
    assert len(tokens) == 4


def test_an_anonymous_visitor_first_sees_the_identity_page(cast, invited):
    response = client_for(None).get(link(invited.token))

    assert response.status_code == 200
    page = text_of(response)
    assert "Confirm who you are" in page
    assert cast.member.email in page
    assert FIRST_PARAGRAPH not in page
    assert invited.version.sha256 not in page
    assert 'name="typed_name"' not in page
    assert "Sign the agreement" not in page
    assert link(invited.token, "signing:code_send") in page


def test_posting_the_form_before_confirming_signs_nothing(cast, invited):
    response = client_for(None).post(link(invited.token), form_data(invited.version))

    assert response.status_code == 200
    assert "Confirm your email address before signing." in text_of(response)
    assert "Confirm who you are" in text_of(response)
    assert member_signature(cast, invited.version).status == Signature.Status.PENDING


def send_code(client, token: str, capture) -> str:
    """Asks for a code; the code mailed."""
    with capture(execute=True):
        assert client.post(link(token, "signing:code_send")).status_code == 302
    return CODE.search(mail.outbox[-1].body).group(1)


def not_the(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_wrong_code_is_refused_and_counted(cast, invited, django_capture_on_commit_callbacks):
    visitor = client_for(None)
    code = send_code(visitor, invited.token, django_capture_on_commit_callbacks)

    response = visitor.post(link(invited.token, "signing:code_confirm"), {"code": not_the(code)})

    assert response.status_code == 400
    assert response.context["code_form"].non_field_errors() == [str(ERR_CODE_WRONG)]
    signature = member_signature(cast, invited.version)
    assert signature.code_attempts == 1
    assert not signature.events.filter(kind="identity_confirmed").exists()
    assert "Confirm who you are" in text_of(visitor.get(link(invited.token)))
    assert 'name="typed_name"' not in text_of(visitor.get(link(invited.token)))


def test_the_page_says_why_a_code_was_refused(cast, invited, django_capture_on_commit_callbacks):
    """The service's refusal is a non-field error of the code form: the page must show it."""
    visitor = client_for(None)
    code = send_code(visitor, invited.token, django_capture_on_commit_callbacks)

    response = visitor.post(link(invited.token, "signing:code_confirm"), {"code": not_the(code)})

    assert response.status_code == 400
    assert escape(str(ERR_CODE_WRONG)) in text_of(response)


def test_after_five_wrong_codes_even_the_right_one_is_refused(
    cast, invited, django_capture_on_commit_callbacks
):
    visitor = client_for(None)
    code = send_code(visitor, invited.token, django_capture_on_commit_callbacks)
    for _attempt in range(5):
        wrong = visitor.post(link(invited.token, "signing:code_confirm"), {"code": not_the(code)})
        assert wrong.status_code == 400

    response = visitor.post(link(invited.token, "signing:code_confirm"), {"code": code})

    assert response.status_code == 400
    assert response.context["code_form"].non_field_errors() == [str(ERR_CODE_ATTEMPTS)]
    assert member_signature(cast, invited.version).code_attempts == 5
    assert 'name="typed_name"' not in text_of(visitor.get(link(invited.token)))


def test_the_right_code_leads_to_the_sign_page_and_signing_records_email_code(
    cast, invited, django_capture_on_commit_callbacks
):
    visitor = browser_client()
    confirm_by_code(visitor, invited.token, django_capture_on_commit_callbacks)

    page = visitor.get(link(invited.token))
    assert page.status_code == 200
    assert FIRST_PARAGRAPH in text_of(page)
    assert 'name="typed_name"' in text_of(page)
    assert page.context["form"].initial["contact"] == cast.member.email

    response = visitor.post(link(invited.token), form_data(invited.version, typed_name="Mia M"))

    signature = member_signature(cast, invited.version)
    assert response.status_code == 302
    assert response["Location"] == reverse("signing:done", args=[signature.public_id])
    assert signature.status == Signature.Status.SIGNED
    assert signature.identity_method == Signature.Identity.EMAIL_CODE
    assert signature.typed_name == "Mia M"
    assert signature.ip_address == IP
    assert signature.link_nonce == ""
    kinds = list(signature.events.values_list("kind", flat=True))
    assert kinds == [
        "invited",
        "email_sent",
        "code_sent",
        "identity_confirmed",
        "viewed",
        "signed",
    ]


@pytest.fixture
def signed_by_link(cast, invited, django_capture_on_commit_callbacks):
    """The member signed through the link in this anonymous session."""
    visitor = client_for(None)
    confirm_by_code(visitor, invited.token, django_capture_on_commit_callbacks)
    assert visitor.post(link(invited.token), form_data(invited.version)).status_code == 302
    return SimpleNamespace(
        client=visitor, token=invited.token, signature=member_signature(cast, invited.version)
    )


def test_a_used_link_is_gone_for_others_and_leads_to_the_answer_in_its_session(signed_by_link):
    fresh = client_for(None).get(link(signed_by_link.token))
    assert fresh.status_code == 410
    assert escape(str(ERR_LINK_USED)) in text_of(fresh)
    assert "already been used" in text_of(fresh)

    same = signed_by_link.client.get(link(signed_by_link.token))
    assert same.status_code == 302
    assert same["Location"] == reverse("signing:done", args=[signed_by_link.signature.public_id])


def test_the_done_page_and_pdf_work_only_in_the_signing_session(signed_by_link):
    public_id = signed_by_link.signature.public_id
    done = signed_by_link.client.get(reverse("signing:done", args=[public_id]))
    assert done.status_code == 200
    assert "You signed on" in text_of(done)
    pdf = signed_by_link.client.get(reverse("signing:pdf", args=[public_id]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    stranger = client_for(None)
    assert stranger.get(reverse("signing:done", args=[public_id])).status_code == 404
    assert stranger.get(reverse("signing:pdf", args=[public_id])).status_code == 404


def test_the_confirmed_identity_lapses_after_half_an_hour(
    cast, invited, django_capture_on_commit_callbacks, monkeypatch
):
    visitor = client_for(None)
    confirm_by_code(visitor, invited.token, django_capture_on_commit_callbacks)
    assert 'name="typed_name"' in text_of(visitor.get(link(invited.token)))

    later = time.time() + 31 * 60
    monkeypatch.setattr("agreements.signing.time", SimpleNamespace(time=lambda: later))
    response = visitor.post(link(invited.token), form_data(invited.version))

    assert response.status_code == 200
    assert "Confirm who you are" in text_of(response)
    assert member_signature(cast, invited.version).status == Signature.Status.PENDING


def test_an_expired_link_answers_410_with_the_reason(cast, invited, monkeypatch):
    in_31_days = time.time() + 31 * 24 * 60 * 60
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: in_31_days))

    response = client_for(None).get(link(invited.token))

    assert response.status_code == 410
    assert escape(str(ERR_LINK_EXPIRED)) in text_of(response)
    assert "Confirm who you are" not in text_of(response)


def test_a_link_works_until_its_last_day(cast, invited, monkeypatch):
    in_29_days = time.time() + 29 * 24 * 60 * 60
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: in_29_days))
    assert client_for(None).get(link(invited.token)).status_code == 200


@override_settings(AGREEMENT_LINK_MAX_AGE_DAYS=0)
def test_with_a_maximum_age_of_zero_days_a_link_has_expired_at_once(cast, invited, monkeypatch):
    a_second_later = time.time() + 1
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: a_second_later))
    assert client_for(None).get(link(invited.token)).status_code == 410


def test_a_link_replaced_by_a_newer_invitation_answers_410(
    cast, invited, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_invite(
            signature=member_signature(cast, invited.version), actor=cast.coordinator
        )
    newer = token_for(cast.member)
    assert newer != invited.token

    response = client_for(None).get(link(invited.token))

    assert response.status_code == 410
    assert escape(str(ERR_LINK_REPLACED)) in text_of(response)
    assert "replaced" in text_of(response)
    assert client_for(None).get(link(newer)).status_code == 200


def test_a_link_to_a_superseded_version_answers_410(cast, agreement, invited):
    services.agreement_update(agreement=agreement, actor=cast.coordinator, title="Second version")
    publish_agreement(agreement, cast.coordinator)

    response = client_for(None).get(link(invited.token))

    assert response.status_code == 410
    assert escape(str(ERR_SUPERSEDED)) in text_of(response)


@pytest.mark.parametrize("role", CAST_ROLES)
def test_who_may_open_a_members_link(cast, invited, role):
    response = client_for(cast.user(role)).get(link(invited.token))
    if role == "anonymous":
        assert response.status_code == 200
        assert "Confirm who you are" in text_of(response)
    elif role == "member":
        assert response.status_code == 302
        assert response["Location"] == reverse("agreements:sign", args=[cast.alliance.pk])
    else:
        assert response.status_code == 403
        assert escape(str(ERR_LINK_OTHER_PERSON)) in text_of(response)


def test_another_logged_in_member_can_neither_sign_nor_ask_for_a_code(cast, invited):
    chair = client_for(cast.chair)
    assert chair.post(link(invited.token), form_data(invited.version)).status_code == 403
    assert chair.post(link(invited.token, "signing:code_send")).status_code == 403
    assert len(mail.outbox) == 4
    signature = member_signature(cast, invited.version)
    assert signature.status == Signature.Status.PENDING
    assert signature.code_hash == ""


def test_the_signer_logged_in_is_sent_to_the_sign_page_and_then_to_the_done_page(cast, invited):
    member = client_for(cast.member)
    response = member.get(link(invited.token))
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:sign", args=[cast.alliance.pk])
    member.post(response["Location"], form_data(invited.version))
    signature = member_signature(cast, invited.version)
    assert signature.identity_method == Signature.Identity.LOGIN

    again = member.get(link(invited.token))
    assert again.status_code == 302
    assert again["Location"] == reverse("signing:done", args=[signature.public_id])
    assert member.get(again["Location"]).status_code == 200


def test_the_done_page_by_public_id_is_the_signers_alone(cast, invited, signed_by_link):
    done = reverse("signing:done", args=[signed_by_link.signature.public_id])
    for role in CAST_ROLES:
        expected = 200 if role == "member" else 404
        assert client_for(cast.user(role)).get(done).status_code == expected, role


def test_declining_through_the_link(cast, invited, django_capture_on_commit_callbacks):
    visitor = client_for(None)
    decline = link(invited.token, "signing:decline")
    before = visitor.get(decline)
    assert before.status_code == 302
    assert before["Location"] == link(invited.token)

    confirm_by_code(visitor, invited.token, django_capture_on_commit_callbacks)
    page = visitor.get(decline)
    assert page.status_code == 200
    assert "Decline version 1 of the agreement?" in text_of(page)

    response = visitor.post(decline, {"reason": "Not this year."})

    signature = member_signature(cast, invited.version)
    assert response.status_code == 302
    assert response["Location"] == reverse("signing:done", args=[signature.public_id])
    assert signature.status == Signature.Status.DECLINED
    assert signature.decline_reason == "Not this year."
    assert signature.events.filter(kind="declined").count() == 1
    done = visitor.get(response["Location"])
    assert "You declined." in text_of(done)
    assert client_for(None).get(link(invited.token)).status_code == 410


def test_a_member_who_has_left_signs_and_declines_nothing_through_their_link(
    cast, invited, django_capture_on_commit_callbacks
):
    membership = cast.membership(cast.member)
    membership.end(by=cast.chair)
    membership.save()
    visitor = client_for(None)
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(link(invited.token, "signing:code_send"))
    if len(mail.outbox) > 4:
        code = CODE.search(mail.outbox[-1].body).group(1)
        visitor.post(link(invited.token, "signing:code_confirm"), {"code": code})

    visitor.post(link(invited.token), form_data(invited.version))
    visitor.post(link(invited.token, "signing:decline"), {"reason": "Gone"})

    signature = Signature.objects.get(version=invited.version, membership=membership)
    assert signature.status == Signature.Status.PENDING
    assert not signature.events.filter(kind__in=["signed", "declined"]).exists()


def test_the_link_of_a_member_who_has_left_no_longer_opens(
    cast, invited, django_capture_on_commit_callbacks
):
    # BUG: alliances/agreements/signing.py `_link` does not check that the signer still holds
    # a seat, and services.signature_code_send does not call _check_signer. A member who has
    # left the alliance (or became an observer) can still open an earlier invitation link,
    # have a one-time code mailed, confirm it and read the signing form, which then refuses
    # every submission ("Only members with a seat ..."). The link should answer 410 like any
    # other unusable link, and no code should be sent: e.g. in `_link`, after the superseded
    # check, refuse when not signature.membership.is_active or the role is not in
    # services.SIGNING_ROLES; and call _check_signer in signature_code_send.
    membership = cast.membership(cast.member)
    membership.end(by=cast.chair)
    membership.save()
    visitor = client_for(None)

    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(link(invited.token, "signing:code_send"))

    assert len(mail.outbox) == 4, "a code was mailed to a member who has left"
    assert visitor.get(link(invited.token)).status_code == 410


def test_codes_from_one_address_are_limited_across_invitations(
    cast, invited, django_capture_on_commit_callbacks
):
    """Wrong codes spread over several members' invitations, each below its own limit of
    five, are stopped by the address's limit; then even the right code is not checked."""
    limit = int(settings.THROTTLE_RATES["signing_code"].split("/")[0])
    signers = [cast.chair, cast.secretary, cast.coordinator, cast.member]
    visitor = browser_client()
    tokens = {user: token_for(user) for user in signers}
    codes = {
        user: send_code(visitor, token, django_capture_on_commit_callbacks)
        for user, token in tokens.items()
    }
    answers = []
    while len(signers) + len(answers) < limit:
        user = signers[len(answers) % len(signers)]
        wrong = {"code": not_the(codes[user])}
        answers.append(visitor.post(link(tokens[user], "signing:code_confirm"), wrong).status_code)
    assert set(answers) == {400}
    assert all(
        Signature.objects.get(
            version=invited.version, membership=cast.membership(user)
        ).code_attempts
        < services.CODE_MAX_ATTEMPTS
        for user in signers
    )

    right = {"code": codes[cast.member]}
    response = visitor.post(link(tokens[cast.member], "signing:code_confirm"), right)

    assert response.status_code == 429
    assert "Too many attempts. Wait" in response.context["code_form"].non_field_errors()[0]
    assert (
        not member_signature(cast, invited.version)
        .events.filter(kind="identity_confirmed")
        .exists()
    )
    sent = len(mail.outbox)
    assert visitor.post(link(tokens[cast.member], "signing:code_send")).status_code == 429
    assert len(mail.outbox) == sent
    # The member's own browser, elsewhere, still confirms with the right code.
    at_home = browser_client(ip="198.51.100.99")
    at_home_response = at_home.post(link(tokens[cast.member], "signing:code_confirm"), right)
    assert at_home_response.status_code == 302
