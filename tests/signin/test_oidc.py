"""Single sign-on with OpenID Connect, against a real provider (panva's oidc-provider on
loopback, tests/signin/oidc_support.py) and, for the flows, real Chromium through the live
server.

A person the portal knows logs in through the provider and lands in their own account (found by
an address the provider verified); an unverified address finds nobody; someone unknown gets an
account with no alliance. The portal sends PKCE, `state` and `nonce`, checks every ID token's
signature and its nonce, re-authenticates the chair with `prompt=login` before an approval, and
says on logout that the provider's own session goes on.

The browser tests check every portal page with axe; the provider's login form is not the
portal's, so it is passed through unchecked.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from contextlib import contextmanager
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from actionplans.models import PlanVersion
from alliance_portal.permissions import Role
from alliances.models import Membership, User
from alliances.provider import NONCE, PortalOIDCAdapter
from alliances.signin import PortalSocialAccountAdapter, recent_reauthentication
from tests.e2e import conftest as e2e
from tests.e2e.conftest import CHROMIUM_ARGS, CONTEXT_OPTIONS, A11yTracker, CspWatcher
from tests.e2e.flows import log_in, log_out
from tests.factories import (
    TEST_PASSWORD,
    AllianceFactory,
    MembershipFactory,
    UserFactory,
    make_submitted_plan,
)

from . import oidc_support
from .oidc_support import PROVIDER_NAME

# The fixtures these tests share with the end-to-end tests and the provider's support module.
chromium_path = e2e.chromium_path
axe_source = e2e.axe_source
oidc_provider = oidc_support.oidc_provider
oidc_portal = oidc_support.oidc_portal

LOG_IN_BUTTON = f"Log in with {PROVIDER_NAME}"


# The browser: only the portal's pages must pass axe --------------------------------------------


class PortalPagesTracker(A11yTracker):
    """Counts only the portal's pages as visited: the provider's login form is not ours."""

    def __init__(self, page, axe_script: str, portal_url: str):
        self.portal_url = portal_url
        super().__init__(page, axe_script)

    def _on_navigated(self, frame) -> None:
        if frame.url.startswith(self.portal_url):
            super()._on_navigated(frame)


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Chromium for this module only, closed after it (see tests/e2e/conftest.py's `browser`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def _portal_page(browser, live_server, axe_source, provider):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **CONTEXT_OPTIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    tracker = PortalPagesTracker(page, axe_source, live_server.url)
    csp = CspWatcher(page)
    # Every authorisation request the browser sends to the provider, as it sent it.
    page.authorization_requests = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(provider.authorization_endpoint + "?")
            and page.authorization_requests.append(request.url)
        ),
    )

    def assert_accessible() -> None:
        tracker.check()
        csp.assert_none()

    page.assert_accessible = assert_accessible
    page.assert_nothing_refused = csp.assert_none
    yield page
    try:
        csp.assert_none()
    finally:
        context.close()
    assert tracker.unchecked() == [], "portal pages visited without an axe check"


@pytest.fixture
def sso_page(browser, live_server, axe_source, transactional_db, oidc_portal):
    """A page whose every portal page must pass axe, and which notes what it asked the
    provider for (`page.authorization_requests`)."""
    with _portal_page(browser, live_server, axe_source, oidc_portal) as page:
        yield page


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _log_in_at_provider(page, provider, login: str) -> None:
    """The provider's own login form (oidc-provider's development form: any password)."""
    try:
        page.wait_for_url(f"{provider.issuer}/interaction/**")
    except PlaywrightTimeoutError:
        # A form whose redirect to the provider the page's form-action refuses goes nowhere:
        # that is the failure to report, not the wait.
        page.assert_nothing_refused()
        raise
    expect(page.locator("input[name=login]")).to_be_visible()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("whatever the provider asks")
    page.get_by_role("button", name="Sign-in").click()


def _log_in_through_provider(page, provider, login: str) -> None:
    """From the portal's login page, through the provider, back to "My work"."""
    page.goto("/accounts/login/")
    page.assert_accessible()
    page.get_by_role("button", name=LOG_IN_BUTTON).click()
    _log_in_at_provider(page, provider, login)
    page.wait_for_url("**/my-work/")
    page.assert_accessible()


