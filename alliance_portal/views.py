"""Project-level views that belong to no app."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language


@require_POST
def set_language(request):
    """Django's language switch, which also saves the choice on a logged-in user's profile."""
    from alliances.services import user_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
    return response


@never_cache
@login_required
@require_GET
def health_page(request):
    """The portal's health for staff: database, broker, scheduler, queue, deliveries."""
    from .health import health_report

    if not request.user.is_staff:
        raise PermissionDenied
    report = health_report()
    return render(request, "health.html", {"report": report}, status=200 if report["ok"] else 503)


def _has_health_token(request) -> bool:
    expected = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_GET
def health_json(request):
    """The same report for monitoring: staff, or a bearer token equal to HEALTH_TOKEN. Answers
    503 when a check fails, so a plain HTTP check sees it."""
    from .health import health_report

    if not (request.user.is_authenticated and request.user.is_staff) and not _has_health_token(
        request
    ):
        return JsonResponse({"detail": "Staff or a health token only."}, status=403)
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)
