"""django-allauth's pages the portal uses (second factors, sessions, re-authentication, the
single sign-on steps), each view declaring the methods it accepts like the portal's own: a page
or a form, never anything else (tests/test_http_methods.py)."""

from __future__ import annotations

from allauth.account import views as allauth_account_views
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.http import require_http_methods

from .account_views import reauthenticate_provider_go, reauthenticate_provider_page

PAGE_OR_FORM = ["GET", "HEAD", "POST"]


def _flattened(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _flattened(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _page_or_form(view):
    declared = require_http_methods(PAGE_OR_FORM)(view)
    # functools.wraps copied the class view's marks: the wrapper is a function view now.
    declared.__dict__.pop("view_class", None)
    declared.__dict__.pop("view_initkwargs", None)
    return declared


def _declared(module: str, prefix: str) -> list:
    patterns = include(module)[0].urlpatterns
    declared = []
    for route, pattern in _flattened(patterns, prefix):
        view = _page_or_form(pattern.callback)
        if route.startswith("^"):
            declared.append(re_path(route, view, name=pattern.name))
        else:
            declared.append(path(route, view, name=pattern.name))
    return declared


urlpatterns = [
    *_declared("allauth.mfa.urls", "2fa/"),
    *_declared("allauth.usersessions.urls", "sessions/"),
    path(
        "reauthenticate/",
        _page_or_form(allauth_account_views.reauthenticate),
        name="account_reauthenticate",
    ),
    path(
        "reauthenticate/provider/<slug:provider_id>/",
        reauthenticate_provider_page,
        name="reauthenticate_provider",
    ),
    path(
        "reauthenticate/provider/<slug:provider_id>/go/",
        reauthenticate_provider_go,
        name="reauthenticate_provider_go",
    ),
    *_declared("alliances.oidc_urls", "oidc/"),
    *_declared("allauth.socialaccount.urls", "social/"),
]