def _logged_in_user(page) -> User | None:
    """Whose session the browser holds, read from the portal's session store."""
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies(page.url)}
    key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    user_id = import_module(settings.SESSION_ENGINE).SessionStore(key).get(SESSION_KEY)
    return User.objects.filter(pk=user_id).first() if user_id else None


# Logging in -------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_known_person_logs_in_through_the_provider_with_pkce_state_and_nonce(
    sso_page, oidc_portal
):
    page = sso_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    person = MembershipFactory(alliance=alliance, role=Role.MEMBER).user
    users = User.objects.count()

    _log_in_through_provider(page, oidc_portal, person.email)

    # The same account, not a new one; the provider's account is now connected to it.
    assert _logged_in_user(page) == person
    assert User.objects.count() == users
    assert SocialAccount.objects.get(user=person).provider == oidc_portal.provider_id
    # Discovery gave the authorisation endpoint; the request carried PKCE, state and a nonce.
    [authorization] = page.authorization_requests
    sent = _query(authorization)
    assert sent["client_id"] == oidc_portal.client_id
    assert sent["response_type"] == "code"
    assert sent["redirect_uri"] == oidc_portal.redirect_uri
    assert "openid" in sent["scope"].split()
    assert sent["code_challenge_method"] == "S256"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", sent["code_challenge"])
    assert len(sent["state"]) >= 16
    assert len(sent[NONCE]) >= 16
    assert "prompt" not in sent
    # The password still works: an address the provider verified is no reason to wipe it.
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


@pytest.mark.e2e
def test_an_unverified_address_does_not_open_the_account_that_has_it(
    sso_page, oidc_portal, live_server
):
    page = sso_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    owner = MembershipFactory(
        alliance=alliance, role=Role.CHAIR, user__email="unverified-karin@example.org"
    ).user

    page.goto("/accounts/login/")
    page.assert_accessible()
    page.get_by_role("button", name=LOG_IN_BUTTON).click()
    _log_in_at_provider(page, oidc_portal, owner.email)
    # Back at the portal's login page, refused: the address is not verified, and it is taken.
    page.wait_for_url(f"{live_server.url}{reverse('login')}")
    page.assert_accessible()
    expect(page.get_by_role("alert")).to_contain_text("has not confirmed the address")
    assert _logged_in_user(page) is None
    assert not SocialAccount.objects.exists()
    assert list(User.objects.filter(email__iexact=owner.email)) == [owner]

    # The owner's password was not wiped: they log in with it as before.
    log_in(page, owner.email)
    assert _logged_in_user(page) == owner


@pytest.mark.e2e
def test_someone_unknown_gets_an_account_with_no_alliance(sso_page, oidc_portal):
    page = sso_page
    login = f"new-{secrets.token_hex(4)}@municipality.example"
    assert not User.objects.filter(email=login).exists()

    _log_in_through_provider(page, oidc_portal, login)

    newcomer = User.objects.get(email=login)
    assert _logged_in_user(page) == newcomer
    assert not Membership.objects.filter(user=newcomer).exists()
    assert SocialAccount.objects.get(user=newcomer).uid == login
    assert not newcomer.has_usable_password()


# Re-authentication before an approval ------------------------------------------------------------


