"""Limits on guessing secrets and on requests that cost the portal or a person something.

Wrong passwords, on the login pages and when the chair enters theirs again to approve a plan,
are counted by django-axes in the database, per account and per client address. An account
over LOGIN_FAILURE_LIMIT, or an address over LOGIN_ADDRESS_FAILURE_LIMIT, is locked for
LOGIN_LOCKOUT_MINUTES after its latest try, and even the right password is refused until then.

Requests that send a mail, check a one-time code or parse an upload are counted by
django-ratelimit in the cache (Redis when REDIS_URL is set, so every process counts together)
at the rates in THROTTLE_RATES; a request over its rate is answered with the time to wait.
"""

from __future__ import annotations

import ipaddress
import logging
import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from .client_address import client_ip

logger = logging.getLogger(__name__)

# The code of a form error that says the person must wait: such a page answers 429.
THROTTLED = "throttled"
# An IPv6 client usually holds a whole /64 and could change address for every try.
IPV6_PREFIX = 64


def throttle_address(request) -> str | None:
    """The client's address as it is counted: client_ip(), an IPv6 address widened to its /64."""
    address = client_ip(request)
    if address and ":" in address:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return address


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def wait_message(seconds: float) -> str:
    """Too many requests: how long to wait, in whole minutes rounded up."""
    minutes = _minutes(seconds)
    return ngettext(
        "Too many attempts. Wait %(minutes)d minute, then try again.",
        "Too many attempts. Wait %(minutes)d minutes, then try again.",
        minutes,
    ) % {"minutes": minutes}


def lockout_message() -> str:
    """Too many wrong passwords; a try while locked starts the wait again, so it is always the
    full lockout time."""
    minutes = _minutes(settings.AXES_COOLOFF_TIME.total_seconds())
    return ngettext(
        "Too many wrong passwords were entered for this account or from your network, so no "
        "password is accepted for %(minutes)d minute. Wait, then try again.",
        "Too many wrong passwords were entered for this account or from your network, so no "
        "password is accepted for %(minutes)d minutes. Wait, then try again.",
        minutes,
    ) % {"minutes": minutes}


def throttled_page(request, message: str):
    return render(request, "throttled.html", {"message": message}, status=429)


# Wrong passwords (django-axes) ------------------------------------------------------------------


def login_username(request, credentials: dict | None) -> str | None:
    """The account a login names, as accounts are stored: e-mail addresses are matched without
    regard to case, so "Anna@…" and "anna@…" are one account to count."""
    source = credentials if credentials is not None else request.POST
    username = source.get("username")
    if not isinstance(username, str) or not username.strip():
        return None
    return username.strip().lower()[: AccessAttempt._meta.get_field("username").max_length]


def _total(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginFailureHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own per client address.

    Several people can share an office's address, so one of them mistyping must not lock the
    others out as soon as an account would be; a whole address is locked only after
    LOGIN_ADDRESS_FAILURE_LIMIT wrong passwords, for any accounts.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Failures measured against AXES_FAILURE_LIMIT, the account's limit: the account's
        own, or that limit itself once the address has used up its own."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_account = _total(recent.filter(username=username)) if username else 0
        by_address = _total(recent.filter(ip_address=request.axes_ip_address))
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful login clears its own account's failures only: clearing its address's
        too would let anyone with an account guess at other accounts afresh."""
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request, original_response=None, credentials=None):
    """What a login that hit the lockout answers (AXES_LOCKOUT_CALLABLE): the view's own page
    when it already explains the wait with a 429, else a page that does."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    return throttled_page(request, lockout_message())


def password_refused(request, user) -> str | None:
    """Before checking `user`'s password again: the lockout message when the account or the
    client's address is locked, else None. A try while locked counts like a failed login, so
    the wait is the same as on the login page."""
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return lockout_message()


def password_failed(request, user) -> str | None:
    """After a wrong password for `user`: counts it as a failed login; the lockout message when
    it was one too many, else None."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    return lockout_message() if getattr(request, "axes_locked_out", False) else None


# Requests per address (django-ratelimit) --------------------------------------------------------


def over_limit(request, scope: str, *, key: str | None = None) -> str | None:
    """Counts this request against THROTTLE_RATES[scope] for the client's address, or for `key`
    (an e-mail address, say); the message to answer with when that is over its rate, else None.

    Should the cache be unreachable the request goes ahead: refusing everyone would be worse,
    and every secret guessed here has a limit of its own in the database.
    """
    value = key if key is not None else throttle_address(request) or "unknown"
    try:
        usage = get_usage(
            request,
            group=f"throttle.{scope}",
            key=lambda _group, _request: value,
            rate=settings.THROTTLE_RATES[scope],
            increment=True,
        )
    except Exception:
        logger.exception("Could not count a request for %s; letting it through", scope)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return wait_message(usage["time_left"])
