"""A chair registers a passkey (Chromium's virtual authenticator, through the DevTools protocol),
logs in again with the password and the passkey as the second factor, then confirms it is them
with the passkey on the review page of a submitted plan and approves it without the password.

Every page on the way is checked with axe, and the page fixture fails the test on anything the
Content-Security-Policy refused (allauth's own WebAuthn scripts included)."""

from __future__ import annotations

import re

from allauth.mfa.models import Authenticator
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, make_submitted_plan

from .flows import log_in, log_out

PASSKEY_NAME = "Chair's laptop"
# Each ceremony ends in a form that allauth's script posts; a credential the server refuses
# shows the same page again, so the test waits for the address that follows success.
MY_WORK = "**/my-work/"


def _virtual_authenticator(page) -> tuple[object, str]:
    """A platform authenticator (a passkey) that verifies the person and answers at once, for
    this page across its navigations."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _credentials(cdp, authenticator_id: str) -> list[dict]:
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def _register_passkey(page, settings) -> None:
    """Adds a passkey from allauth's page, after confirming the password as allauth asks when
    the last proof is older than ACCOUNT_REAUTHENTICATION_TIMEOUT. The login a moment ago is
    made old for that one request (a timeout of 0), so the password step is always taken."""
    window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    page.goto(reverse("mfa_add_webauthn"))
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = window
    page.wait_for_url("**" + reverse("account_reauthenticate") + "?next=*")
    page.assert_accessible()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**" + reverse("mfa_add_webauthn"))
    page.assert_accessible()
    page.get_by_label("Name").fill(PASSKEY_NAME)
    page.get_by_role("button", name="Add", exact=True).click()
    # The first second factor comes with recovery codes, which allauth shows at once.
    page.wait_for_url("**" + reverse("mfa_view_recovery_codes"))
    page.assert_accessible()


def test_chair_logs_in_with_a_passkey_and_approves_a_plan_with_it(
    a11y_page, live_server, cast, settings
):
    # http://localhost is a secure context for WebAuthn; allauth must accept its origin too.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    page = a11y_page
    # The RP ID allauth offers is the request's host, which must be a domain, not 127.0.0.1.
    assert live_server.url.startswith("http://localhost:"), live_server.url
    chair = cast.chair
    plan = make_submitted_plan(alliance=cast.alliance, actor=cast.coordinator)
    version = plan.versions.get(number=plan.version)
    console_errors: list[str] = []
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )
    cdp, authenticator_id = _virtual_authenticator(page)

    # The chair adds a passkey and finds it in the list.
    log_in(page, chair.email)
    _register_passkey(page, settings)
    assert len(_credentials(cdp, authenticator_id)) == 1, console_errors
    page.goto(reverse("mfa_list_webauthn"))
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text(PASSKEY_NAME)
    passkeys = Authenticator.objects.filter(user=chair, type=Authenticator.Type.WEBAUTHN)
    assert passkeys.count() == 1
    assert passkeys.get().wrap().name == PASSKEY_NAME

    # The next login asks for the second factor after the password: the passkey answers it.
    page.goto(reverse("mywork:index"))
    page.assert_accessible()
    log_out(page)
    page.get_by_label("Email address").fill(chair.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**" + reverse("mfa_authenticate") + "**")
    page.assert_accessible()
    # The passkey comes first; the recovery codes made with it are the way below.
    expect(page.get_by_role("main")).to_contain_text("Confirm with your passkey or security key.")
    expect(page.get_by_role("heading", name="Or enter a code")).to_be_visible()
    page.get_by_role("button", name="Use a passkey or security key").click()
    page.wait_for_url(MY_WORK)
    page.assert_accessible()

    # On the review page the chair confirms it is them with the passkey, not the password.
    review_url = reverse("actionplans:plan_review", args=[cast.alliance.pk, plan.pk])
    page.goto(review_url)
    page.assert_accessible()
    approve = page.locator("section", has=page.locator("#approve-heading"))
    expect(approve).to_contain_text("Or confirm it is you another way:")
    approve.get_by_role("link", name=re.compile("security key|passkey", re.IGNORECASE)).click()
    page.wait_for_url("**" + reverse("mfa_reauthenticate_webauthn") + "**")
    page.assert_accessible()
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url("**" + review_url)
    page.assert_accessible()
    expect(approve).to_contain_text("You confirmed it is you (passkey or security key).")
    expect(approve.get_by_label("Password")).to_have_count(0)
    approve.get_by_role("button", name=f"Approve version {version.number}").click()
    expect(page.get_by_text(f"You approved version {version.number}.")).to_be_visible()
    page.assert_accessible()

    version.refresh_from_db()
    assert version.approved_by == chair
    assert version.approved_at is not None
    assert version.approval_confirmed_by == "webauthn"
    assert Authenticator.objects.filter(user=chair, type=Authenticator.Type.WEBAUTHN).count() == 1
    assert not [e for e in console_errors if "Content Security Policy" not in e], console_errors
