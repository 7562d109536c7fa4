"""Arabic reads right to left: <html> says so, Bootstrap's right-to-left sheet is loaded, the
switcher names each language in itself, and dates and numbers read as Arabic readers in a
European alliance expect them."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation

from alliance_portal.bidi import forward_arrow
from tests.conftest import client_for

BOOTSTRAP_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "bootstrap"
SWITCHER_OPTIONS = [
    ("en", "ltr", "English"),
    ("sv", "ltr", "Svenska"),
    ("da", "ltr", "Dansk"),
    ("fr", "ltr", "Français"),
    ("nl", "ltr", "Nederlands"),
    ("ar", "rtl", "العربية"),
]


class _Switcher(HTMLParser):
    """The language menu's buttons: (value, lang, dir, text), and which one is current."""

    def __init__(self) -> None:
        super().__init__()
        self.options: list[list[str]] = []
        self.current: list[str] = []
        self._in_option = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "button" and attrs.get("name") == "language":
            self._in_option = True
            self.options.append([attrs["value"], attrs.get("lang"), attrs.get("dir"), ""])
            if attrs.get("aria-current") == "true":
                self.current.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_option = False

    def handle_data(self, data):
        if self._in_option:
            self.options[-1][3] += data.strip()


def _switcher_options(html: str) -> list[tuple[str, ...]]:
    parser = _Switcher()
    parser.feed(html)
    return [(value, lang, direction, text) for value, lang, direction, text in parser.options]


def _opening_html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


@pytest.mark.django_db
def test_an_arabic_page_reads_right_to_left_with_bootstraps_right_to_left_sheet(client):
    client.post(reverse("set_language"), {"language": "ar"})
    html = client.get(reverse("login")).content.decode()
    assert _opening_html_tag(html) == '<html lang="ar" dir="rtl">'
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in html
    assert "vendor/bootstrap/bootstrap.min.css" not in html


@pytest.mark.django_db
def test_an_english_page_reads_left_to_right(member):
    html = client_for(member).get(reverse("alliances:list")).content.decode()
    assert _opening_html_tag(html) == '<html lang="en" dir="ltr">'
    assert "vendor/bootstrap/bootstrap.min.css" in html
    assert "bootstrap.rtl" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/", "/nowhere/"])
def test_the_switcher_names_each_language_in_itself_on_pages_without_a_login(
    client, language, path
):
    client.post(reverse("set_language"), {"language": language})
    html = client.get(path).content.decode()
    expected = [(code, code, direction, name) for code, direction, name in SWITCHER_OPTIONS]
    assert _switcher_options(html) == expected


@pytest.mark.django_db
def test_the_switcher_is_on_a_members_pages_with_the_current_language_chosen(member):
    member.preferred_language = "ar"
    member.save()
    html = client_for(member).get(reverse("alliances:list")).content.decode()
    assert [option[0] for option in _switcher_options(html)] == [
        c for c, _d, _n in SWITCHER_OPTIONS
    ]
    parser = _Switcher()
    parser.feed(html)
    assert parser.current == ["ar"]


def test_the_server_error_page_reads_in_the_readers_language_and_direction():
    with translation.override("ar"):
        html = render_to_string("500.html")
    assert _opening_html_tag(html) == '<html lang="ar" dir="rtl">'


def test_the_right_to_left_sheet_is_from_the_same_bootstrap_as_the_left_to_right_one():
    def version(name: str) -> str:
        return re.search(r"Bootstrap\s+v(\S+)", (BOOTSTRAP_DIR / name).read_text()[:300]).group(1)

    assert version("bootstrap.rtl.min.css") == version("bootstrap.min.css")


def test_arabic_times_use_a_24_hour_clock_and_latin_digits():
    with translation.override("ar"):
        moment = datetime(2026, 3, 5, 14, 7)
        assert formats.date_format(moment, "TIME_FORMAT") == "14:07"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "5 مارس، 2026، 14:07"
        assert (
            formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "05\u200f/03\u200f/2026 14:07"
        )


def test_arabic_numbers_group_thousands_with_a_comma_and_use_a_decimal_point():
    with translation.override("ar"):
        assert formats.number_format(Decimal("180000.5"), 2, force_grouping=True) == "180,000.50"


@pytest.mark.parametrize(("language", "arrow"), [("en", "→"), ("fr", "→"), ("ar", "←")])
def test_the_forward_arrow_points_the_way_the_language_reads(language, arrow):
    with translation.override(language):
        assert forward_arrow() == arrow
