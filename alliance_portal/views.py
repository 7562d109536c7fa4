"""The health page and its JSON twin: project-level views that belong to no app."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report, health_rows

HEALTH_JSON_REFUSED = "Staff or a health token only."


@never_cache
@login_required
@require_GET
def health_page(request):
    """The portal's health for staff: database, broker, and the checks apps add."""
    if not request.user.is_staff:
        raise PermissionDenied
    report = health_report()
    context = {"report": report, "rows": health_rows(report)}
    return render(request, "health.html", context, status=200 if report["ok"] else 503)


def _has_health_token(request) -> bool:
    expected = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_GET
def health_json(request):
    """The same report for monitoring: staff, or a bearer token equal to HEALTH_TOKEN. Answers
    503 when a check fails, so a plain HTTP check sees it."""
    if not (request.user.is_authenticated and request.user.is_staff) and not _has_health_token(
        request
    ):
        return JsonResponse({"detail": HEALTH_JSON_REFUSED}, status=403)
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)
