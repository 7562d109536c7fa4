"""A person's sessions in two browsers: "log out the others" from one ends the other, and a
session left idle past its role's limit ends on its next page."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from alliances.middleware import LAST_ACTIVE
from tests.factories import TEST_PASSWORD

from .flows import log_in


@pytest.fixture
def signin_rules(portal_signin_rules):
    return portal_signin_rules


def _session_of(page) -> SessionStore:
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    return SessionStore(session_key=cookie["value"])


def test_log_out_the_other_browser(a11y_page, second_a11y_page, cast):
    laptop, phone = a11y_page, second_a11y_page
    log_in(laptop, cast.member.email)
    log_in(phone, cast.member.email)

    laptop.goto("/accounts/profile/")
    laptop.assert_accessible()
    laptop.get_by_role("link", name="Sessions").click()
    laptop.assert_accessible()
    sessions = laptop.get_by_role("main").get_by_role("row")
    expect(sessions).to_have_count(3)  # the heading row and one row per browser
    laptop.get_by_role("button", name="Sign Out Other Sessions").click()
    if "/accounts/reauthenticate/" in laptop.url:
        laptop.assert_accessible()
        laptop.get_by_label("Password").fill(TEST_PASSWORD)
        laptop.get_by_role("button", name="Confirm").click()
    laptop.wait_for_load_state("load")
    laptop.assert_accessible()

    phone.goto("/my-work/")
    phone.wait_for_url(re.compile(r"/accounts/login/"))
    phone.assert_accessible()
    laptop.goto("/my-work/")
    expect(laptop).to_have_url(re.compile(r"/my-work/$"))
    laptop.assert_accessible()


def test_an_idle_chair_is_logged_out_a_busy_member_is_not(
    a11y_page, second_a11y_page, cast, signin_rules
):
    # The chair's role asks for a second factor: a secret set up beforehand keeps the test on
    # the idle rule (tests/signin covers setting one up).
    secret = pyotp.random_base32()
    TOTP.activate(cast.chair, secret)
    chair, member = a11y_page, second_a11y_page
    log_in(member, cast.member.email)
    chair.goto("/accounts/login/")
    chair.assert_accessible()
    chair.get_by_label("Email address").fill(cast.chair.email)
    chair.get_by_label("Password").fill(TEST_PASSWORD)
    chair.get_by_role("button", name="Log in", exact=True).click()
    chair.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    chair.assert_accessible()
    expect(chair.get_by_role("main")).to_contain_text("Enter the code from your authenticator app")
    chair.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    chair.get_by_role("button", name="Log in", exact=True).click()
    chair.wait_for_url(re.compile(r"/my-work/"))
    chair.assert_accessible()

    # Both sessions were last active 31 minutes ago.
    for page in (chair, member):
        session = _session_of(page)
        session[LAST_ACTIVE] = session[LAST_ACTIVE] - 31 * 60
        session.save()

    chair.goto("/my-work/")
    chair.wait_for_url(re.compile(r"/accounts/login/"))
    expect(chair.get_by_role("main")).to_contain_text(
        "You were logged out after 30 minutes without activity."
    )
    chair.assert_accessible()
    member.goto("/my-work/")
    expect(member).to_have_url(re.compile(r"/my-work/$"))
    member.assert_accessible()
