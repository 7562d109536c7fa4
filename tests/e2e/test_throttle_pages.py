"""The pages a person meets when throttled, reached in the browser through the real forms: the
login form with the lockout, and the page the password change answers once the current password
was wrong too often. Each passes axe and fits every width, in every language."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

WIDTHS = (1280, 768, 375)
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _fits_every_width(page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{page.url} scrolls sideways at {width} px"


def _site(page) -> str:
    """The site's root: a cookie set for a page's own address would hold for its path only."""
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}/"


def _in_language(page, language: str) -> None:
    page.goto(reverse("login"))
    page.assert_accessible()
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": _site(page)}]
    )


def _log_in_by_cookie(page, user) -> None:
    """The session a test client got for `user`: the login form is not what this test is about,
    and its labels are in the user's language."""
    client = Client()
    client.force_login(user)
    page.goto(reverse("login"))
    page.assert_accessible()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": _site(page)}]
    )


def _try_login(page, email: str, password: str) -> None:
    page.goto(reverse("login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state("load")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_lockout_passes_axe_and_fits_every_width(a11y_page, language):
    page = a11y_page
    user = UserFactory(preferred_language=language)
    _in_language(page, language)
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try_login(page, user.email, f"guess-{n}")

    _try_login(page, user.email, TEST_PASSWORD)

    assert page.url.endswith(reverse("login"))
    assert page.locator("input[name=password]").count() == 1
    page.assert_accessible()
    _fits_every_width(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_password_change_lockout_page_passes_axe_and_fits_every_width(a11y_page, language):
    page = a11y_page
    user = UserFactory(preferred_language=language)
    _log_in_by_cookie(page, user)
    for n in range(settings.AXES_FAILURE_LIMIT):
        page.goto(reverse("password_change"))
        page.fill("input[name=old_password]", f"guess-{n}")
        page.fill("input[name=new_password1]", "a-New-passphrase-2027")
        page.fill("input[name=new_password2]", "a-New-passphrase-2027")
        page.press("input[name=new_password2]", "Enter")
        page.wait_for_load_state("load")
        if n < settings.AXES_FAILURE_LIMIT - 1:
            page.assert_accessible()

    assert page.get_by_test_id("throttled").count() == 1
    page.assert_accessible()
    _fits_every_width(page)
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