@pytest.mark.e2e
def test_the_chair_logs_in_again_at_the_provider_and_approves_without_a_password(
    sso_page, oidc_portal
):
    page = sso_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    chair = MembershipFactory(alliance=alliance, role=Role.CHAIR).user
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    plan = make_submitted_plan(alliance, coordinator)
    review_url = reverse("actionplans:plan_review", args=[alliance.pk, plan.pk])

    # Linked to the provider by logging in through it.
    _log_in_through_provider(page, oidc_portal, chair.email)
    assert _logged_in_user(page) == chair

    page.goto(review_url)
    page.assert_accessible()
    page.get_by_role("link", name=f"Log in again at {PROVIDER_NAME}").click()
    page.wait_for_url("**/accounts/reauthenticate/provider/**")
    page.assert_accessible()
    page.get_by_role("button", name="Log in again").click()

    # The provider is asked for a fresh login, and asks for it though its session is alive.
    _log_in_at_provider(page, oidc_portal, chair.email)
    page.wait_for_url(f"**{review_url}")
    page.assert_accessible()
    login, again = (_query(url) for url in page.authorization_requests)
    assert "prompt" not in login
    assert again["prompt"] == "login"
    assert again["max_age"] == "0"
    assert again["code_challenge_method"] == "S256"
    assert again[NONCE] != login[NONCE]
    expect(page.get_by_role("main")).to_contain_text(
        "You confirmed it is you (new login at the identity provider)"
    )

    page.get_by_role("button", name="Approve version 1").click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text(
        "You approved version 1. Its content and hash are now frozen."
    )
    version = PlanVersion.objects.get(plan=plan)
    assert version.approved_by == chair
    assert version.approval_confirmed_by == "provider"
    assert _logged_in_user(page) == chair


# Logging out -------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_logging_out_says_the_provider_session_goes_on(sso_page, oidc_portal):
    page = sso_page
    person = UserFactory()
    _log_in_through_provider(page, oidc_portal, person.email)

    log_out(page)
    expect(page.get_by_role("main")).to_contain_text(
        f"You are logged out of Alliance Portal, but not of {PROVIDER_NAME}."
    )
    assert _logged_in_user(page) is None

    # And so it is: the provider lets them straight back in, without its login form.
    page.get_by_role("button", name=LOG_IN_BUTTON).click()
    page.wait_for_url("**/my-work/")
    page.assert_accessible()
    assert _logged_in_user(page) == person
    assert len(page.authorization_requests) == 2


# ID tokens the portal must refuse -----------------------------------------------------------------


def _request(user=None):
    request = RequestFactory().get("/accounts/oidc/municipality/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.LANGUAGE_CODE = "en"
    if user is not None:
        request.user = user
    return request


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def genuine_token(oidc_portal, db) -> str:
    return oidc_portal.id_token("someone@municipality.example", nonce="the-nonce-sent")


def _decode(oidc_portal, token: str) -> dict:
    adapter = PortalOIDCAdapter(_request(), oidc_portal.provider_id)
    return adapter._decode_id_token(adapter.get_provider().app, token)


def test_a_genuine_id_token_is_accepted(oidc_portal, genuine_token):
    claims = _decode(oidc_portal, genuine_token)
    assert claims["iss"] == oidc_portal.issuer
    assert claims["aud"] == oidc_portal.client_id
    assert claims["sub"] == "someone@municipality.example"
    assert claims[NONCE] == "the-nonce-sent"
    assert abs(time.time() - claims["auth_time"]) < 60


def _with_claims(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = {**json.loads(_unb64(payload)), **changes}
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def _foreign_key_token(token: str, **header_changes) -> str:
    """The same claims and key id, signed with a key the provider never published."""
    header = {**jwt.get_unverified_header(token), **header_changes}
    claims = jwt.decode(token, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers=header)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: _with_claims(t, email="chair@example.org"), id="claims-changed"),
        pytest.param(lambda t: _with_claims(t, nonce="another"), id="nonce-changed"),
        pytest.param(lambda t: t.rsplit(".", 1)[0] + ".", id="signature-removed"),
        pytest.param(_foreign_key_token, id="signed-with-another-key"),
        pytest.param(lambda t: _foreign_key_token(t, kid="unknown"), id="unknown-key-id"),
        pytest.param(
            lambda t: ".".join(
                [
                    _b64(
                        json.dumps(
                            {"alg": "none", "kid": jwt.get_unverified_header(t)["kid"]}
                        ).encode()
                    ),
                    t.split(".")[1],
                    "",
                ]
            ),
            id="alg-none",
        ),
    ],
)
def test_a_tampered_id_token_is_refused(oidc_portal, genuine_token, tamper):
    tampered = tamper(genuine_token)
    assert tampered != genuine_token
    with pytest.raises(OAuth2Error):
        _decode(oidc_portal, tampered)


