"""Every document the portal prints is an archival PDF: PDF/A-3b by its XMP metadata, tagged,
every font embedded, the language it is printed in and a title in its metadata; the signed
agreement's seal stays valid for poppler and for the portal's own check.

Each document is printed once for the whole module, from data made in a transaction that is
rolled back; the tests read the bytes with poppler (pdfinfo, pdffonts, pdfsig) and pypdf, as
another program would. No full PDF/A validator runs here: the checks are the ones these tools
can make.
"""

from __future__ import annotations

import gc
import logging
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import pytest
from defusedxml import ElementTree
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from actionplans.documents import plan_document, version_document
from actionplans.selectors import plan_content
from agreements import services as agreement_services
from agreements.documents import sealed_signature_pdf
from agreements.guide import guide_agreement
from agreements.selectors import displayed_text
from alliance_portal import seal
from alliance_portal.pdf import PDF_VARIANT, render_pdf
from alliance_portal.permissions import Role
from alliance_portal.seal import SealCheck
from meetings import services as meeting_services
from meetings.documents import agenda_document, minutes_document
from outreach.documents import information_document
from reports.documents import report_document
from reports.report import Period
from stakeholders.documents import mapping_document
from stakeholders.selectors import contact_personal_data, stakeholder_list

from .factories import (
    AllianceFactory,
    ContactFactory,
    MembershipFactory,
    StakeholderFactory,
    make_approved_plan,
    make_goal,
    make_held_meeting,
    make_meeting,
    make_minutes,
    make_plan,
    make_published_agreement,
    sign_agreement,
)
from .seal_support import portal_seal_in

# The tests only read bytes, but pytest-django sets up the test database only for a session
# in which some test asks for it; the module's prints need it.
pytestmark = pytest.mark.django_db

ALLIANCE = "Kronoberg Alliance"
MEETING = "Spring plenary"
PLAN = "Kronoberg 2027"
SIGNER = "Maria Example"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
DC = "http://purl.org/dc/elements/1.1/"
PDF_NS = "http://ns.adobe.com/pdf/1.3/"


@dataclass(frozen=True)
class Printed:
    """A document as printed: its bytes, the language it is printed in, and what its title
    starts with (the document's name in that language)."""

    content: bytes
    language: str
    title_start: str


