"""Signed links to a signature request, the invitation task, and one-time codes."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from agreements import services
from agreements.models import Signature, SignatureEvent
from agreements.services import (
    ERR_CODE_ATTEMPTS,
    ERR_CODE_EXPIRED,
    ERR_CODE_TOO_SOON,
    ERR_CODE_WRONG,
)
from agreements.tasks import send_signing_invitation
from agreements.tokens import (
    ExpiredSigningLink,
    InvalidSigningLink,
    signature_from_token,
    signing_link_token,
)
from alliances.models import AuditEntry

from .conftest import FACTS, sign_as

DAY = 24 * 60 * 60
# The code stands alone on its line of the mail's text; it is never in the subject.
CODE_LINE = re.compile(r"^\s*(\d{6})\s*$", re.MULTILINE)


@pytest.fixture
def request_(cast, version):
    """The member's signature request on version 1, invited once (the mail not sent)."""
    signature = services.signature_for_member(
        version=version, membership=cast.membership(cast.member)
    )
    return services.signature_invite(signature=signature, actor=cast.coordinator, facts=FACTS)


def token_made_ago(signature, seconds: int) -> str:
    """A link signed `seconds` ago."""
    past = signing.b62_encode(int(time.time()) - seconds)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=past):
        return signing_link_token(signature)


def invitation_task(signature, nonce) -> bool:
    return send_signing_invitation.apply(args=(signature.pk, nonce)).get()


def mailed_code(signature, django_capture_on_commit_callbacks, facts=FACTS) -> str:
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_code_send(signature=signature, facts=facts)
    assert len(mail.outbox) == sent + 1
    return CODE_LINE.search(mail.outbox[-1].body).group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def move_code_back(signature, seconds: int) -> None:
    Signature.objects.filter(pk=signature.pk).update(
        code_sent_at=timezone.now() - timedelta(seconds=seconds)
    )


def kinds(signature) -> list[str]:
    return list(signature.events.order_by("at", "id").values_list("kind", flat=True))


# Links ------------------------------------------------------------------------------------------


def test_a_link_names_its_request_and_nonce(request_):
    token = signing_link_token(request_)

    signature, nonce = signature_from_token(token)

    assert signature.pk == request_.pk
    assert len(nonce) == 32
    assert nonce == request_.link_nonce
    assert request_.public_id.hex in token
    assert signature.version.agreement.alliance == request_.version.agreement.alliance


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(".", ".0", 1),
        lambda token: token[: len(token) // 2],
        lambda token: "",
    ],
    ids=["signature", "value", "cut", "empty"],
)
def test_an_altered_link_is_invalid(request_, change):
    with pytest.raises(InvalidSigningLink):
        signature_from_token(change(signing_link_token(request_)))


def test_a_link_signed_for_another_purpose_is_invalid(request_):
    token = signing.TimestampSigner().sign(f"{request_.public_id.hex}.{request_.link_nonce}")

    with pytest.raises(InvalidSigningLink):
        signature_from_token(token)


def test_a_link_without_a_nonce_is_invalid(request_):
    request_.link_nonce = ""

    with pytest.raises(InvalidSigningLink):
        signature_from_token(signing_link_token(request_))


def test_a_link_to_an_unknown_request_is_invalid(request_):
    token = signing.TimestampSigner(salt="alliances.agreement.signing-link").sign(
        f"{'0' * 32}.{request_.link_nonce}"
    )
    with pytest.raises(InvalidSigningLink):
        signature_from_token(token)


def test_a_link_expires_after_the_configured_days(request_, settings):
    settings.AGREEMENT_LINK_MAX_AGE_DAYS = 30

    assert signature_from_token(token_made_ago(request_, 29 * DAY))[0].pk == request_.pk
    with pytest.raises(ExpiredSigningLink):
        signature_from_token(token_made_ago(request_, 31 * DAY))


def test_the_link_age_follows_the_setting(request_):
    token = token_made_ago(request_, 2 * DAY)

    assert signature_from_token(token)[0].pk == request_.pk
    with override_settings(AGREEMENT_LINK_MAX_AGE_DAYS=1), pytest.raises(ExpiredSigningLink):
        signature_from_token(token)