def test_an_id_token_for_another_client_is_refused(oidc_portal, genuine_token):
    claims = jwt.decode(genuine_token, options={"verify_signature": False})
    adapter = PortalOIDCAdapter(_request(), oidc_portal.provider_id)
    app = adapter.get_provider().app
    app.client_id = "another-client"
    assert claims["aud"] == oidc_portal.client_id
    with pytest.raises(OAuth2Error):
        adapter._decode_id_token(app, genuine_token)


# The nonce --------------------------------------------------------------------------------------


def _sociallogin(oidc_portal, token_claims: dict, *, sent_nonce: str | None) -> SocialLogin:
    request = _request()
    provider = PortalOIDCAdapter(request, oidc_portal.provider_id).get_provider()
    sociallogin = provider.sociallogin_from_response(
        request, {"id_token": token_claims, "userinfo": token_claims}
    )
    sociallogin.state = {"process": "login", "data": None}
    if sent_nonce is not None:
        sociallogin.state[NONCE] = sent_nonce
    return sociallogin


@pytest.mark.parametrize(
    ("sent", "answered"),
    [("the-nonce-sent", "another-nonce"), ("the-nonce-sent", None), (None, "the-nonce-sent")],
    ids=["different", "missing-from-token", "never-sent"],
)
def test_an_id_token_without_the_nonce_sent_is_refused(oidc_portal, genuine_token, sent, answered):
    claims = _decode(oidc_portal, genuine_token)
    if answered is None:
        del claims[NONCE]
    else:
        claims[NONCE] = answered
    sociallogin = _sociallogin(oidc_portal, claims, sent_nonce=sent)
    request = _request()

    with pytest.raises(ImmediateHttpResponse) as refused:
        PortalSocialAccountAdapter(request).pre_social_login(request, sociallogin)

    assert refused.value.response.status_code == 302
    assert refused.value.response["Location"] == reverse("login")
    assert [str(m) for m in get_messages(request)] == [
        "The identity provider's answer could not be trusted."
    ]


def test_an_id_token_with_the_nonce_sent_goes_on(oidc_portal, genuine_token):
    claims = _decode(oidc_portal, genuine_token)
    # The user info a login reads beside the token: a new account needs an address.
    claims.update(email="someone@municipality.example", email_verified=True)
    sociallogin = _sociallogin(oidc_portal, claims, sent_nonce="the-nonce-sent")
    request = _request()

    assert PortalSocialAccountAdapter(request).pre_social_login(request, sociallogin) is None


# What a login at the provider proves before an approval ------------------------------------------


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("fresh", None),
        ("stale", "Your identity provider did not ask you to log in again. Try again."),
        ("someone-else", "That login is not yours. Nothing was confirmed."),
    ],
)
def test_only_a_fresh_login_of_the_same_person_confirms_it_is_them(
    oidc_portal, genuine_token, case, message
):
    chair, someone_else = UserFactory(), UserFactory()
    claims = _decode(oidc_portal, genuine_token)
    if case == "stale":  # a provider that ignored prompt=login and max_age=0
        claims["auth_time"] = int(time.time()) - 3600
    sociallogin = _sociallogin(oidc_portal, claims, sent_nonce="the-nonce-sent")
    sociallogin.user = someone_else if case == "someone-else" else chair
    sociallogin.state.update(process="redirect", data={"reauthenticate": True}, next="/plans/1/")
    request = _request(user=chair)

    with pytest.raises(ImmediateHttpResponse) as answered:
        PortalSocialAccountAdapter(request).pre_social_login(request, sociallogin)

    assert answered.value.response.status_code == 302
    assert answered.value.response["Location"] == "/plans/1/"
    assert [str(m) for m in get_messages(request)] == ([message] if message else [])
    assert recent_reauthentication(request) == (None if message else "provider")
