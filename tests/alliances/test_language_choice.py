"""How a person's language is chosen: the browser's on a first visit, a saved choice after, and
the language the inviter picks for someone invited by address."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from alliance_portal.permissions import Role
from alliances.models import Invitation, User
from alliances.tokens import invitation_token
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD, InvitationFactory, UserFactory


def _html_lang(response) -> str:
    match = re.search(r'<html[^>]*\blang="([^"]+)"', response.content.decode())
    assert match, response.content.decode()[:300]
    return match.group(1)


def _in(language: str, message: str, **values) -> str:
    """The catalogue's text for `message` in `language`, as a page prints it."""
    with translation.override(language):
        text = gettext(message) % values if values else gettext(message)
    return text


# First visit: the browser's Accept-Language ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("fr-FR,fr;q=0.9", "fr"),
        ("ar", "ar"),
        ("nl-BE,nl;q=0.9,en;q=0.5", "nl"),
        ("de", "en"),  # not offered: the portal's default
        ("de-DE,de;q=0.9,da;q=0.7", "da"),  # the first one offered wins
    ],
)
def test_first_visit_follows_the_browsers_language(accept_language, expected):
    response = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept_language)

    assert response.status_code == 200
    assert _html_lang(response) == expected
    assert escape(_in(expected, "Log in")) in response.content.decode()
    assert response["Content-Language"] == expected


@pytest.mark.django_db
def test_french_browser_is_not_served_english():
    page = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert "Se connecter" in page
    assert ">Log in<" not in page


@pytest.mark.django_db
def test_choice_made_with_the_switcher_wins_over_the_browser():
    client = Client()
    client.post(reverse("set_language"), {"language": "ar", "next": reverse("login")})

    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert _html_lang(response) == "ar"


@pytest.mark.django_db
def test_logged_in_users_saved_language_wins_over_cookie_and_browser(cast):
    cast.member.preferred_language = "nl"
    cast.member.save()
    client = client_for(cast.member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="ar")

    assert _html_lang(response) == "nl"


@pytest.mark.django_db
def test_switching_while_logged_in_saves_the_choice_for_the_next_visit(cast):
    client = client_for(cast.member)
    client.post(reverse("set_language"), {"language": "fr"})

    fresh = client_for(cast.member)  # another browser: no cookie, an Arabic header
    response = fresh.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="ar")

    assert _html_lang(response) == "fr"


def test_locale_middleware_reads_the_session_and_the_saved_language_comes_after_login():
    """LocaleMiddleware needs the session (Django's order); the user's saved language needs
    the authenticated user and must run after LocaleMiddleware, or the browser's would win."""
    middleware = settings.MIDDLEWARE
    locale = middleware.index("django.middleware.locale.LocaleMiddleware")
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < middleware.index("django.middleware.common.CommonMiddleware")
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    saved = middleware.index("alliance_portal.middleware.UserLanguageMiddleware")
    assert locale < auth < saved


# Invited by address: the language the inviter picks ---------------------------------------------


def _invite(client, alliance, **fields):
    data = {"email": "nour@example.org", "role": Role.MEMBER, "organisation_name": "", **fields}
    return client.post(reverse("alliances:invite", args=[alliance.pk]), data)


def _accept_path(message) -> str:
    match = re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _selected_option(page: str, field_id: str) -> str:
    """The chosen option of the form's select (the page's language switcher has its own)."""
    select = re.search(rf'<select[^>]*id="{field_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    chosen = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))
    assert len(chosen) == 1, select.group(1)
    return chosen[0]


@pytest.mark.django_db
def test_invite_form_offers_the_alliances_main_language_first(cast):
    cast.alliance.language = "fr"
    cast.alliance.save()

    page = client_for(cast.chair).get(reverse("alliances:invite", args=[cast.alliance.pk]))

    assert _selected_option(page.content.decode(), "id_language") == "fr"


@pytest.mark.django_db
def test_invite_form_offers_the_inviters_language_when_the_alliance_has_none(cast):
    cast.chair.preferred_language = "da"
    cast.chair.save()

    page = client_for(cast.chair).get(reverse("alliances:invite", args=[cast.alliance.pk]))

    assert _selected_option(page.content.decode(), "id_language") == "da"


@pytest.mark.django_db
def test_invitation_in_arabic_mail_page_and_new_account(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(cast.chair), cast.alliance, language="ar")
    assert response.status_code == 302
    assert Invitation.objects.get().language == "ar"

    (message,) = mail.outbox
    assert message.subject == _in("ar", "Invitation to join %(alliance)s", alliance=cast.alliance)
    assert _in("ar", "Accept the invitation") in message.body
    html = message.alternatives[0][0]
    assert _in("ar", "Accept the invitation") in html
    assert re.search(r'<html[^>]*\blang="ar"', html), html[:200]

    visitor = Client()  # no cookie; the browser asks for English
    page = visitor.get(_accept_path(message), HTTP_ACCEPT_LANGUAGE="en")
    assert _html_lang(page) == "ar"
    assert escape(_in("ar", "Create account and join")) in page.content.decode()

    response = visitor.post(
        _accept_path(message),
        {
            "first_name": "Nour",
            "last_name": "Haddad",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert User.objects.get(email="nour@example.org").preferred_language == "ar"
    assert _html_lang(visitor.get(response["Location"])) == "ar"


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", ["xx", "<script>alert(1)</script>", "ar-XX"])
def test_a_language_the_portal_does_not_offer_is_refused_and_nothing_is_sent(
    cast, hostile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(cast.chair), cast.alliance, language=hostile)

    assert response.status_code == 200
    page = response.content.decode()
    error = _in(
        "en",
        "Select a valid choice. %(value)s is not one of the available choices.",
        value=hostile,
    )
    assert escape(error) in page
    assert "<script>alert(1)</script>" not in page
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_invitation_without_a_language_is_in_the_inviters(
    cast, django_capture_on_commit_callbacks
):
    cast.chair.preferred_language = "nl"
    cast.chair.save()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(cast.chair), cast.alliance)  # an older page without the select

    (message,) = mail.outbox
    assert message.subject == _in("nl", "Invitation to join %(alliance)s", alliance=cast.alliance)


@pytest.mark.django_db
def test_someone_with_an_account_reads_the_invitation_in_their_own_language(
    cast, django_capture_on_commit_callbacks
):
    UserFactory(email="nour@example.org", preferred_language="sv")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(cast.chair), cast.alliance, language="ar")

    (message,) = mail.outbox
    assert message.subject == _in("sv", "Invitation to join %(alliance)s", alliance=cast.alliance)


@pytest.mark.django_db
def test_the_switcher_still_changes_the_acceptance_page_and_the_new_account(cast):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair, language="ar")
    visitor = Client()
    url = reverse("invitation_accept", args=[invitation_token(invitation)])
    visitor.post(reverse("set_language"), {"language": "fr", "next": url})

    assert _html_lang(visitor.get(url)) == "fr"
    visitor.post(
        url,
        {
            "first_name": "Nour",
            "last_name": "H",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )
    assert User.objects.get(email=invitation.email).preferred_language == "fr"


@pytest.mark.django_db
def test_a_logged_in_visitor_reads_the_acceptance_page_in_their_own_language(cast):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair, language="ar")
    cast.outsider.preferred_language = "nl"
    cast.outsider.save()

    page = client_for(cast.outsider).get(
        reverse("invitation_accept", args=[invitation_token(invitation)])
    )

    assert _html_lang(page) == "nl"