class _Complaints(logging.Handler):
    """Keeps what WeasyPrint warns about while it prints (a tagged PDF without a language,
    for one, is only logged)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def weasyprint_complaints() -> list[str]:
    return []


@pytest.fixture(scope="module")
def printed(
    django_db_setup, django_db_blocker, tmp_path_factory, weasyprint_complaints
) -> Iterator[dict[str, Printed]]:
    """Each kind of document printed once, through the functions the download views and the
    archive call. The data is rolled back at once; the seal's certificate stays set up for
    the module, so that the sealed agreement can be checked."""
    seal_dir = tmp_path_factory.mktemp("archival-seal")
    complaints = _Complaints()
    weasyprint_logger = logging.getLogger("weasyprint")
    weasyprint_logger.addHandler(complaints)
    level = weasyprint_logger.level
    weasyprint_logger.setLevel(logging.WARNING)
    try:
        with portal_seal_in(seal_dir, password="archival-test-password"):
            with django_db_blocker.unblock(), transaction.atomic():
                documents = _print_every_document()
                transaction.set_rollback(True)
            weasyprint_complaints.extend(complaints.messages)
            yield documents
    finally:
        weasyprint_logger.removeHandler(complaints)
        weasyprint_logger.setLevel(level)


def _print_every_document() -> dict[str, Printed]:
    alliance = AllianceFactory(name=ALLIANCE)
    chair, secretary, coordinator = (
        MembershipFactory(alliance=alliance, role=role).user
        for role in (Role.CHAIR, Role.SECRETARY, Role.COORDINATOR)
    )
    member = MembershipFactory(alliance=alliance, role=Role.MEMBER)
    stakeholder = StakeholderFactory(alliance=alliance)
    contact = ContactFactory(organisation=stakeholder.organisation)

    meeting = make_meeting(alliance, secretary, title=MEETING)
    minutes = _approved_minutes(alliance, secretary, chair)
    plan = make_approved_plan(alliance, coordinator, chair, title=PLAN)
    draft = make_plan(alliance, coordinator, title=PLAN)
    make_goal(draft, coordinator)
    today = timezone.localdate()

    documents = {
        "agenda": lambda: agenda_document(meeting),
        # Swedish, as a Swedish reader downloads the minutes.
        "minutes": lambda: minutes_document(minutes),
        "plan": lambda: plan_document(
            alliance=alliance,
            content=plan_content(draft),
            number=draft.version,
            status=draft.status,
        ),
        "plan_version": lambda: version_document(plan, plan.versions.get(number=plan.version)),
        "mapping": lambda: mapping_document(
            alliance, stakeholder_list(alliance=alliance, with_contacts=True)
        ),
        "information": lambda: information_document(alliance),
        "report": lambda: report_document(
            alliance, Period(today - timedelta(days=30), today + timedelta(days=30))
        ),
        "contact_data": lambda: render_pdf(
            "stakeholders/pdf/contact_data.html",
            {
                "data": contact_personal_data(contact=contact),
                "alliance": alliance,
                "generated_at": timezone.now(),
            },
        ),
    }
    languages = {"minutes": "sv"}
    titles = {
        "agenda": "Agenda",
        "minutes": "Minutes",
        "plan": "Regional action plan",
        "plan_version": "Regional action plan",
        "mapping": "Stakeholder mapping",
        "information": "Information for new members",
        "report": "Coordinator report",
        "contact_data": "Personal data held about a contact person",
    }
    printed = {}
    for name, print_document in documents.items():
        language = languages.get(name, "en")
        with translation.override(language):
            printed[name] = Printed(print_document(), language, gettext(titles[name]))
    # Signed in Arabic by a member who reads the portal in English: printed in Arabic.
    agreement_title, content = _agreement_signed_in_arabic(alliance, coordinator, member)
    printed["agreement"] = Printed(content, "ar", agreement_title)
    return printed


def _approved_minutes(alliance, secretary, chair):
    meeting = make_held_meeting(alliance, secretary, title=MEETING)
    minutes = make_minutes(meeting, secretary)
    meeting_services.minutes_circulate(minutes=minutes, actor=secretary)
    return meeting_services.minutes_approve(minutes=minutes, actor=chair)


def _agreement_signed_in_arabic(alliance, coordinator, membership) -> tuple[str, bytes]:
    version = make_published_agreement(alliance, coordinator)
    title, body = guide_agreement(alliance, "ar")
    agreement_services.translation_save(
        version=version, actor=coordinator, language="ar", title=title, body=body
    )
    text = displayed_text(version, "ar")
    signature = sign_agreement(
        version, membership, language="ar", shown_sha256=text.sha256, typed_name=SIGNER
    )
    return text.title, sealed_signature_pdf(signature)


DOCUMENTS = [
    "agenda",
    "minutes",
    "plan",
    "plan_version",
    "agreement",
    "mapping",
    "information",
    "report",
    "contact_data",
]


# Reading the PDFs back -------------------------------------------------------------------------


def _poppler(tool: str, content: bytes, tmp_path) -> str:
    # pdfsig reads only files; the others read a file just as well.
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        [tool, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def pdfinfo(content: bytes, tmp_path) -> dict[str, str]:
    """pdfinfo's "Key:   value" lines as a dictionary."""
    lines = _poppler("pdfinfo", content, tmp_path).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pdffonts(content: bytes, tmp_path) -> list[tuple[str, str]]:
    """Each font's name and its "emb" column."""
    header, _rule, *rows = _poppler("pdffonts", content, tmp_path).splitlines()
    emb = slice(header.index("emb"), header.index("emb") + 3)
    return [(row.split()[0], row[emb].strip()) for row in rows]


def catalog(content: bytes):
    """The document catalogue of the newest revision (after the seal's, for a sealed one)."""
    return PdfReader(BytesIO(content)).trailer["/Root"]


def information(content: bytes) -> dict[str, str]:
    return {key: str(value) for key, value in PdfReader(BytesIO(content)).metadata.items()}


