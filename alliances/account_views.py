"""The account pages around Django's own: login, password change and reset, and the language
switch, which also saves the choice on the user's profile."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from alliance_portal.forms import LoginForm, PasswordResetForm
from alliance_portal.throttle import (
    THROTTLED,
    over_limit,
    password_failed,
    password_refused,
    throttled_page,
)

from .services import user_set_language


@require_POST
def set_language(request):
    """Django's language switch, which also saves the choice on a logged-in user's profile."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
    return response


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

    form_class = PasswordResetForm
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
