"""Settings for signing in beyond the password: second factors, single sign-on with OpenID
Connect, re-authentication and sessions (django-allauth; alliances/signin.py). Star-imported by
settings.py, driven by the environment like the rest (README "Signing in")."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list

_DEBUG = env_bool("DEBUG", default=False)

# django-allauth runs every step after the portal's own password form (alliances/signin.py).
ACCOUNT_ADAPTER = "alliances.signin.PortalAccountAdapter"
SOCIALACCOUNT_ADAPTER = "alliances.signin.PortalSocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# The portal's own mails say what changed on an account (alliances/emails.py); allauth's are off.
ACCOUNT_EMAIL_NOTIFICATIONS = False
# Authenticator codes, recovery codes and passkeys or security keys.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = os.environ.get("MFA_ISSUER", "Alliance Portal")
# WebAuthn needs https, except on localhost, which browsers treat as secure (the demo, the tests).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = _DEBUG or env_bool("WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)
# Which roles must use a second factor before they may act in that role: any of chair,
# secretary, coordinator, member, observer, and "staff" for the portal's staff.
MFA_REQUIRED_ROLES = frozenset(env_list("MFA_REQUIRED_ROLES", "chair,coordinator,staff"))
# How long a proof that "it is really me" (password, code, passkey, a fresh login at the
# provider) lets a person approve, countersign, erase or change roles without another.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_SECONDS", 300)
# Idle time after which a session ends: shorter for the roles that hold the most.
IDLE_TIMEOUT_MINUTES_PRIVILEGED = env_int("IDLE_TIMEOUT_MINUTES_PRIVILEGED", 30)
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 8 * 60)
IDLE_TIMEOUT_PRIVILEGED_ROLES = frozenset(
    env_list("IDLE_TIMEOUT_PRIVILEGED_ROLES", "chair,coordinator,staff")
)
# The list of a person's sessions ("log out the others"): each login adds its row, and the idle
# timeout's clock (alliances.middleware) updates its last activity once a minute, not on every
# request as allauth's own tracking would.
USERSESSIONS_TRACK_ACTIVITY = False
# Single sign-on with OpenID Connect providers, named in OIDC_PROVIDERS ("entra,keycloak"); each
# NAME has OIDC_<NAME>_SERVER_URL, _CLIENT_ID, _SECRET and optionally _LABEL (README).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_ONLY = False


def _oidc_providers() -> list[dict]:
    providers = []
    for name in env_list("OIDC_PROVIDERS", ""):
        prefix = f"OIDC_{name.upper().replace('-', '_')}_"
        missing = [
            f"{prefix}{key}"
            for key in ("SERVER_URL", "CLIENT_ID", "SECRET")
            if not os.environ.get(f"{prefix}{key}")
        ]
        if missing:
            raise ImproperlyConfigured(f"OIDC provider {name!r} needs {', '.join(missing)}")
        providers.append(
            {
                "provider_id": name.lower(),
                "name": os.environ.get(f"{prefix}LABEL", name),
                "client_id": os.environ[f"{prefix}CLIENT_ID"],
                "secret": os.environ[f"{prefix}SECRET"],
                "settings": {
                    "server_url": os.environ[f"{prefix}SERVER_URL"],
                    "oauth_pkce_enabled": True,
                },
            }
        )
    return providers


SOCIALACCOUNT_PROVIDERS = {"portal_oidc": {"APPS": _oidc_providers()}}
