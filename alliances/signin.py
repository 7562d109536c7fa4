"""Signing in beyond the password: second factors required by role, re-authentication before the
acts that speak for an organisation, single sign-on, and the mail about a new device.

The portal's own login form checks the password (with its lockout, alliance_portal.throttle) and
then hands the person to django-allauth's login steps, which ask for the second factor when
they have one. allauth keeps, in the session, a record of every way the person proved who they
are; re-authentication reads the latest of those records here.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import (
    get_authentication_records,
    record_authentication,
)
from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse, ReauthenticationRequired
from allauth.core.internal.httpkit import deserialize_request
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance_portal.permissions import ConfirmedBy, Role

from .emails import send_new_device_mail
from .models import Membership, User
from .provider import NONCE, PROVIDER, REAUTHENTICATE

logger = logging.getLogger(__name__)

STAFF = "staff"
ROLE_NAMES = {**dict(Role.choices), STAFF: gettext_lazy("Staff")}


# Second factor required by role ------------------------------------------------------------------


class SecondFactorRequired(PermissionDenied):
    """The person holds a role that must use a second factor, and has none yet."""


def second_factor_required(role: str) -> bool:
    return role in settings.MFA_REQUIRED_ROLES


def has_second_factor(user) -> bool:
    """An authenticator app or a passkey; recovery codes alone are not a factor. Read once per
    user object, that is once per request."""
    if not user.is_authenticated:
        return False
    if "_has_second_factor" not in user.__dict__:
        user.__dict__["_has_second_factor"] = (
            Authenticator.objects.filter(user=user)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
            .exists()
        )
    return user.__dict__["_has_second_factor"]


def lacks_second_factor_for(user, role: str) -> bool:
    return second_factor_required(role) and not has_second_factor(user)


def roles_waiting_for_second_factor(user) -> list[str]:
    """The names of the roles the person cannot act in until they set up a second factor."""
    if not settings.MFA_REQUIRED_ROLES or has_second_factor(user):
        return []
    roles = set(
        Membership.objects.active()
        .filter(user=user, role__in=settings.MFA_REQUIRED_ROLES)
        .values_list("role", flat=True)
    )
    if user.is_staff and second_factor_required(STAFF):
        roles.add(STAFF)
    return [str(ROLE_NAMES[role]) for role in sorted(roles)]


def second_factor_setup_url(next_url: str = "") -> str:
    url = reverse("mfa_index")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# Single sign-on required by an alliance ------------------------------------------------------


def _provider_apps() -> list[dict]:
    return settings.SOCIALACCOUNT_PROVIDERS.get(PROVIDER, {}).get("APPS", [])


def configured_providers() -> dict[str, str]:
    """The single sign-on providers this portal has: name → label."""
    return {app["provider_id"]: app["name"] for app in _provider_apps()}


def provider_origins() -> list[str]:
    """Where the configured providers' login pages live (scheme and host)."""
    return sorted(
        {
            "{0.scheme}://{0.netloc}".format(urlsplit(app["settings"]["server_url"]))
            for app in _provider_apps()
        }
    )


class ProviderLoginRequired(PermissionDenied):
    """The alliance asks its members to have logged in with its provider, and this session
    did not."""

    def __init__(self, alliance):
        super().__init__()
        self.alliance = alliance


LOGIN_PROVIDERS = "_login_providers"


def providers_logged_in_with(request) -> frozenset[str]:
    """The providers this session logged in (or proved it was the person) with."""
    records = get_authentication_records(request, request.user)
    return frozenset(
        record["provider"]
        for record in records
        if record.get("method") == "socialaccount" and record.get("provider")
    )


def note_login_providers(request) -> None:
    """Keeps on the person, for the access check, the providers this session logged in with."""
    request.user.__dict__[LOGIN_PROVIDERS] = providers_logged_in_with(request)


def require_alliance_login_provider(user, alliance) -> None:
    provider = alliance.login_provider
    if not provider or provider not in configured_providers():
        return
    if provider not in user.__dict__.get(LOGIN_PROVIDERS, frozenset()):
        raise ProviderLoginRequired(alliance)


