"""Login throttling, the password reset's limits, and which client address is counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agreements.services import RequestFacts
from alliance_portal.client_address import client_ip
from alliance_portal.middleware import AuditContextMiddleware
from alliance_portal.request_context import request_ip
from alliance_portal.throttle import lockout_message, throttle_address, wait_message

from .factories import TEST_PASSWORD, UserFactory

LOGIN_URL = reverse("login")
RESET_URL = reverse("password_reset")
OFFICE = "198.51.100.20"
ELSEWHERE = "203.0.113.50"


def visitor(ip: str = OFFICE, **headers) -> Client:
    return Client(REMOTE_ADDR=ip, **headers)


def log_in(client: Client, email: str, password: str):
    return client.post(LOGIN_URL, {"username": email, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def page(response) -> str:
    return response.content.decode()


# The login page ---------------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(db):
    user = UserFactory()
    client = visitor()

    answers = [log_in(client, user.email, f"guess-{n}").status_code for n in range(30)]
    response = log_in(client, user.email, TEST_PASSWORD)

    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)
    assert set(answers[limit - 1 :]) == {429}
    assert response.status_code == 429
    assert not logged_in(client)
    assert escape(lockout_message()) in page(response)
    assert "15 minutes" in lockout_message()
    # The login form is shown again, with the reason.
    assert 'name="password"' in page(response)


def test_the_lockout_holds_from_another_address_and_in_any_letter_case(db):
    user = UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(visitor(), user.email, f"guess-{n}")

    elsewhere = visitor(ELSEWHERE)
    response = log_in(elsewhere, user.email.upper(), TEST_PASSWORD)

    assert response.status_code == 429
    assert not logged_in(elsewhere)


def test_fewer_wrong_passwords_than_the_limit_still_let_the_right_one_in_and_are_cleared(db):
    user = UserFactory()
    client = visitor()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, user.email, f"guess-{n}").status_code == 200

    assert log_in(client, user.email, TEST_PASSWORD).status_code == 302
    assert logged_in(client)
    assert not AccessAttempt.objects.filter(username=user.email).exists()


def test_the_lockout_ends_after_the_cool_off(db):
    user = UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(visitor(), user.email, f"guess-{n}")
    # As if the latest try were just older than the lockout time.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    client = visitor()
    assert log_in(client, user.email, TEST_PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_address_is_locked_for_every_account_after_its_own_limit(db):
    """Wrong passwords spread over many accounts, none of them at its own limit."""
    accounts = [UserFactory() for _ in range(6)]
    tries = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    for n in range(tries):
        account = accounts[n % len(accounts)]
        assert log_in(visitor(), account.email, f"guess-{n}").status_code in (200, 429)
    assert tries / len(accounts) < settings.AXES_FAILURE_LIMIT

    newcomer = UserFactory()
    same_address = visitor()
    response = log_in(same_address, newcomer.email, TEST_PASSWORD)

    assert response.status_code == 429
    assert not logged_in(same_address)
    # The same account from another address is not locked.
    elsewhere = visitor(ELSEWHERE)
    assert log_in(elsewhere, newcomer.email, TEST_PASSWORD).status_code == 302
    assert logged_in(elsewhere)


def test_one_person_mistyping_does_not_lock_out_their_office(db):
    """Below the address's limit only the mistyped account is locked."""
    mistyped, colleague = UserFactory(), UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(visitor(), mistyped.email, f"guess-{n}")

    client = visitor()
    assert log_in(client, colleague.email, TEST_PASSWORD).status_code == 302
    assert logged_in(client)


