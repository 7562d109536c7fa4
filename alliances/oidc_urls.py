"""The login and callback addresses of each OpenID Connect provider (alliances.provider)."""

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404
from django.urls import path

from .provider import PROVIDER, PortalOIDCAdapter


def _adapter_view(view_class):
    @login_not_required
    def view(request, provider_id):
        try:
            return view_class.adapter_view(PortalOIDCAdapter(request, provider_id))(request)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    return view


urlpatterns = [
    path("<slug:provider_id>/login/", _adapter_view(OAuth2LoginView), name=f"{PROVIDER}_login"),
    path(
        "<slug:provider_id>/login/callback/",
        _adapter_view(OAuth2CallbackView),
        name=f"{PROVIDER}_callback",
    ),
]
