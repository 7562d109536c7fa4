"""Single sign-on with OpenID Connect providers (Microsoft Entra ID, Keycloak, any other).

django-allauth's OpenID Connect provider, made strict where the portal needs it: every ID token's
signature is checked against the provider's published keys (allauth skips that for a token read
straight from the token endpoint), and each login sends a `nonce` that the ID token must carry
back (alliances.signin.PortalSocialAccountAdapter compares them). PKCE and `state` are allauth's.
allauth finds `provider_classes` here because `alliances` is an installed app.
"""

from __future__ import annotations

import secrets

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.urls import reverse

PROVIDER = "portal_oidc"
# The state's key for the nonce sent with the login, and for a login that only re-proves who
# someone is (the chair before an approval): AuthProcess.REDIRECT logs nobody in.
NONCE = "nonce"
REAUTHENTICATE = "reauthenticate"


class PortalOIDCAdapter(OpenIDConnectOAuth2Adapter):
    def _decode_id_token(self, app, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )

    def get_callback_url(self, request, app):
        callback_url = reverse(f"{PROVIDER}_callback", kwargs={"provider_id": self.provider_id})
        return build_absolute_uri(request, callback_url, self.redirect_uri_protocol)


class PortalOIDCProvider(OpenIDConnectProvider):
    id = PROVIDER
    name = "OpenID Connect"
    oauth2_adapter_class = PortalOIDCAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params[NONCE] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )

    def reauthenticate(self, request, next_url: str):
        """Sends the person to their provider to log in afresh (`prompt=login`, `max_age=0`);
        coming back proves it is them and logs nobody else in."""
        auth_params = {**self.get_auth_params(), "prompt": "login", "max_age": "0"}
        return self.redirect(
            request,
            AuthProcess.REDIRECT,
            next_url=next_url,
            data={REAUTHENTICATE: True},
            auth_params=auth_params,
        )


provider_classes = [PortalOIDCProvider]
