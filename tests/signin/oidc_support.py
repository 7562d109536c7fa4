"""A real OpenID Connect provider on loopback for the single sign-on tests: panva's
oidc-provider (tests/signin/oidc_provider.mjs, an npm devDependency), started once per test
process, with one confidential client whose redirect address is the live server's callback.

`oidc_provider` starts it; `oidc_portal` points the portal's SOCIALACCOUNT_PROVIDERS at it for
one test, as the OIDC_* variables would (alliance_portal.signin_settings._oidc_providers). Its login
form takes any login and password: the login is the account id and the e-mail address, said to
be verified unless it starts with "unverified".
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.urls import reverse

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider"

PROVIDER_ID = "municipality"
PROVIDER_NAME = "Municipality ID"
CLIENT_ID = "alliance-portal"
START_SECONDS = 20


def _missing(what: str):
    message = f"{what} is missing: run `make test`, which installs it (npm ci)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class OIDCProvider:
    """The running provider and its one client."""

    issuer: str
    client_secret: str
    redirect_uri: str
    client_id: str = CLIENT_ID
    provider_id: str = PROVIDER_ID
    name: str = PROVIDER_NAME
    log: Path = field(default=Path(os.devnull), compare=False)

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/auth"

    def app(self) -> dict:
        """The provider's entry in SOCIALACCOUNT_PROVIDERS["portal_oidc"]["APPS"], as
        alliance_portal.settings builds it from the OIDC_* variables."""
        return {
            "provider_id": self.provider_id,
            "name": self.name,
            "client_id": self.client_id,
            "secret": self.client_secret,
            "settings": {"server_url": self.issuer, "oauth_pkce_enabled": True},
        }

    def id_token(self, login: str, *, nonce: str) -> str:
        """A genuine ID token for `login`, signed by the provider: the authorisation code flow
        with PKCE, driven over plain HTTP (the login form posted as a browser would), then the
        code exchanged at the token endpoint as the portal exchanges it."""
        verifier, challenge = _pkce()
        state = secrets.token_urlsafe(16)
        with requests.Session() as session:
            session.trust_env = False
            query = urlencode(
                {
                    "client_id": self.client_id,
                    "redirect_uri": self.redirect_uri,
                    "response_type": "code",
                    "scope": "openid email",
                    "state": state,
                    "nonce": nonce,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                }
            )
            response = session.get(f"{self.authorization_endpoint}?{query}", allow_redirects=False)
            logged_in = False
            for _hop in range(10):
                assert response.is_redirect, (response.status_code, response.text[:500])
                location = urljoin(response.url, response.headers["Location"])
                if location.startswith(self.redirect_uri):
                    break
                if "/interaction/" in location and not logged_in:
                    response = session.post(
                        location,
                        data={"prompt": "login", "login": login, "password": "any"},
                        allow_redirects=False,
                    )
                    logged_in = True
                else:
                    response = session.get(location, allow_redirects=False)
            else:
                raise AssertionError("the provider never sent the browser back to the portal")
            answer = parse_qs(urlsplit(location).query)
            assert answer["state"] == [state], answer
            tokens = session.post(
                f"{self.issuer}/token",
                data={
                    "grant_type": "authorization_code",
                    "code": answer["code"][0],
                    "redirect_uri": self.redirect_uri,
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "code_verifier": verifier,
                },
                timeout=10,
            )
            tokens.raise_for_status()
            return tokens.json()["id_token"]


def _wait_for_listening(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        if not ready:
            break
        line = process.stdout.readline()
        if not line:  # the process ended
            break
        if line.startswith("listening "):
            return line.split(" ", 1)[1].strip()
    process.kill()
    process.wait()
    raise RuntimeError(f"the OpenID Connect provider did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory) -> Iterator[OIDCProvider]:
    """oidc-provider on a free loopback port, for the whole test process. Its client may come
    back only to the live server's callback address for PROVIDER_ID."""
    node = shutil.which("node")
    if not node:
        _missing("Node.js")
    if not (PACKAGE / "package.json").exists():
        _missing("oidc-provider")
    callback = reverse("portal_oidc_callback", kwargs={"provider_id": PROVIDER_ID})
    redirect_uri = f"{live_server.url}{callback}"
    secret = secrets.token_urlsafe(32)
    log = tmp_path_factory.mktemp("oidc-provider") / "stderr.log"
    with log.open("w") as stderr:
        # The secret travels in the environment, not on a command line anyone can list.
        process = subprocess.Popen(
            [node, str(SCRIPT), "--port", "0", "--redirect-uri", redirect_uri],
            cwd=ROOT,
            env={**os.environ, "OIDC_TEST_CLIENT_ID": CLIENT_ID, "OIDC_TEST_CLIENT_SECRET": secret},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        issuer = _wait_for_listening(process, log)
        yield OIDCProvider(issuer=issuer, client_secret=secret, redirect_uri=redirect_uri, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.fixture
def oidc_portal(settings, oidc_provider) -> OIDCProvider:
    """The portal offers "Log in with Municipality ID", pointing at the provider, for this
    test only (the live server reads the same settings)."""
    settings.SOCIALACCOUNT_PROVIDERS = {"portal_oidc": {"APPS": [oidc_provider.app()]}}
    return oidc_provider
