"""Project-wide middleware: the user's language, and request facts for the audit log."""

from __future__ import annotations

from django.utils import translation

from alliance_portal.client_address import client_ip
from alliance_portal.request_context import request_ip


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the browser's and the cookie's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "preferred_language", "") if user else ""
        if user is not None and user.is_authenticated and language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class AuditContextMiddleware:
    """Makes the client's IP address available to audit_record() without passing requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)
