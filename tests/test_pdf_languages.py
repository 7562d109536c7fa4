"""The agenda, the minutes, the action plan, the signed agreement and the coordinator report
printed in French and in Arabic: their headings come from the language's catalogue, Arabic reads
back in logical order (right to left on the page), and every font is embedded."""

from __future__ import annotations

import html
import re
import subprocess
import unicodedata
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from agreements import services as agreement_services
from agreements.documents import sealed_signature_pdf
from agreements.guide import guide_agreement
from agreements.selectors import displayed_text
from alliances.models import User
from meetings import services as meeting_services
from meetings.models import Participant

from .conftest import Cast, client_for
from .factories import (
    make_approved_plan,
    make_held_meeting,
    make_meeting,
    make_minutes,
    make_published_agreement,
    sign_agreement,
)
from .seal_support import portal_seal_in

# Headings each document prints, read from the catalogue in the language of the test: one left
# in English, or missing from the catalogue, fails. The first is one whose translation differs
# from the English in every language, so it also shows the document is not the English one.
HEADINGS = {
    "agenda": ("Date and time", "Host organisation", "Place", "Time", "Item"),
    "minutes": ("Date for implementation", "Present", "Absent", "Items", "Comment"),
    "plan": ("Regional action plan", "Period", "Vision", "Goals", "Actions", "Sign-off"),
    "agreement": ("Audit page", "Signature", "Name", "Event log", "Signer", "Time source"),
    "report": ("Decisions taken", "Meetings held", "Communication plan", "Latest SWOT analysis"),
}
# Per document, a heading that starts a line of its own: a reader of the language finds it at the
# margin they start reading from, the right one in Arabic.
MARGIN_HEADING = {
    "agenda": "Date and time",
    "minutes": "Present",
    "plan": "Vision",
    "agreement": "Audit page",
    "report": "Decisions taken",
}
# Per document, a heading of more than one word that pdftotext must give back exactly as the
# catalogue writes it in Arabic: its words in reading order, each word's letters in writing
# order. It must be one that poppler can give back (see ARABIC_LIGATURES).
ORDERED_HEADING = {
    "agenda": "Date and time",
    "minutes": "Date for implementation",
    "plan": "Why it matters",
    "agreement": "Audit page",
    "report": "Decisions taken",
}


@pytest.fixture(scope="module", autouse=True)
def portal_seal(tmp_path_factory):
    """The portal's certificate in a temporary directory (the signed agreement is sealed)."""
    seal_dir = tmp_path_factory.mktemp("languages-seal")
    with portal_seal_in(seal_dir, password="languages-test-password"):
        yield


def reading_in(user: User, language: str) -> User:
    """The user, with `language` saved as the language the portal speaks to them in."""
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user


def downloaded(user: User, url: str, **query) -> bytes:
    response = client_for(user).get(url, query)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return response.content


# Each document printed the way the portal prints it: agenda, minutes, plan and report in the
# language of the person who downloads them, the agreement in the language it was signed in.


def agenda_pdf(cast: Cast, language: str) -> bytes:
    meeting = make_meeting(cast.alliance, cast.secretary)
    url = reverse("meetings:agenda_pdf", args=[cast.alliance.pk, meeting.pk])
    return downloaded(reading_in(cast.member, language), url)


def minutes_pdf(cast: Cast, language: str) -> bytes:
    """Minutes with attendance recorded, circulated so that every member may read them."""
    meeting = make_held_meeting(cast.alliance, cast.secretary)
    people = list(meeting.participants.order_by("pk"))
    attendance = {person.pk: Participant.Attendance.PRESENT for person in people[:-1]}
    attendance[people[-1].pk] = Participant.Attendance.ABSENT
    meeting_services.attendance_record(meeting=meeting, actor=cast.secretary, attendance=attendance)
    minutes = make_minutes(meeting, cast.secretary)
    meeting_services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    url = reverse("meetings:minutes_pdf", args=[cast.alliance.pk, meeting.pk])
    return downloaded(reading_in(cast.member, language), url)


def plan_pdf(cast: Cast, language: str) -> bytes:
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair, title="Kronoberg 2027")
    url = reverse("actionplans:version_pdf", args=[cast.alliance.pk, plan.pk, plan.version])
    return downloaded(reading_in(cast.member, language), url)


def agreement_pdf(cast: Cast, language: str) -> bytes:
    """The member signs the guide's agreement in `language`, a translation of the English
    version; the signer's own interface language stays English."""
    version = make_published_agreement(cast.alliance, cast.coordinator)
    title, body = guide_agreement(cast.alliance, language)
    agreement_services.translation_save(
        version=version, actor=cast.coordinator, language=language, title=title, body=body
    )
    text = displayed_text(version, language)
    signature = sign_agreement(
        version, cast.membership(cast.member), language=language, shown_sha256=text.sha256
    )
    assert signature.language == language
    return sealed_signature_pdf(signature)


def report_pdf(cast: Cast, language: str) -> bytes:
    """The report of an alliance with a meeting and a plan (whose actions it charts)."""
    make_held_meeting(cast.alliance, cast.secretary, days_ago=5)
    make_approved_plan(cast.alliance, cast.coordinator, cast.chair)
    today = timezone.localdate()
    url = reverse("reports:report_pdf", args=[cast.alliance.pk])
    start = (today - timedelta(days=30)).isoformat()
    return downloaded(
        reading_in(cast.coordinator, language), url, start=start, end=today.isoformat()
    )


