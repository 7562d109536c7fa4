"""Every user-visible string has a translation in each of the portal's languages, compiled and
checked, and people who read them see them."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from importlib import import_module
from pathlib import Path

import django
import polib
import pytest
from crispy_forms.utils import render_crispy_form
from django.apps import apps
from django.conf import settings
from django.forms import BaseForm
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from alliances.models import Membership
from stakeholders.models import Organisation
from sustainability.models import Swot
from tests.conftest import client_for

BASE_DIR = Path(__file__).resolve().parent.parent
# Every language the portal offers besides English, the language of the source.
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]


def po_path(language: str) -> Path:
    return BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"


# The project package, every app of the portal's own (not a library's) and the templates.
SOURCE_DIRS = (
    "alliance_portal",
    *(
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == BASE_DIR
    ),
    "templates",
)


def test_every_language_is_offered_and_has_a_catalogue():
    assert TRANSLATED == ["sv", "da", "fr", "nl", "ar"]
    assert sorted(
        path.parent.parent.name for path in BASE_DIR.glob("locale/*/LC_MESSAGES/django.po")
    ) == sorted(TRANSLATED)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """The catalogues after extracting the strings afresh from a copy of the code."""
    tmp_path = tmp_path_factory.mktemp("extracted")
    copy = tmp_path / "src"
    copy.mkdir()
    shutil.copy(BASE_DIR / "manage.py", copy)
    for name in SOURCE_DIRS:
        shutil.copytree(BASE_DIR / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(BASE_DIR / "locale", copy / "locale")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            *(f"--locale={code}" for code in TRANSLATED),
            "--no-obsolete",
        ],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return copy / "locale"


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_covers_every_string_in_the_code(extracted, language):
    """Each string the code marks, extracted afresh, is translated and not fuzzy."""
    catalogue = polib.pofile(str(extracted / language / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert (missing, fuzzy) == ([], []), "run `make messages` and translate these"
    assert catalogue.percent_translated() == 100


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_passes_msgfmt_check(language):
    """msgfmt --check: the header, the plural forms and every placeholder agree."""
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(po_path(language))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]")


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_named_placeholder(language):
    """A placeholder lost or misspelt in a translation shows the reader a raw "%(name)s" or
    fails to format; msgfmt only checks the entries flagged python-format."""
    wrong = []
    for entry in polib.pofile(str(po_path(language))):
        if entry.obsolete:
            continue
        expected = set(NAMED_PLACEHOLDER.findall(entry.msgid))
        expected_plural = expected | set(NAMED_PLACEHOLDER.findall(entry.msgid_plural or ""))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            found = set(NAMED_PLACEHOLDER.findall(form))
            # A plural form for exactly one or two may say the number in words instead.
            allowed = expected_plural if entry.msgid_plural else expected
            if not found <= allowed or (not entry.msgid_plural and found != expected):
                wrong.append((entry.msgid, form))
    assert wrong == []


ARABIC_PLURALS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 ? 4 : 5;"
)


def test_arabic_has_six_plural_forms_in_every_plural_entry():
    catalogue = polib.pofile(str(po_path("ar")))
    assert catalogue.metadata["Plural-Forms"] == ARABIC_PLURALS
    plurals = [entry for entry in catalogue if entry.msgid_plural and not entry.obsolete]
    assert plurals
    assert [e.msgid for e in plurals if sorted(e.msgstr_plural) != [0, 1, 2, 3, 4, 5]] == []


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


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogue_matches_the_source(language):
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(po_path(language)))
        if not e.obsolete
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.mofile(str(po_path(language).with_suffix(".mo")))
    }
    assert source == compiled, "run `make messages` to compile the catalogue"


@pytest.mark.django_db
def test_swedish_user_sees_swedish_pages(cast):
    cast.member.preferred_language = "sv"
    cast.member.save()
    page = client_for(cast.member).get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
    text = page.content.decode()
    assert '<html lang="sv"' in text
    assert "Din roll: Medlem" in text
    assert "Hoppa till huvudinnehållet" in text


@pytest.mark.django_db
def test_anonymous_visitor_can_choose_swedish(client):
    client.post(reverse("set_language"), {"language": "sv"})
    assert "Logga in" in client.get(reverse("login")).content.decode()


# Forms and models in each language ----------------------------------------------------------------
# A translated string formatted at import (`_("…%(n)d…") % {...}` in a class body) is fixed in the
# language of that moment and shows in English to everyone. makemessages still finds the msgid and
# the catalogue has its translation, so only rendering in that language shows the slip.

DJANGO_DIR = Path(django.__file__).resolve().parent


def catalogues(language: str) -> tuple[Path, ...]:
    return (
        po_path(language),
        # Help texts Django writes for our forms, e.g. the password rules.
        DJANGO_DIR / "conf" / "locale" / language / "LC_MESSAGES" / "django.po",
        DJANGO_DIR / "contrib" / "auth" / "locale" / language / "LC_MESSAGES" / "django.po",
    )


PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{\w*\}")
# Text that a rendered form shows as words: element text, and the attributes people read.
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


def _english_patterns(language: str) -> tuple[set[str], list[tuple[str, re.Pattern]]]:
    """Each English msgid whose translation differs: as it is, or with placeholders as a
    pattern of the text it formats to."""
    translated, same_in_translation = {}, set()
    for path in catalogues(language):
        for entry in polib.pofile(str(path)):
            if entry.obsolete or entry.fuzzy:
                continue
            pairs = [(entry.msgid, entry.msgstr)]
            if entry.msgid_plural:
                forms = entry.msgstr_plural
                pairs = [(entry.msgid, forms.get(0, "")), (entry.msgid_plural, forms.get(1, ""))]
            for msgid, msgstr in pairs:
                if not msgstr:
                    continue
                if msgstr == msgid:
                    same_in_translation.add(msgid)
                else:
                    translated[msgid] = msgstr
    exact, patterns = set(), []
    for msgid in translated.keys() - same_in_translation:
        fixed = PLACEHOLDER.split(msgid.replace("%%", "%"))
        if len(fixed) == 1:
            exact.add(msgid)
        # "%(a)s: %(b)s" would match anything; a pattern needs words of its own.
        elif sum(char.isalpha() for part in fixed for char in part) >= 4:
            pattern = ".+?".join(re.escape(part) for part in fixed)
            patterns.append((msgid, re.compile(pattern, re.S)))
    return exact, patterns


class _ReadText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.texts += [value for name, value in attrs if name in READ_ATTRIBUTES and value]
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.texts.append(dict(attrs).get("value") or "")

    def handle_data(self, data):
        self.texts.append(data)


def _read_texts(html: str) -> set[str]:
    reader = _ReadText()
    reader.feed(html)
    return {" ".join(text.split()) for text in reader.texts} - {""}


# Each language is named in itself in every language ("English" for English readers too).
LANGUAGE_NAMES = {name for _code, name in settings.LANGUAGES}


def _untranslated(texts, english) -> set[tuple[str, str]]:
    exact, patterns = english
    texts = set(texts) - LANGUAGE_NAMES
    return {(text, text) for text in texts if text in exact} | {
        (text, msgid) for text in texts for msgid, pattern in patterns if pattern.fullmatch(text)
    }


def _form_classes() -> list[type[BaseForm]]:
    classes = []
    for name in SOURCE_DIRS:
        for path in sorted((BASE_DIR / name).rglob("forms.py")):
            module = import_module(".".join(path.relative_to(BASE_DIR).with_suffix("").parts))
            classes += [
                value
                for value in vars(module).values()
                if isinstance(value, type)
                and issubclass(value, BaseForm)
                and value.__module__ == module.__name__
            ]
    return classes


def _form_arguments(cast) -> dict:
    """What forms are built with in the views, keyed by the name of the argument."""

    from .factories import StakeholderFactory, make_action, make_meeting, make_plan

    StakeholderFactory(alliance=cast.alliance)
    plan = make_plan(cast.alliance, cast.coordinator)
    members = Membership.objects.active().filter(alliance=cast.alliance)
    return {
        "alliance": cast.alliance,
        "plan": plan,
        "action": make_action(plan, cast.coordinator),
        "swots": Swot.objects.filter(alliance=cast.alliance),
        "participants": list(make_meeting(cast.alliance, cast.secretary).participants.all()),
        "members": members,
        "candidates": members,
        "organisations": Organisation.objects.filter(assessments__alliance=cast.alliance),
    }


def _required_keywords(form_class: type[BaseForm]) -> list[str]:
    return [
        name
        for name, parameter in inspect.signature(form_class.__init__).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty
    ]


def test_the_check_finds_an_interpolated_english_help_text():
    patterns = _english_patterns("sv")
    assert _untranslated({"At most 3 reminders, e.g. 3, 7, 14."}, patterns) == {
        ("At most 3 reminders, e.g. 3, 7, 14.", "At most %(count)d reminders, e.g. 3, 7, 14.")
    }
    assert _untranslated({"Högst 3 påminnelser, t.ex. 3, 7, 14."}, patterns) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_form_renders_without_english_source_strings(cast, language):
    patterns = _english_patterns(language)
    arguments = _form_arguments(cast)
    classes = _form_classes()
    assert len(classes) > 40, "the forms modules were not found"
    found = {}
    with translation.override(language):
        for form_class in classes:
            unknown = set(_required_keywords(form_class)) - arguments.keys()
            assert not unknown, f"teach this test how the views build {form_class.__name__}"
            form = form_class(**{name: arguments[name] for name in _required_keywords(form_class)})
            texts = _read_texts(render_crispy_form(form))
            for field in form.fields.values():
                # Choices a widget does not print (a hidden select) are still read somewhere.
                texts |= {
                    str(label)
                    for _value, label in getattr(field, "choices", ())
                    if isinstance(label, str | Promise)
                }
            if untranslated := _untranslated(texts, patterns):
                found[form_class.__qualname__] = sorted(untranslated)
    assert found == {}


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_model_field_reads_in_each_language(language):
    patterns = _english_patterns(language)
    found = {}
    with translation.override(language):
        for model in apps.get_models():
            if model.__module__.split(".")[0] not in SOURCE_DIRS:
                continue
            texts = {str(model._meta.verbose_name), str(model._meta.verbose_name_plural)}
            for field in [*model._meta.fields, *model._meta.many_to_many]:
                # A name Django made from the attribute was never marked for translation, so it
                # is not this slip; only what the code wrote is read.
                if field.verbose_name != field.name.replace("_", " "):
                    texts.add(str(field.verbose_name))
                texts.add(str(field.help_text))
                texts |= {str(label) for _value, label in getattr(field, "flatchoices", ()) or ()}
            texts = {text for raw in texts for text in _read_texts(raw)}
            if untranslated := _untranslated(texts, patterns):
                found[model._meta.label] = sorted(untranslated)
    assert found == {}