# Re-authentication -------------------------------------------------------------------------------


def _confirmed_by(record: dict) -> str | None:
    method = record.get("method")
    if method == "password":
        return ConfirmedBy.PASSWORD
    if method == "mfa":
        return record.get("type")
    if method == "socialaccount":
        return ConfirmedBy.PROVIDER
    return None


def recent_reauthentication(request) -> str | None:
    """How the person proved it was them within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds (a
    ConfirmedBy value), or None. The login itself does not count: an unattended browser that
    is still logged in must not be able to approve."""
    records = get_authentication_records(request, request.user)
    window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    for record in reversed(records):
        if record.get("reauthenticated") and time.time() - record.get("at", 0) < window:
            return _confirmed_by(record)
    return None


def require_reauthentication(request) -> str:
    """For an act that speaks for an organisation (a countersignature, an erasure, a change of
    roles, handing over the chair), called after the access check: without a recent proof the
    person is sent to prove it is them (password, code, passkey or their provider), and the
    request they posted runs once they have. Returns how they proved it (ConfirmedBy)."""
    if request.method != "POST":
        return ""
    confirmed_by = recent_reauthentication(request)
    if confirmed_by is None:
        raise ReauthenticationRequired()
    return confirmed_by


def reauthentication_options(request, next_url: str) -> list[dict]:
    """Every way this person can prove it is them, each with its address."""
    return [
        {**method, "url": f"{method['url']}?{urlencode({'next': next_url})}"}
        for method in PortalAccountAdapter(request).get_reauthentication_methods(request.user)
    ]


def reauthentication_context(request, next_url: str | None = None) -> dict:
    """What a page that asks for re-authentication shows: how the person just proved it was
    them, if they did; whether they have a password to type; the other ways, each coming back
    to this page."""
    confirmed_by = recent_reauthentication(request)
    options = [
        option
        for option in reauthentication_options(request, next_url or request.get_full_path())
        if option["id"] != "reauthenticate"
    ]
    return {
        "confirmed_by": ConfirmedBy(confirmed_by).label if confirmed_by else None,
        "has_password": request.user.has_usable_password(),
        "options": options,
    }


def _resume_suspended_post(request, next_url: str):
    """After a fresh login at the provider: the POST that asked for it, run now; else the page
    it came from."""
    state = request.session.pop(STATE_SESSION_KEY, None)
    if state and "request" in state:
        suspended = deserialize_request(state["request"], request)
        if suspended.path == next_url:
            match = resolve(suspended.path_info)
            return match.func(suspended, *match.args, **match.kwargs)
    return HttpResponseRedirect(next_url)


# The mail about a new device ----------------------------------------------------------------------


def _device_key(request) -> str:
    """The browser as the list of sessions keeps it (its user agent, cut to the column)."""
    length = UserSession._meta.get_field("user_agent").max_length
    return (request.META.get("HTTP_USER_AGENT") or "")[:length]


def mail_new_device_if_unknown(request, user) -> None:
    """An account with a second factor hears of every login from a browser it has not used."""
    if not has_second_factor(user):
        return
    current = request.session.session_key
    known = (
        UserSession.objects.filter(user=user, user_agent=_device_key(request))
        .exclude(session_key=current)
        .exists()
    )
    if not known:
        send_new_device_mail(user=user, request=request)


# Adapters -----------------------------------------------------------------------------------------


class PortalAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up with a password: accounts come by invitation (or from a provider)."""

    # allauth's own flash messages would repeat what the portal's pages already say.
    QUIET_MESSAGES = {
        "account/messages/logged_in.txt",
        "account/messages/logged_out.txt",
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        if message_template in self.QUIET_MESSAGES:
            return
        super().add_message(request, level, message_template, *args, **kwargs)

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        mail_new_device_if_unknown(request, user)
        if roles := roles_waiting_for_second_factor(user):
            messages.warning(
                request,
                _(
                    "As %(roles)s you must use a second factor. Set up an authenticator app or "
                    "a passkey to act in that role."
                )
                % {"roles": ", ".join(roles)},
            )
            return HttpResponseRedirect(second_factor_setup_url(response.get("Location", "")))
        return response

    def get_reauthentication_methods(self, user) -> list[dict]:
        methods = super().get_reauthentication_methods(user)
        if not user.is_authenticated:
            return methods
        for method in methods:
            # allauth says "security key"; the portal's word is "passkey or security key".
            if method["id"].endswith("webauthn"):
                method["description"] = _("Use a passkey or security key")
        providers = configured_providers()
        connected = SocialAccount.objects.filter(user=user, provider__in=list(providers))
        for account in connected:
            app = providers[account.provider]
            methods.append(
                {
                    "id": f"{PROVIDER}:{account.provider}",
                    "description": _("Log in again at %(provider)s") % {"provider": app},
                    "url": reverse("reauthenticate_provider", args=[account.provider]),
                }
            )
        return methods


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Someone the portal does not know gets an account with no alliance; a person it knows is
    found by an e-mail address the provider says it verified (allauth's email authentication)."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def pre_social_login(self, request, sociallogin):
        id_token = sociallogin.account.extra_data.get("id_token") or {}
        sent = sociallogin.state.get(NONCE)
        if not sent or id_token.get(NONCE) != sent:
            logger.warning("An ID token from %s came back without the nonce sent", sociallogin)
            raise ImmediateHttpResponse(self._refused(request))
        if sociallogin.user is None or sociallogin.user.pk is None:
            self._refuse_an_account_it_cannot_make(request, sociallogin)
        self._keep_invited_address_verified(sociallogin)
        if (sociallogin.state.get("data") or {}).get(REAUTHENTICATE):
            raise ImmediateHttpResponse(self._reauthenticated(request, sociallogin, id_token))

    def _refuse_an_account_it_cannot_make(self, request, sociallogin) -> None:
        """A new account needs an address, and one that no account has yet: an address the
        provider has not verified must neither open nor shadow the account that has it."""
        emails = [address.email for address in sociallogin.email_addresses]
        if not emails:
            message = _(
                "Your identity provider did not give your e-mail address, so no account could "
                "be opened. Ask your organisation's administrators, or log in with your password."
            )
        elif User.objects.filter(email__iexact=emails[0]).exists():
            message = _(
                "Your identity provider has not confirmed the address %(email)s, so it cannot "
                "open the portal account that has it. Log in with your password instead."
            ) % {"email": emails[0]}
        else:
            return
        messages.error(request, message)
        raise ImmediateHttpResponse(HttpResponseRedirect(resolve_url(settings.LOGIN_URL)))

    @staticmethod
    def _keep_invited_address_verified(sociallogin) -> None:
        """A portal account's address was verified when its invitation, mailed to it, was
        accepted: say so to allauth, which would otherwise take the password away from an
        account found by an unverified address."""
        user = sociallogin.user
        if user is None or user.pk is None or not user.email:
            return
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )

    def _refused(self, request):
        messages.error(request, _("The identity provider's answer could not be trusted."))
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))

    def _reauthenticated(self, request, sociallogin, id_token: dict):
        next_url = sociallogin.state.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
        same_person = request.user.is_authenticated and sociallogin.user == request.user
        auth_time = id_token.get("auth_time")
        fresh = auth_time is not None and time.time() - int(auth_time) < 300
        if not same_person:
            messages.error(request, _("That login is not yours. Nothing was confirmed."))
            return HttpResponseRedirect(next_url)
        if not fresh:
            messages.error(
                request, _("Your identity provider did not ask you to log in again. Try again.")
            )
            return HttpResponseRedirect(next_url)
        record_authentication(
            request,
            request.user,
            method="socialaccount",
            provider=sociallogin.account.provider,
            reauthenticated=True,
        )
        return _resume_suspended_post(request, next_url)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.preferred_language = request.LANGUAGE_CODE
        return user