def xmp(content: bytes) -> dict[str, str]:
    """The XMP properties that matter here, whether written as attributes of an
    rdf:Description (as WeasyPrint and pyHanko write them) or as elements."""
    packet = catalog(content)["/Metadata"].get_object().get_data()
    root = ElementTree.fromstring(packet[packet.index(b"<x:xmpmeta") : packet.rindex(b">") + 1])
    found = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        for name in (f"{{{PDFAID}}}part", f"{{{PDFAID}}}conformance", f"{{{PDF_NS}}}Producer"):
            if name in description.attrib:
                found[name] = description.attrib[name]
        for element in description:
            if element.tag == f"{{{DC}}}title":
                found[element.tag] = element.find(f".//{{{RDF}}}li").text
            elif element.text and element.text.strip():
                found[element.tag] = element.text.strip()
    return {
        "part": found.get(f"{{{PDFAID}}}part"),
        "conformance": found.get(f"{{{PDFAID}}}conformance"),
        "producer": found.get(f"{{{PDF_NS}}}Producer"),
        "title": found.get(f"{{{DC}}}title"),
    }


# The checks ------------------------------------------------------------------------------------


def test_weasyprint_prints_every_document_without_a_complaint(printed, weasyprint_complaints):
    assert len(printed) == len(DOCUMENTS)
    assert weasyprint_complaints == []


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_is_tagged(printed, name, tmp_path):
    info = pdfinfo(printed[name].content, tmp_path)

    assert info["Tagged"] == "yes", info
    assert "/StructTreeRoot" in catalog(printed[name].content)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_declares_pdfa_3b_with_an_srgb_output_intent(printed, name):
    content = printed[name].content
    metadata = xmp(content)

    assert PDF_VARIANT == "pdf/a-3b"
    assert (metadata["part"], metadata["conformance"]) == ("3", "B")
    assert content.startswith(b"%PDF-1.7")
    intents = catalog(content)["/OutputIntents"]
    assert [intent.get_object()["/S"] for intent in intents] == ["/GTS_PDFA1"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_embeds_every_font(printed, name, tmp_path):
    fonts = pdffonts(printed[name].content, tmp_path)

    assert fonts
    assert all(emb == "yes" for _font, emb in fonts), fonts


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_language_is_the_language_it_is_printed_in(printed, name):
    document = printed[name]

    assert catalog(document.content)["/Lang"] == document.language


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_title_names_the_document_in_info_and_xmp_alike(printed, name, tmp_path):
    document = printed[name]
    info = information(document.content)
    metadata = xmp(document.content)

    assert info["/Title"].startswith(document.title_start), info
    assert pdfinfo(document.content, tmp_path)["Title"] == info["/Title"]
    # PDF/A: what the information dictionary says, the XMP metadata says the same.
    assert metadata["title"] == info["/Title"]
    assert metadata["producer"] == info["/Producer"]


def test_titles_say_which_document_of_which_alliance(printed):
    assert ALLIANCE in information(printed["agenda"].content)["/Title"]
    assert MEETING in information(printed["agenda"].content)["/Title"]
    assert MEETING in information(printed["minutes"].content)["/Title"]
    assert PLAN in information(printed["plan_version"].content)["/Title"]
    assert SIGNER in information(printed["agreement"].content)["/Title"]
    assert ALLIANCE in information(printed["report"].content)["/Title"]


def test_sealed_agreement_stays_valid_for_poppler_and_the_portal(printed, tmp_path):
    content = printed["agreement"].content

    lines = [line.strip() for line in _poppler("pdfsig", content, tmp_path).splitlines()]
    assert "- Signature Validation: Signature is Valid." in lines
    assert "- Total document signed" in lines
    assert seal.verify_sealed_pdf(content).outcome == SealCheck.VALID


def test_printing_leaves_the_garbage_collector_as_it_found_it():
    assert gc.get_freeze_count() == 0
    assert render_pdf("pdf/base.html", {}).startswith(b"%PDF-")
    assert gc.get_freeze_count() == 0, "objects frozen while printing stay frozen"

    # A server that froze its start-up heap (to share it between forked workers) keeps it so.
    # A frozen object whose last reference goes (a cache entry replaced while printing) leaves
    # the frozen set, so the count may drop by a few; unfreezing would drop it to nothing.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        render_pdf("pdf/base.html", {})
        assert gc.get_freeze_count() > frozen * 0.99
    finally:
        gc.unfreeze()