def test_a_new_invitation_replaces_the_nonce(cast, request_):
    old_token = signing_link_token(request_)
    old_nonce = request_.link_nonce

    services.signature_invite(signature=request_, actor=cast.coordinator, facts=FACTS)

    request_.refresh_from_db()
    assert request_.link_nonce not in ("", old_nonce)
    _signature, nonce = signature_from_token(old_token)
    assert nonce == old_nonce != request_.link_nonce
    assert kinds(request_) == ["invited", "invited"]


def test_signing_clears_the_nonce(cast, version, request_):
    old_token = signing_link_token(request_)

    sign_as(cast, version, cast.member)

    request_.refresh_from_db()
    assert request_.link_nonce == ""
    _signature, nonce = signature_from_token(old_token)
    assert nonce != request_.link_nonce
    with pytest.raises(InvalidSigningLink):
        signature_from_token(signing_link_token(request_))


def test_an_answered_request_cannot_be_invited_again(cast, version, request_):
    sign_as(cast, version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_invite(signature=request_, actor=cast.coordinator)

    assert excinfo.value.code == "signed"
    request_.refresh_from_db()
    assert request_.link_nonce == ""


# The invitation task ----------------------------------------------------------------------------


def test_the_task_mails_the_current_link(cast, request_):
    assert invitation_task(request_, request_.link_nonce) is True

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [cast.member.email]
    token = re.search(r"http://testserver/sign/(\S+)/", mail.outbox[0].body).group(1)
    assert signature_from_token(token) == (request_, request_.link_nonce)
    assert kinds(request_) == ["invited", "email_sent"]


def test_the_task_does_nothing_for_a_replaced_link(cast, request_):
    old_nonce = request_.link_nonce
    services.signature_invite(signature=request_, actor=cast.coordinator)

    assert invitation_task(request_, old_nonce) is False
    assert invitation_task(request_, "") is False

    assert mail.outbox == []
    assert not request_.events.filter(kind="email_sent").exists()
    assert not AuditEntry.objects.filter(action="signature.email_sent").exists()


def test_the_task_does_nothing_once_signed(cast, version, request_):
    nonce = request_.link_nonce
    sign_as(cast, version, cast.member)

    assert invitation_task(request_, nonce) is False
    assert mail.outbox == []


def test_two_invitations_in_one_go_send_one_mail(
    cast, request_, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_invite(signature=request_, actor=cast.coordinator)
        services.signature_invite(signature=request_, actor=cast.coordinator)

    assert len(mail.outbox) == 1
    request_.refresh_from_db()
    token = re.search(r"http://testserver/sign/(\S+)/", mail.outbox[0].body).group(1)
    assert signature_from_token(token)[1] == request_.link_nonce
    assert kinds(request_) == ["invited", "invited", "invited", "email_sent"]


# One-time codes ---------------------------------------------------------------------------------


def test_a_code_is_mailed_and_only_its_hash_kept(
    cast, request_, django_capture_on_commit_callbacks
):
    code = mailed_code(request_, django_capture_on_commit_callbacks)

    message = mail.outbox[-1]
    assert message.to == [cast.member.email]
    assert code in message.body
    request_.refresh_from_db()
    assert re.fullmatch(r"[0-9a-f]{40,64}", request_.code_hash)
    assert request_.code_sent_at is not None
    assert request_.code_attempts == 0
    stored = [str(getattr(request_, field.attname)) for field in Signature._meta.concrete_fields]
    assert not any(code in value for value in stored)
    for event in SignatureEvent.objects.all():
        assert not any(code in str(getattr(event, f.attname)) for f in event._meta.concrete_fields)
    for entry in AuditEntry.objects.all():
        assert code not in str(entry.changes)
    event = request_.events.get(kind="code_sent")
    assert (event.actor, event.ip_address, event.user_agent) == (
        None,
        FACTS.ip_address,
        FACTS.user_agent,
    )


def test_a_second_code_within_a_minute_is_refused(request_, django_capture_on_commit_callbacks):
    mailed_code(request_, django_capture_on_commit_callbacks)
    first_hash = Signature.objects.get(pk=request_.pk).code_hash

    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_send(signature=request_, facts=FACTS)

    assert excinfo.value.messages == [str(ERR_CODE_TOO_SOON)]
    assert len(mail.outbox) == 1
    assert Signature.objects.get(pk=request_.pk).code_hash == first_hash
    assert kinds(request_) == ["invited", "code_sent"]


def test_only_the_latest_code_works(cast, request_, django_capture_on_commit_callbacks):
    with mock.patch("agreements.services.secrets.randbelow", side_effect=[4711, 902]):
        first = mailed_code(request_, django_capture_on_commit_callbacks)
        move_code_back(request_, 61)
        second = mailed_code(request_, django_capture_on_commit_callbacks)
    assert (first, second) == ("004711", "000902")
    assert "004711" in mail.outbox[0].body

    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_confirm(signature=request_, code=first, facts=FACTS)
    assert excinfo.value.messages == [str(ERR_CODE_WRONG)]
    services.signature_code_confirm(signature=request_, code=second, facts=FACTS)

    assert kinds(request_) == ["invited", "code_sent", "code_sent", "identity_confirmed"]


def test_a_wrong_code_counts_as_an_attempt(request_, django_capture_on_commit_callbacks):
    code = mailed_code(request_, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_confirm(signature=request_, code=other_code(code), facts=FACTS)

    assert excinfo.value.messages == [str(ERR_CODE_WRONG)]
    stored = Signature.objects.get(pk=request_.pk)
    assert stored.code_attempts == 1
    assert stored.code_hash != ""
    assert not request_.events.filter(kind="identity_confirmed").exists()


def test_after_five_wrong_codes_even_the_right_one_is_refused(
    request_, django_capture_on_commit_callbacks
):
    code = mailed_code(request_, django_capture_on_commit_callbacks)
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            services.signature_code_confirm(signature=request_, code=other_code(code), facts=FACTS)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_confirm(signature=request_, code=code, facts=FACTS)

    assert excinfo.value.messages == [str(ERR_CODE_ATTEMPTS)]
    assert Signature.objects.get(pk=request_.pk).code_attempts == 5
    assert not request_.events.filter(kind="identity_confirmed").exists()

    # New codes do not buy more guesses: the count is per invitation.
    move_code_back(request_, 61)
    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_send(signature=request_, facts=FACTS)
    assert excinfo.value.messages == [str(ERR_CODE_ATTEMPTS)]

    # A new invitation from the coordinator starts the count again.
    services.signature_invite(signature=request_, actor=request_.version.published_by)
    fresh = mailed_code(request_, django_capture_on_commit_callbacks)
    services.signature_code_confirm(signature=request_, code=fresh, facts=FACTS)
    assert request_.events.filter(kind="identity_confirmed").count() == 1


def test_four_wrong_codes_leave_the_right_one_working(request_, django_capture_on_commit_callbacks):
    code = mailed_code(request_, django_capture_on_commit_callbacks)
    for _attempt in range(4):
        with pytest.raises(ValidationError):
            services.signature_code_confirm(signature=request_, code=other_code(code), facts=FACTS)

    services.signature_code_confirm(signature=request_, code=f" {code} ", facts=FACTS)

    assert request_.events.filter(kind="identity_confirmed").count() == 1


def test_an_expired_code_is_refused(request_, django_capture_on_commit_callbacks):
    code = mailed_code(request_, django_capture_on_commit_callbacks)
    move_code_back(request_, 11 * 60)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_confirm(signature=request_, code=code, facts=FACTS)

    assert excinfo.value.messages == [str(ERR_CODE_EXPIRED)]
    assert not request_.events.filter(kind="identity_confirmed").exists()


def test_a_code_still_works_within_ten_minutes(request_, django_capture_on_commit_callbacks):
    code = mailed_code(request_, django_capture_on_commit_callbacks)
    move_code_back(request_, 9 * 60)

    services.signature_code_confirm(signature=request_, code=code, facts=FACTS)

    assert request_.events.filter(kind="identity_confirmed").count() == 1


def test_the_right_code_confirms_the_member_once(
    cast, request_, django_capture_on_commit_callbacks
):
    code = mailed_code(request_, django_capture_on_commit_callbacks)
    facts = services.RequestFacts(ip_address="203.0.113.9", user_agent="Phone/1.0")

    services.signature_code_confirm(signature=request_, code=code, facts=facts)

    event = request_.events.get(kind="identity_confirmed")
    assert (event.actor, event.ip_address, event.user_agent) == (
        cast.member,
        "203.0.113.9",
        "Phone/1.0",
    )
    entry = AuditEntry.objects.get(action="signature.identity_confirmed")
    assert (entry.actor, entry.alliance) == (cast.member, cast.alliance)
    assert Signature.objects.get(pk=request_.pk).code_hash == ""

    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_confirm(signature=request_, code=code, facts=facts)

    assert excinfo.value.messages == [str(ERR_CODE_EXPIRED)]
    assert request_.events.filter(kind="identity_confirmed").count() == 1


def test_no_code_is_sent_for_an_answered_request(cast, version, request_):
    sign_as(cast, version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_send(signature=request_, facts=FACTS)

    assert excinfo.value.code == "signed"
    assert mail.outbox == []
    assert Signature.objects.get(pk=request_.pk).code_hash == ""


def test_a_code_is_never_confirmed_before_one_was_sent(request_):
    with pytest.raises(ValidationError) as excinfo:
        services.signature_code_confirm(signature=request_, code="123456", facts=FACTS)

    assert excinfo.value.messages == [str(ERR_CODE_EXPIRED)]


def test_the_code_is_in_the_mail_body_and_never_in_its_subject(
    request_, django_capture_on_commit_callbacks
):
    """Lock screens and notification previews show a mail's subject to anyone nearby."""
    code = mailed_code(request_, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert code not in message.subject
    assert "Kronoberg Alliance" in message.subject
    assert code in message.body
    assert code in message.alternatives[0][0]


# Attempts counted at the same moment ------------------------------------------------------------

RACERS = 12


def test_codes_checked_while_another_check_runs_never_exceed_the_limit(
    request_, django_capture_on_commit_callbacks
):
    """Each check lets another request in just before it compares the code, as parallel
    requests do; counting and testing the limit in one step keeps the comparisons at five."""
    wrong = other_code(mailed_code(request_, django_capture_on_commit_callbacks))
    real_compare = services.constant_time_compare
    started, compared, refusals = [], [], []

    def check() -> None:
        started.append(wrong)
        try:
            services.signature_code_confirm(signature=request_, code=wrong, facts=FACTS)
        except ValidationError as exc:
            refusals.append(exc.messages[0])

    def compare_after_a_rival_arrives(given, stored):
        compared.append(given)
        if len(started) < RACERS:
            check()
        return real_compare(given, stored)

    with mock.patch.object(services, "constant_time_compare", compare_after_a_rival_arrives):
        while len(started) < RACERS:
            check()

    assert len(refusals) == RACERS
    assert len(compared) == services.CODE_MAX_ATTEMPTS
    assert refusals.count(str(ERR_CODE_WRONG)) == services.CODE_MAX_ATTEMPTS
    assert str(ERR_CODE_ATTEMPTS) in refusals
    assert Signature.objects.get(pk=request_.pk).code_attempts == services.CODE_MAX_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_are_compared_at_most_five_times(
    request_, django_capture_on_commit_callbacks
):
    """Real parallel requests, each on its own database connection."""
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database of SQLite locks whole tables between threads")
    wrong = other_code(mailed_code(request_, django_capture_on_commit_callbacks))
    real_compare = services.constant_time_compare
    compared = []
    lock = threading.Lock()
    start = threading.Barrier(RACERS)
    refusals = []

    def counting_compare(given, stored):
        with lock:
            compared.append(given)
        return real_compare(given, stored)

    def check() -> None:
        start.wait()
        try:
            services.signature_code_confirm(signature=request_, code=wrong, facts=FACTS)
        except ValidationError as exc:
            with lock:
                refusals.append(exc.messages[0])
        finally:
            connections.close_all()

    with mock.patch.object(services, "constant_time_compare", counting_compare):
        threads = [threading.Thread(target=check) for _ in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert len(refusals) == RACERS
    assert len(compared) == services.CODE_MAX_ATTEMPTS
    assert refusals.count(str(ERR_CODE_WRONG)) == services.CODE_MAX_ATTEMPTS
    assert Signature.objects.get(pk=request_.pk).code_attempts == services.CODE_MAX_ATTEMPTS


def test_a_right_code_does_not_use_up_an_attempt(request_, django_capture_on_commit_callbacks):
    code = mailed_code(request_, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.signature_code_confirm(signature=request_, code=other_code(code), facts=FACTS)

    services.signature_code_confirm(signature=request_, code=code, facts=FACTS)

    assert Signature.objects.get(pk=request_.pk).code_attempts == 1
