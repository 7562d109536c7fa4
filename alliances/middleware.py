"""Keeps the person's memberships for the rest of a request once something has read them."""

from __future__ import annotations

from .permissions import RequestMemberships, request_memberships

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
