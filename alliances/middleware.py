"""Keeps the person's memberships for the rest of a request once something has read them."""

from __future__ import annotations

import time

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .account_views import allow_provider_forms, login_providers
from .models import Membership
from .permissions import RequestMemberships, active_memberships_of, request_memberships
from .signin import (
    STAFF,
    ProviderLoginRequired,
    SecondFactorRequired,
    lacks_second_factor_for,
    note_login_providers,
    second_factor_setup_url,
)

# Requests that change nothing: a request that may change a membership reads it afresh.
SAFE_METHODS = frozenset({"GET", "HEAD"})


class RequestMembershipsMiddleware:
    """The access check and the app shell both need the person's memberships: on a page that
    changes nothing they are read once, on first use (alliances.permissions.RequestMemberships)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        token = request_memberships.set(RequestMemberships(request))
        try:
            return self.get_response(request)
        finally:
            request_memberships.reset(token)


# The pages only staff may open: the admin site and the health page.
STAFF_PAGES = ("/admin/", "/health/")


class SecondFactorRequiredMiddleware:
    """A person in a role that must use a second factor, who has none, is sent to set one up
    instead of a bare 403 (alliances.signin.SecondFactorRequired); staff likewise before the
    admin site and the health page. An alliance that asks for its provider's login shows the
    way to it (alliances.signin.ProviderLoginRequired)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            note_login_providers(request)
        if (
            request.path.startswith(STAFF_PAGES)
            and user.is_authenticated
            and user.is_staff
            and lacks_second_factor_for(user, STAFF)
        ):
            return self._to_setup(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, SecondFactorRequired):
            return self._to_setup(request)
        if isinstance(exception, ProviderLoginRequired):
            return self._to_provider(request, exception.alliance)
        return None

    @staticmethod
    def _to_provider(request, alliance):
        provider = next((p for p in login_providers() if p["id"] == alliance.login_provider), None)
        page = render(
            request,
            "alliances/provider_required.html",
            {"alliance": alliance, "provider": provider, "next": request.get_full_path()},
            status=403,
        )
        return allow_provider_forms(request, page)

    @staticmethod
    def _to_setup(request):
        messages.warning(
            request,
            _(
                "Your role asks for a second factor. Set up an authenticator app or a passkey, "
                "then try again."
            ),
        )
        back = request.get_full_path() if request.method == "GET" else ""
        return HttpResponseRedirect(second_factor_setup_url(back))


# Keys in the session: when the person was last active, and the idle limit their roles set.
LAST_ACTIVE = "portal_last_active"
IDLE_LIMIT = "portal_idle_limit"
# The time of the last activity is written at most this often, not on every request.
ACTIVITY_RESOLUTION_SECONDS = 60


def start_activity_clock(request, user, now: float | None = None) -> None:
    """Notes the person's activity in their session (and in the list of their sessions), with
    the idle limit their roles set. Also called when they log in, so the first pages after a
    login write nothing."""
    session = request.session
    session[LAST_ACTIVE] = now if now is not None else time.time()
    session[IDLE_LIMIT] = IdleTimeoutMiddleware.limit_seconds(user)
    if session.session_key:
        UserSession.objects.filter(session_key=session.session_key).update(
            last_seen_at=timezone.now()
        )


class IdleTimeoutMiddleware:
    """Ends a session left idle: after IDLE_TIMEOUT_MINUTES_PRIVILEGED for chairs, coordinators
    and staff (by default), after IDLE_TIMEOUT_MINUTES for everyone else. A page's own
    background requests (htmx polling) are not activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        session = request.session
        last_active = session.get(LAST_ACTIVE)
        limit = session.get(IDLE_LIMIT)
        if last_active is not None and limit is not None and now - last_active > limit:
            return self._logged_out(request, limit)
        background = request.method == "GET" and request.headers.get("HX-Request") == "true"
        stale = last_active is None or now - last_active >= ACTIVITY_RESOLUTION_SECONDS
        if stale and not (background and last_active is not None):
            start_activity_clock(request, user, now)
        return self.get_response(request)

    @staticmethod
    def limit_seconds(user) -> int:
        privileged = settings.IDLE_TIMEOUT_PRIVILEGED_ROLES
        kept = active_memberships_of(user)
        if kept is not None:
            holds_privileged_role = any(m.role in privileged for m in kept)
        else:
            holds_privileged_role = (
                Membership.objects.active().filter(user=user, role__in=privileged).exists()
            )
        if (user.is_staff and STAFF in privileged) or holds_privileged_role:
            return settings.IDLE_TIMEOUT_MINUTES_PRIVILEGED * 60
        return settings.IDLE_TIMEOUT_MINUTES * 60

    @staticmethod
    def _logged_out(request, limit: int):
        logout(request)
        minutes = limit // 60
        messages.info(
            request,
            ngettext(
                "You were logged out after %(minutes)d minute without activity.",
                "You were logged out after %(minutes)d minutes without activity.",
                minutes,
            )
            % {"minutes": minutes},
        )
        login_url = resolve_url(settings.LOGIN_URL)
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        back = request.get_full_path() if request.method == "GET" else ""
        return HttpResponseRedirect(
            f"{login_url}?{urlencode({'next': back})}" if back else login_url
        )
