"""Every view says which HTTP methods it accepts, so a form posted to the wrong address answers
405 instead of a page that silently ignores it."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.generic import View

# Django's own admin site checks methods itself and is not the portal's code.
EXEMPT_NAMESPACES = {"admin"}
ALL_METHODS = {method.upper() for method in View.http_method_names}


def url_patterns(resolver=None, prefix="", namespace=""):
    """Every URL pattern of the URLconf as (route, view name, view callable), includes unfolded."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            if (pattern.namespace or "") in EXEMPT_NAMESPACES:
                continue
            yield from url_patterns(pattern, route, full)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            yield route, name, pattern.callback


def declared_methods(view) -> set[str] | None:
    """The methods a view accepts, as its declaration says; None when it declares none.

    Function views declare them with Django's `require_http_methods` family (`require_GET`,
    `require_POST`, `require_safe`), found anywhere in the chain of wrapping decorators. Class
    views declare them by narrowing `http_method_names`.
    """
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        names = getattr(view, "view_initkwargs", {}).get(
            "http_method_names", view_class.http_method_names
        )
        methods = {name.upper() for name in names}
        return None if methods >= ALL_METHODS else methods
    function = view
    while function is not None:
        # `functools.wraps` copies the view's name onto the wrapper; its code keeps its own.
        if function.__code__.co_qualname.startswith("require_http_methods."):
            cells = dict(
                zip(function.__code__.co_freevars, function.__closure__ or (), strict=True)
            )
            return set(cells["request_method_list"].cell_contents)
        function = getattr(function, "__wrapped__", None)
    return None


def test_the_check_sees_django_s_method_decorators():
    from django.views.decorators.http import require_GET, require_http_methods, require_POST

    def plain(request):
        return None

    assert declared_methods(plain) is None
    assert declared_methods(require_POST(plain)) == {"POST"}
    assert declared_methods(require_GET(plain)) == {"GET"}
    assert declared_methods(require_http_methods(["GET", "POST"])(plain)) == {"GET", "POST"}
    assert declared_methods(View.as_view()) is None
    assert declared_methods(View.as_view(http_method_names=["get"])) == {"GET"}


def test_every_view_declares_the_methods_it_accepts():
    patterns = list(url_patterns())
    assert len(patterns) > 100  # the walk reached into every app's URLconf
    undeclared = [
        f"{name or route} ({view.__module__}.{view.__qualname__})"
        for route, name, view in patterns
        if declared_methods(view) is None
    ]
    assert undeclared == [], "Views without require_http_methods or http_method_names:\n" + (
        "\n".join(undeclared)
    )


def test_the_login_page_answers_head_for_monitoring(client, db):
    """Uptime monitors often ask with HEAD: the login page answers it like GET."""
    assert client.head(reverse("login")).status_code == 200
    assert client.put(reverse("login")).status_code == 405
