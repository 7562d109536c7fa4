"""An alliance that asks its members to log in with its single sign-on provider."""

from __future__ import annotations

import time

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from django.urls import reverse

from alliances.models import Alliance

from ..conftest import client_for

PROVIDER_ORIGIN = "http://127.0.0.1:9"


@pytest.fixture
def municipality_id(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "portal_oidc": {
            "APPS": [
                {
                    "provider_id": "municipality",
                    "name": "Municipality ID",
                    "client_id": "portal",
                    "secret": "not-used-here",
                    "settings": {"server_url": f"{PROVIDER_ORIGIN}/", "oauth_pkce_enabled": True},
                }
            ]
        }
    }


def _logged_in_through_provider(client, user, provider="municipality"):
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "socialaccount", "at": time.time(), "provider": provider, "uid": user.email}
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()


def test_a_password_login_is_shown_the_way_to_the_provider(cast, municipality_id):
    Alliance.objects.filter(pk=cast.alliance.pk).update(login_provider="municipality")
    client = client_for(cast.member)
    response = client.get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "asks its members to log in with Municipality ID" in page
    assert reverse("portal_oidc_login", args=["municipality"]) in page
    # The button's form goes on to the provider: the page's policy lets it.
    assert f"form-action 'self' {PROVIDER_ORIGIN}" in response["Content-Security-Policy"]
    # An alliance without the rule stays open.
    other = client_for(cast.other_chair)
    other_page = reverse("dashboard:alliance", args=[cast.other_alliance.pk])
    assert other.get(other_page).status_code == 200


def test_a_login_through_the_provider_opens_the_alliance(cast, municipality_id):
    Alliance.objects.filter(pk=cast.alliance.pk).update(login_provider="municipality")
    client = client_for(cast.member)
    _logged_in_through_provider(client, cast.member)
    assert client.get(reverse("dashboard:alliance", args=[cast.alliance.pk])).status_code == 200
    _logged_in_through_provider(client, cast.member, provider="another")
    assert client.get(reverse("dashboard:alliance", args=[cast.alliance.pk])).status_code == 403


def test_a_provider_no_longer_configured_locks_nobody_out(cast):
    Alliance.objects.filter(pk=cast.alliance.pk).update(login_provider="municipality")
    client = client_for(cast.member)
    assert client.get(reverse("dashboard:alliance", args=[cast.alliance.pk])).status_code == 200


def test_the_chair_chooses_the_provider_on_the_alliance_form(cast, municipality_id):
    client = client_for(cast.chair)
    url = reverse("alliances:edit", args=[cast.alliance.pk])
    form = client.get(url).context["form"]
    assert dict(form.fields["login_provider"].choices) == {
        "": "A password or any provider",
        "municipality": "Municipality ID",
    }
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data["login_provider"] = "nobody-configured-this"
    assert client.post(url, data).status_code == 200
    assert Alliance.objects.get(pk=cast.alliance.pk).login_provider == ""


def test_without_providers_the_form_does_not_offer_the_choice(cast):
    form = (
        client_for(cast.chair)
        .get(reverse("alliances:edit", args=[cast.alliance.pk]))
        .context["form"]
    )
    assert "login_provider" not in form.fields