DOCUMENTS: dict[str, Callable[[Cast, str], bytes]] = {
    "agenda": agenda_pdf,
    "minutes": minutes_pdf,
    "plan": plan_pdf,
    "agreement": agreement_pdf,
    "report": report_pdf,
}


# Reading a PDF back with poppler, as another program would --------------------------------------

# pdftotext marks where a line's direction changes with Unicode's embedding controls (LRE, RLE,
# PDF, and their isolate and mark cousins). They are not text: they are dropped before comparing.
BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)], None
)
# Lam followed by an alef is one glyph (a ligature every Arabic font must draw). The PDF maps it
# to lam then alef, but poppler writes a glyph's letters left to right when it turns a right to
# left line around, so it gives back alef then lam; and it puts a vowel mark before its letter.
ARABIC_LIGATURES = re.compile("[\u0644\u0622\u0623\u0625\u0627]{2,}")


def pdftotext(content: bytes) -> str:
    """The document's text as poppler reads it, in reading order, whitespace collapsed."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return words(result.stdout.decode())


def words(text: str) -> str:
    # NFKC folds an Arabic presentation form (a letter's joined shape) back to its letter,
    # should a reader give back shapes; poppler gives back letters, so this changes nothing.
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return " ".join(text.split())


def poppler_folded(text: str) -> str:
    """The text with the two things poppler gets wrong in Arabic made alike on both sides: the
    order of the letters in a run of lams and alefs (sorted), and vowel marks (dropped). Only
    for finding headings; the order test compares the exact text."""
    text = "".join(char for char in text if unicodedata.category(char) != "Mn")
    return ARABIC_LIGATURES.sub(lambda run: "".join(sorted(run.group())), text)


def pdffonts(content: bytes) -> list[tuple[str, str]]:
    """Each font's name and its "emb" column, as poppler's pdffonts lists them."""
    result = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)
    header, _rule, *rows = result.stdout.decode().splitlines()
    emb = slice(header.index("emb"), header.index("emb") + 3)
    return [(row.split()[0], row[emb].strip()) for row in rows]


def word_boxes(content: bytes) -> list[tuple[str, float, float, float]]:
    """Each word poppler finds, with its left and right edges and its page's width. A word of a
    right to left line is given as drawn, its letters left to right: it is turned back here."""
    result = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    boxes, width = [], 0.0
    for page_width, left, right, word in WORD_BOX.findall(result.stdout.decode()):
        width = float(page_width) if page_width else width
        if word:
            word = html.unescape(word)
            if unicodedata.bidirectional(word[-1]) == "AL":
                word = word[::-1]
            boxes.append((word, float(left), float(right), width))
    return boxes


WORD_BOX = re.compile(
    r'<page width="([\d.]+)"|<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" '
    r'yMax="[\d.]+">([^<]*)</word>'
)


def translated(language: str, heading: str) -> str:
    with translation.override(language):
        return words(gettext(heading))


@pytest.mark.parametrize("language", ["fr", "ar"])
@pytest.mark.parametrize("document", list(DOCUMENTS))
def test_document_prints_its_headings_in_its_language_from_where_it_is_read(
    cast, document, language
):
    content = DOCUMENTS[document](cast, language)

    text = poppler_folded(pdftotext(content))
    first, *others = HEADINGS[document]
    assert translated(language, first) != first, f"{first!r} has no {language} translation"
    assert first not in text, f"the {document} prints {first!r} in English"
    for heading in (first, *others):
        expected = translated(language, heading)
        assert poppler_folded(expected) in text, f"{expected!r} ({heading}) is not in the PDF"
    fonts = pdffonts(content)
    assert fonts and all(emb == "yes" for _name, emb in fonts), fonts
    if language != "ar":
        # Latin text keeps the fonts it had before Arabic ones were installed, drawings too.
        assert all("DejaVu" in name for name, _emb in fonts), fonts
    # The heading's first word: the right-most of its line in Arabic, the left-most in French.
    first_word = poppler_folded(translated(language, MARGIN_HEADING[document]).split()[0])
    boxes = word_boxes(content)
    left, right, width = next(
        (left, right, width)
        for word, left, right, width in boxes
        if poppler_folded(word) == first_word
    )
    if language == "ar":
        assert right > 0.85 * width, (first_word, left, right, width)
    else:
        assert left < 0.15 * width, (first_word, left, right, width)


@pytest.mark.parametrize("document", list(DOCUMENTS))
def test_arabic_document_reads_back_in_logical_order_in_embedded_fonts(cast, document):
    heading = translated("ar", ORDERED_HEADING[document])
    assert heading == poppler_folded(heading), f"choose a heading poppler reads: {heading!r}"
    assert len(heading.split()) > 1

    content = DOCUMENTS[document](cast, "ar")

    text = pdftotext(content)
    assert heading in text, f"{heading!r} is not in the {document}: {text[:400]!r}"
    fonts = pdffonts(content)
    assert fonts
    assert all(emb == "yes" for _name, emb in fonts), fonts
    # The Arabic letters come from a font drawn for them, not from DejaVu's fallback.
    assert any("Arabic" in name for name, _emb in fonts), fonts
