"""The account pages around Django's own: login, password change and reset, and the language
switch, which also saves the choice on the user's profile."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from alliance_portal.forms import LoginForm, PasswordResetForm
from alliance_portal.throttle import (
    THROTTLED,
    over_limit,
    password_failed,
    password_refused,
    throttled_page,
)

from .provider import PROVIDER
from .services import user_set_language
from .signin import (
    PortalAccountAdapter,
    configured_providers,
    provider_origins,
    providers_logged_in_with,
)


def login_providers() -> list[dict]:
    """The single sign-on providers this portal offers, each with its login address (read from
    the settings, so the login page asks the database nothing)."""
    return [
        {"id": provider_id, "name": name, "url": reverse(f"{PROVIDER}_login", args=[provider_id])}
        for provider_id, name in configured_providers().items()
    ]


def allow_provider_forms(request, response):
    """The Content-Security-Policy lets forms post only to the portal, and browsers check each
    redirect a form's post takes: the pages whose forms go on to a provider allow its origin."""
    if origins := provider_origins():
        response._csp_update = {"form-action": origins}
        response._csp_update_ro = {"form-action": origins}
    return response


class LogoutView(auth_views.LogoutView):
    """Django's logout. Someone who came in through their organisation's provider is told that
    they are still logged in there."""

    def post(self, request, *args, **kwargs):
        providers = _providers_used(request)
        response = super().post(request, *args, **kwargs)
        if providers:
            messages.info(
                request,
                _(
                    "You are logged out of Alliance Portal, but not of %(provider)s. On a shared "
                    "computer, log out there too."
                )
                % {"provider": ", ".join(providers)},
            )
        return response


def _providers_used(request) -> list[str]:
    names = configured_providers()
    return [names.get(provider, provider) for provider in sorted(providers_logged_in_with(request))]


@login_required
@require_POST
def reauthenticate_provider_go(request, provider_id: str):
    """Sends the person to log in afresh at their provider, to prove it is them before an act
    that speaks for their organisation; coming back runs the act (alliances.signin)."""
    if not SocialAccount.objects.filter(user=request.user, provider=provider_id).exists():
        raise Http404
    try:
        provider = get_adapter(request).get_provider(request, provider_id)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    return provider.reauthenticate(request, next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@login_required
@require_safe
def reauthenticate_provider_page(request, provider_id: str):
    """The page that offers the fresh login at the provider, among the other ways to prove it
    is them."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    page = render(
        request,
        "account/reauthenticate_provider.html",
        {
            "provider_id": provider_id,
            "next": next_url,
            "methods": PortalAccountAdapter(request).get_reauthentication_methods(request.user),
        },
    )
    return allow_provider_forms(request, page)


@require_POST
def set_language(request):
    """Django's language switch, which also saves the choice on a logged-in user's profile."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
    return response


class LoginView(auth_views.LoginView):
    """Django's login page; a login refused by the lockout answers 429 with the time to wait.
    A right password hands the person to allauth's login steps, which ask for their second
    factor when they have one. The page offers each single sign-on provider too."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "providers": login_providers()}

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return allow_provider_forms(self.request, response)

    def form_valid(self, form):
        user = form.get_user()
        record_authentication(self.request, user, method="password", email=user.email)
        return perform_login(self.request, user, redirect_url=self.get_success_url())

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