def test_axes_reset_unlocks_an_account(db):
    user = UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(visitor(), user.email, f"guess-{n}")
    assert log_in(visitor(), user.email, TEST_PASSWORD).status_code == 429

    call_command("axes_reset_username", user.email)

    client = visitor()
    assert log_in(client, user.email, TEST_PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_admin_login_is_locked_too(db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = visitor()
    admin_login = reverse("admin:login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(admin_login, {"username": staff.email, "password": f"guess-{n}"})

    response = client.post(admin_login, {"username": staff.email, "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert escape(lockout_message()) in page(response)
    assert not logged_in(client)


@override_settings(AXES_COOLOFF_TIME=timedelta(minutes=1))
def test_the_wait_follows_the_configured_lockout_time():
    assert "1 minute." in lockout_message()


def test_the_wait_is_given_in_whole_minutes_rounded_up():
    assert "Wait 1 minute," in wait_message(1)
    assert "Wait 2 minutes," in wait_message(61)


# The password reset request ---------------------------------------------------------------------


def test_reset_requests_for_one_address_are_limited_across_addresses(db):
    user = UserFactory()
    limit = int(settings.THROTTLE_RATES["password_reset_account"].split("/")[0])
    answers = [
        visitor(f"198.51.100.{n}").post(RESET_URL, {"email": user.email}).status_code
        for n in range(limit + 2)
    ]

    assert answers == [302] * limit + [429, 429]
    assert len(mail.outbox) == limit
    refused = visitor().post(RESET_URL, {"email": user.email.upper()})
    assert refused.status_code == 429
    assert "Too many attempts. Wait" in page(refused)
    assert 'name="email"' in page(refused)


def test_reset_requests_from_one_address_are_limited_across_accounts(db):
    limit = int(settings.THROTTLE_RATES["password_reset"].split("/")[0])
    client = visitor()
    answers = [
        client.post(RESET_URL, {"email": f"person{n}@example.org"}).status_code
        for n in range(limit + 1)
    ]

    assert answers == [302] * limit + [429]
    # Another address still may ask.
    assert visitor(ELSEWHERE).post(RESET_URL, {"email": "x@example.org"}).status_code == 302


# The client's address ---------------------------------------------------------------------------


def _request(remote: str = "10.0.0.2", forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_by_default_a_forwarded_address_is_ignored():
    assert client_ip(_request("10.0.0.2", "203.0.113.7")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_counts_and_forged_ones_are_ignored():
    assert client_ip(_request("10.0.0.2", "203.0.113.7")) == "203.0.113.7"
    # The client wrote the first entry; the proxy appended the address it really came from.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "not-an-address")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_ones_view_counts():
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"


def test_an_ipv6_client_is_counted_by_its_slash_64():
    assert throttle_address(_request("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::"
    assert throttle_address(_request("198.51.100.3")) == "198.51.100.3"


def test_with_the_default_a_forged_forwarded_address_does_not_escape_the_lockout(db):
    user = UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(visitor(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"), user.email, f"guess-{n}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(db):
    """All requests come from the proxy's address; the forwarded one decides whose they are."""
    accounts = [UserFactory() for _ in range(6)]
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        account = accounts[n % len(accounts)]
        log_in(visitor("10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE), account.email, "guess")

    newcomer = UserFactory()
    locked = visitor("10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert log_in(locked, newcomer.email, TEST_PASSWORD).status_code == 429
    other_client = visitor("10.0.0.2", HTTP_X_FORWARDED_FOR=OFFICE)
    assert log_in(other_client, newcomer.email, TEST_PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ELSEWHERE}


@pytest.mark.parametrize(("proxies", "expected"), [(0, "10.0.0.2"), (1, "203.0.113.7")])
def test_the_audit_log_and_signature_evidence_record_the_same_client_address(
    settings, proxies, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = _request("10.0.0.2", "203.0.113.7")
    seen = []

    AuditContextMiddleware(lambda request: seen.append(request_ip.get()))(request)

    assert seen == [expected]
    assert RequestFacts.of(request).ip_address == expected
    assert client_ip(request) == expected


# The password change ----------------------------------------------------------------------------


def test_the_current_password_on_the_change_page_is_counted_like_a_login(db):
    user = UserFactory()
    client = visitor()
    client.force_login(user)
    url = reverse("password_change")

    def change(old: str):
        new = "a-New-passphrase-2027"
        return client.post(url, {"old_password": old, "new_password1": new, "new_password2": new})

    answers = [change(f"guess-{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT)]
    response = change(TEST_PASSWORD)

    assert answers[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert answers[-1] == 429
    assert response.status_code == 429
    assert escape(lockout_message()) in page(response)
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    # The login page refuses the right password too: it is the same count.
    assert log_in(visitor(), user.email, TEST_PASSWORD).status_code == 429
