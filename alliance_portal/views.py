"""Project-level views that belong to no app."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from .forms import LoginForm
from .throttle import (
    THROTTLED,
    over_limit,
    password_failed,
    password_refused,
    throttled_page,
)


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


class LoginView(auth_views.LoginView):
    """Django's login page; a login refused by the lockout answers 429 with the time to wait."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code=THROTTLED):
            response.status_code = 429
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset request, counted per client address and per e-mail address, so
    nobody can flood a mailbox or the mail server with reset links."""

    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        wait = over_limit(self.request, "password_reset") or over_limit(
            self.request, "password_reset_account", key=email
        )
        if wait is None:
            return super().form_valid(form)
        form.add_error(None, ValidationError(wait, code=THROTTLED))
        response = self.form_invalid(form)
        response.status_code = 429
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change. The current password is counted like a login's, so someone who
    holds an open session cannot guess it without limit."""

    def post(self, request, *args, **kwargs):
        if locked := password_refused(request, request.user):
            return throttled_page(request, locked)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        wrong_password = form.has_error("old_password", code="password_incorrect")
        if wrong_password and (locked := password_failed(self.request, self.request.user)):
            return throttled_page(self.request, locked)
        return super().form_invalid(form)
