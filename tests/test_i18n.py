"""Every user-visible string has a Swedish translation, compiled, and Swedish users see it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests.conftest import client_for

BASE_DIR = Path(__file__).resolve().parent.parent
PO_PATH = BASE_DIR / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SOURCE_DIRS = (
    "alliance_portal",
    "alliances",
    "stakeholders",
    "meetings",
    "actionplans",
    "templates",
)


def test_swedish_catalogue_covers_every_string_in_the_code(tmp_path):
    """Extract the strings afresh from a copy of the code and check each one is translated."""
    copy = tmp_path / "src"
    copy.mkdir()
    shutil.copy(BASE_DIR / "manage.py", copy)
    for name in SOURCE_DIRS:
        shutil.copytree(BASE_DIR / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(BASE_DIR / "locale", copy / "locale")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "sv", "--no-obsolete"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    catalogue = polib.pofile(str(copy / "locale" / "sv" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == [] and fuzzy == [], "run `make messages` and translate these"


# makemessages finds gettext under its own names and `_` only: a string marked with any other
# alias is never extracted, so the check above could not see it missing.
TRANSLATION_ALIAS = re.compile(r"^from django\.utils\.translation import .*\bas (?!_\b)\w+", re.M)


def test_translation_functions_are_imported_under_names_the_extractor_knows():
    offenders = [
        str(path.relative_to(BASE_DIR))
        for name in SOURCE_DIRS
        for path in (BASE_DIR / name).rglob("*.py")
        if TRANSLATION_ALIAS.search(path.read_text())
    ]
    assert offenders == []


def test_compiled_catalogue_matches_the_source():
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(PO_PATH))
        if not e.obsolete
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO_PATH))
    }
    assert source == compiled, "run `make messages` to compile the catalogue"


@pytest.mark.django_db
def test_swedish_user_sees_swedish_pages(cast):
    cast.member.preferred_language = "sv"
    cast.member.save()
    page = client_for(cast.member).get(reverse("alliances:detail", args=[cast.alliance.pk]))
    text = page.content.decode()
    assert '<html lang="sv">' in text
    assert "Din roll: Medlem" in text
    assert "Hoppa till huvudinnehållet" in text


@pytest.mark.django_db
def test_anonymous_visitor_can_choose_swedish(client):
    client.post(reverse("set_language"), {"language": "sv"})
    assert "Logga in" in client.get(reverse("login")).content.decode()
