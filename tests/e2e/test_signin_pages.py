"""The sign-in pages the walk of every page does not reach by links (they need a second factor
set up, a fresh proof, or a provider): each opened in Chromium as a person gets there, checked
with axe, and for sideways scrolling at a laptop's, a tablet's and a phone's width, in English
and Arabic (right to left); in the other languages at the laptop's width."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from alliance_portal.permissions import Role
from alliances.models import Alliance
from tests.factories import TEST_PASSWORD, AllianceFactory, MembershipFactory

from .test_every_page import OVERFLOW_SCRIPT, VIEWPORT_HEIGHT, WIDTHS

PROVIDER = {
    "provider_id": "municipality",
    "name": "Municipality ID",
    "client_id": "portal",
    "secret": "not-used-here",
    "settings": {"server_url": "http://127.0.0.1:9/", "oauth_pkce_enabled": True},
}
LAPTOP = WIDTHS[0]


def _check(page, widths) -> None:
    """axe at the laptop's width (with the page's Content-Security-Policy), then no sideways
    scrolling at each width."""
    page.set_viewport_size({"width": LAPTOP, "height": VIEWPORT_HEIGHT})
    page.assert_accessible()
    for width in widths:
        page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
        overflow = page.evaluate(OVERFLOW_SCRIPT)
        assert not overflow, f"{page.url} at {width} px scrolls sideways: {overflow}"
    page.set_viewport_size({"width": LAPTOP, "height": VIEWPORT_HEIGHT})


def _log_in(page, email: str) -> None:
    page.goto(reverse("login"))
    page.assert_accessible()
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form[novalidate] button[type=submit]").first.click()
    page.wait_for_load_state("load")


def _prove_with_password(page, next_url: str, widths) -> None:
    page.goto(f"{reverse('account_reauthenticate')}?next={next_url}")
    _check(page, widths)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(next_url)))


@pytest.mark.parametrize("language", ["en", "ar", "sv", "da", "fr", "nl"])
def test_every_sign_in_page_in_each_language(a11y_page, settings, language):
    settings.SOCIALACCOUNT_PROVIDERS = {"portal_oidc": {"APPS": [PROVIDER]}}
    widths = WIDTHS if language in ("en", "ar") else (LAPTOP,)
    page = a11y_page
    alliance = AllianceFactory()
    Alliance.objects.filter(pk=alliance.pk).update(login_provider="municipality")
    secured = MembershipFactory(
        alliance=alliance, role=Role.MEMBER, user__preferred_language=language
    ).user
    secret = pyotp.random_base32()
    TOTP.activate(secured, secret)
    RecoveryCodes.activate(secured)
    SocialAccount.objects.create(user=secured, provider="municipality", uid=secured.email)
    newcomer = MembershipFactory(
        alliance=alliance, role=Role.MEMBER, user__preferred_language=language
    ).user

    # The login's second step, then a fresh proof, then what it opens.
    _log_in(page, secured.email)
    page.wait_for_url(re.compile(reverse("mfa_authenticate")))
    _check(page, widths)
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.locator("main form[novalidate] button[type=submit]").click()
    page.wait_for_url(re.compile(reverse("mywork:index")))
    page.assert_accessible()
    _prove_with_password(page, reverse("mfa_index"), widths)
    _check(page, widths)
    for name in (
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
        "mfa_add_webauthn",
        "mfa_list_webauthn",
        "usersessions_list",
        "socialaccount_connections",
    ):
        page.goto(reverse(name))
        assert page.url.endswith(reverse(name)), f"{name} sent the page to {page.url}"
        _check(page, widths)
    page.goto(reverse("reauthenticate_provider", args=["municipality"]))
    _check(page, widths)
    # The alliance asks for its provider's login: its pages show the way there.
    response = page.goto(reverse("dashboard:alliance", args=[alliance.pk]))
    assert response.status == 403
    _check(page, widths)

    # Someone with no second factor yet sets up the authenticator app.
    page.context.clear_cookies()
    _log_in(page, newcomer.email)
    page.wait_for_url(re.compile(reverse("mywork:index")))
    page.assert_accessible()
    _prove_with_password(page, reverse("mfa_activate_totp"), widths)
    _check(page, widths)
