"""The signed agreement as a PDF: its text, signature block and audit page, and the portal's seal.

Text is read back with pypdf. Every render here also seals, so each test renders at most what it
needs. The seal certificate lives in a temporary directory for this module; nothing touches var/.
poppler's pdfsig is required: a missing tool fails the test rather than skipping it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from agreements import services
from agreements.documents import sealed_signature_pdf
from agreements.models import Signature, SignatureEvent
from agreements.selectors import displayed_text
from agreements.services import RequestFacts
from alliance_portal import seal
from alliance_portal.seal import SealCheck

from ..conftest import client_for
from ..seal_support import portal_seal_in, timestamp_authority_server
from .conftest import FACTS, sign_as

SERVER_CLOCK = (
    "Every time on this page, and the time of the seal, comes from the portal's server clock, "
    "in UTC. No trusted timestamp authority is configured, so the seal carries no independent "
    "timestamp."
)
TIMESTAMPED_CLOCK = (
    "The times in the event log come from the portal's server clock, in UTC. The seal carries a "
    "trusted timestamp from {url}, which fixes when the document was sealed."
)
INVITER = RequestFacts(ip_address="203.0.113.9", user_agent="Coordinator browser/2.0")
SCRIPT = "<script>alert(1)</script>"
# What the document prints for a value that is not there.
NO_VALUE = "\N{EN DASH}"
SWEDISH_TITLE = "Åtagandeavtal för Kronobergs allians"
SWEDISH_BODY = (
    "Som medlem i alliansen förbinder jag mig att delta i mötena och sprida information.\n\n"
    "Jag känner till att alliansen har åtagit sig att alla ska veta vart de kan vända sig.\n\n"
    "Jag kommer alltid att visa respekt för alliansens övriga medlemmar."
)


# --- Fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seal_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("document-seal")


@pytest.fixture(scope="module", autouse=True)
def portal_seal(seal_dir):
    """The portal's certificate in a temporary directory, and no timestamp authority."""
    with portal_seal_in(seal_dir, password="document-test-password"):
        yield


@pytest.fixture(scope="module")
def timestamp_authority(seal_dir):
    """A small RFC 3161 server on localhost answering with pyHanko's DummyTimeStamper; yields
    its URL and a PEM file with its certificate."""
    with timestamp_authority_server(seal_dir) as authority:
        yield authority


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _compact(text: str) -> str:
    """Without any whitespace: a hash printed across two lines reads as one again."""
    return "".join(text.split())


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def _without_footers(page: str) -> str:
    """The page's text without the running footer (title and "page / pages")."""
    return "\n".join(line for line in page.splitlines() if not re.search(r"\d+ / \d+$", line))


def _audit_index(pages: list[str], signature: Signature) -> int:
    """The page with the audit facts, found by the reference, which is printed only there."""
    found = [i for i, page in enumerate(pages) if signature.public_id.hex in _compact(page)]
    assert len(found) == 1, f"the reference is on pages {found}"
    return found[0]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _signed_range_end(pdf: bytes) -> int:
    """Where the first signed byte range ends (the /Contents hex string starts there)."""
    _, first_length, _, _ = PdfFileReader(BytesIO(pdf)).embedded_signatures[-1].byte_range
    return first_length


def _pdfsig(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdfsig")
    if not tool:
        pytest.fail("pdfsig is not installed; `make pdf-tools` installs it (poppler-utils)")
    path = tmp_path / "signed-agreement.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [tool, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return result.stdout + result.stderr


def _pyhanko_status(pdf: bytes):
    return validate_pdf_signature(
        PdfFileReader(BytesIO(pdf)).embedded_signatures[-1],
        signer_validation_context=ValidationContext(
            trust_roots=[seal.seal_certificate()], allow_fetching=False
        ),
    )


def _content_stream_offset(pdf: bytes) -> int:
    """The offset of a byte in the middle of the first page's content stream data."""
    contents = PdfReader(BytesIO(pdf)).pages[0].raw_get("/Contents")
    if isinstance(contents.get_object(), ArrayObject):
        contents = contents.get_object()[0]
    number = contents.idnum
    header = re.search(rb"(?<![0-9])%d 0 obj\b" % number, pdf)
    assert header is not None, f"object {number} not found"
    start = re.compile(rb"stream\r?\n").search(pdf, header.end()).end()
    end = pdf.index(b"endstream", start)
    assert end - start > 16, "the content stream is too short to change safely"
    return start + (end - start) // 2


def _flipped(pdf: bytes, offset: int) -> bytes:
    changed = bytearray(pdf)
    changed[offset] ^= 0x01
    return bytes(changed)


def _filename(response) -> str:
    match = re.fullmatch(r'attachment; filename="([^"/\\]+)"', response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    return match.group(1)


def _pdf_url(cast, signature: Signature) -> str:
    return reverse("agreements:signature_pdf", args=[cast.alliance.pk, signature.pk])


# --- The document ---------------------------------------------------------------------------------


def test_the_pdf_carries_the_text_the_signature_and_an_audit_page_of_its_own(
    cast, version, django_capture_on_commit_callbacks
):
    signature = services.signature_for_member(
        version=version, membership=cast.membership(cast.member)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_invite(signature=signature, actor=cast.coordinator, facts=INVITER)
    # A visit at a time of day where UTC and Stockholm fall on different dates.
    SignatureEvent.objects.create(
        signature=signature,
        kind=SignatureEvent.Kind.VIEWED,
        at=datetime(2026, 1, 15, 23, 30, 5, tzinfo=UTC),
        actor=cast.member,
        ip_address="2001:db8::7",
        user_agent="Phone browser/1.0",
    )
    signature = sign_as(cast, version, cast.member)
    events = list(signature.events.order_by("at", "id"))
    assert [event.kind for event in events] == ["viewed", "invited", "email_sent", "signed"]

    pdf = sealed_signature_pdf(signature)

    pages = _pages(pdf)
    assert len(pages) >= 2
    audit_index = _audit_index(pages, signature)
    assert audit_index >= 1
    document = _normalised(" ".join(_without_footers(page) for page in pages[:audit_index]))
    audit = _normalised(pages[audit_index])
    assert audit.startswith("Audit page")
    assert "Audit page" not in document

    # The agreement: title and every paragraph, in full, before the audit page.
    assert version.title in document
    paragraphs = displayed_text(version, "").paragraphs
    assert len(paragraphs) >= 5
    for paragraph in paragraphs:
        assert _normalised(paragraph) in document
        assert _normalised(paragraph) not in audit

    # The signature block.
    assert (
        "Signature Name Maria Example "
        f"Date (UTC) {signature.signed_at.astimezone(UTC):%Y-%m-%d} "
        "Organisation Växjö municipality "
        "Email or best way to be contacted maria@example.org"
    ) in document
    assert "Countersignature" not in document
    assert "WITHDRAWN" not in document
    assert "NOT SIGNED" not in document

    # The audit page: hashes in full (they may wrap), reference, signer and how they were known.
    compact = _compact(pages[audit_index])
    assert len(version.sha256) == 64
    assert f"SHA-256oftheversion{version.sha256}" in compact
    assert f"SHA-256ofthetextsigned{signature.text_sha256}" in compact
    assert f"Reference{signature.public_id.hex}" in compact
    assert f"Published {_utc(version.published_at)} UTC" in audit
    assert "Language signed in en" in audit
    user = cast.member
    assert f"Account {user.get_full_name()} <{user.email}>" in audit
    assert "Name typed as signature Maria Example" in audit
    assert "Status Signed" in audit
    assert f"Signed (UTC) {_utc(signature.signed_at)}" in audit
    assert "Identity confirmed by Logged in to the portal with their password" in audit
    assert "IP address 198.51.100.7" in audit
    assert f"Browser {FACTS.user_agent}" in audit

    # Every event, in order, with its time in UTC and where it came from.
    log = audit[audit.index("Event log") :]
    expected_rows = [
        f"{_utc(events[0].at)} Viewed the agreement 2001:db8::7",
        f"{_utc(events[1].at)} Invited to sign 203.0.113.9",
        f"{_utc(events[2].at)} Invitation email sent {NO_VALUE}",
        f"{_utc(events[3].at)} Signed 198.51.100.7",
    ]
    positions = []
    for row in expected_rows:
        assert row in log, row
        positions.append(log.index(row))
    assert positions == sorted(positions)
    assert "2026-01-15 23:30:05" in log
    assert "2026-01-16 00:30:05" not in audit  # the same moment in Stockholm time

    # The clock: no timestamp authority, so the server's.
    assert SERVER_CLOCK in audit
    assert "trusted timestamp from" not in audit


def test_with_a_timestamp_authority_the_audit_page_names_it(signed, timestamp_authority):
    url, roots = timestamp_authority
    with override_settings(SEAL_TIMESTAMP_URL=url, SEAL_TIMESTAMP_TRUST_ROOTS=str(roots)):
        pdf = sealed_signature_pdf(signed)
        check = seal.verify_sealed_pdf(pdf)

    pages = _pages(pdf)
    audit = _normalised(pages[_audit_index(pages, signed)])
    assert "Audit page" in audit
    assert TIMESTAMPED_CLOCK.format(url=url) in audit
    assert "No trusted timestamp authority is configured" not in audit
    assert check.outcome == SealCheck.VALID
    assert check.timestamped is True
    assert check.reference == signed.public_id.hex


def test_a_signature_given_in_swedish_prints_the_swedish_text(cast, version):
    services.translation_save(
        version=version,
        actor=cast.coordinator,
        language="sv",
        title=SWEDISH_TITLE,
        body=SWEDISH_BODY,
    )
    signature = sign_as(
        cast,
        version,
        cast.member,
        language="sv",
        personal_member=True,
        organisation="",
        identity=Signature.Identity.EMAIL_CODE,
    )
    assert signature.language == "sv"

    pdf = sealed_signature_pdf(signature)

    pages = _pages(pdf)
    audit_index = _audit_index(pages, signature)
    document = _normalised(" ".join(_without_footers(page) for page in pages[:audit_index]))
    assert SWEDISH_TITLE in document
    for paragraph in SWEDISH_BODY.split("\n\n"):
        assert _normalised(paragraph) in document
    assert version.title not in document
    for paragraph in displayed_text(version, "").paragraphs:
        assert _normalised(paragraph) not in document
    # Headings in Swedish where the catalogue has them.
    assert "Namn Maria Example" in document
    assert "Datum " in document
    assert "Personlig medlem" in document
    assert "Personal member" not in document
    assert "Växjö municipality" not in document

    audit = pages[audit_index]
    translation = version.translations.get(language="sv")
    assert signature.text_sha256 == translation.sha256 != version.sha256
    assert translation.sha256 in _compact(audit)
    assert version.sha256 in _compact(audit)
    assert "198.51.100.7" in audit
    assert seal.verify_sealed_pdf(pdf).reference == signature.public_id.hex


def test_a_withdrawn_signature_still_downloads_marked_withdrawn(cast, signed):
    services.signature_withdraw(signature=signed, facts=FACTS, reason="I left the municipality")
    signed.refresh_from_db()
    withdrawal = signed.events.get(kind=SignatureEvent.Kind.WITHDRAWN)

    response = client_for(cast.member).get(_pdf_url(cast, signed))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    pages = _pages(pdf)
    first = _normalised(pages[0])
    assert "WITHDRAWN" in first
    assert first.index("WITHDRAWN") < first.index(signed.version.title)
    audit = _normalised(pages[_audit_index(pages, signed)])
    assert f"Withdrawn (UTC) {_utc(signed.withdrawn_at)}: I left the municipality" in audit
    assert "Status Withdrawn" in audit
    assert f"{_utc(withdrawal.at)} Withdrew the signature 198.51.100.7" in audit
    assert seal.verify_sealed_pdf(pdf).outcome == SealCheck.VALID


def test_a_countersigned_signature_shows_the_chairs_name(cast, countersigned_version):
    signature = sign_as(cast, countersigned_version, cast.member)
    signature = services.signature_countersign(
        signature=signature, actor=cast.chair, typed_name="Christina Chairperson", facts=FACTS
    )

    pdf = sealed_signature_pdf(signature)

    pages = _pages(pdf)
    audit_index = _audit_index(pages, signature)
    document = _normalised(" ".join(_without_footers(page) for page in pages[:audit_index]))
    assert (
        "Countersignature Name Christina Chairperson Role Chair "
        f"Date (UTC) {signature.countersigned_at.astimezone(UTC):%Y-%m-%d}"
    ) in document
    audit = _normalised(pages[audit_index])
    countersigned = signature.events.get(kind=SignatureEvent.Kind.COUNTERSIGNED)
    assert f"{_utc(countersigned.at)} Countersigned by the chair" in audit


# --- The seal -------------------------------------------------------------------------------------


def test_the_real_document_is_sealed_and_one_changed_byte_breaks_the_seal(signed, tmp_path):
    pdf = sealed_signature_pdf(signed)

    report = _pdfsig(pdf, tmp_path)
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    status = _pyhanko_status(pdf)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    embedded = PdfFileReader(BytesIO(pdf)).embedded_signatures[-1]
    assert embedded.sig_object["/Reason"] == (
        "Commitment agreement of Kronoberg Alliance, version 1, signed by Maria Example"
    )
    check = seal.verify_sealed_pdf(pdf)
    assert check.outcome == SealCheck.VALID
    assert check.reference == signed.public_id.hex

    signed_end = _signed_range_end(pdf)
    content_offset = _content_stream_offset(pdf)
    # A letter of the producer's name in the information dictionary: "/Producer (WeasyPrint".
    producer_offset = pdf.index(b"/Producer (") + len(b"/Producer (") + 1
    for offset in (content_offset, producer_offset):
        assert offset < signed_end, "the byte must be inside the first signed range"
        changed = _flipped(pdf, offset)
        assert changed != pdf
        report = _pdfsig(changed, tmp_path)
        assert "Signature is Valid." not in report
        assert seal.verify_sealed_pdf(changed) == SealCheck(SealCheck.MODIFIED)


def test_markup_typed_by_the_signer_prints_as_literal_text(cast, version):
    signature = sign_as(
        cast,
        version,
        cast.member,
        typed_name=SCRIPT,
        organisation="<b>Bold & Co</b>",
        contact="<img src=x onerror=alert(2)>",
    )

    response = client_for(cast.member).get(_pdf_url(cast, signature))

    assert response.status_code == 200
    assert _filename(response) == "kronoberg-alliance-agreement-v1-scriptalert1script.pdf"
    pages = _pages(response.content)
    text = _normalised(" ".join(pages))
    assert f"Name {SCRIPT}" in text
    assert "Organisation <b>Bold & Co</b>" in text
    assert "<img src=x onerror=alert(2)>" in text
    assert f"Name typed as signature {SCRIPT}" in text
    assert "&lt;" not in text
    assert "&amp;" not in text
    check = seal.verify_sealed_pdf(response.content)
    assert check.outcome == SealCheck.VALID
    assert check.reference == signature.public_id.hex


def test_two_downloads_both_verify_with_the_same_reference_and_a_slug_name(cast, signed, tmp_path):
    client = client_for(cast.member)

    first = client.get(_pdf_url(cast, signed))
    second = client.get(_pdf_url(cast, signed))

    for response in (first, second):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        name = _filename(response)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.pdf", name), name
        assert name == "kronoberg-alliance-agreement-v1-maria-example.pdf"
    checks = [seal.verify_sealed_pdf(response.content) for response in (first, second)]
    assert [check.outcome for check in checks] == [SealCheck.VALID, SealCheck.VALID]
    assert checks[0].reference == checks[1].reference == signed.public_id.hex
    assert "Signature is Valid." in _pdfsig(second.content, tmp_path)


def test_a_request_that_was_never_signed_has_no_pdf(cast, version):
    pending = services.signature_for_member(
        version=version, membership=cast.membership(cast.member)
    )
    declined = services.signature_decline(
        signature=services.signature_for_member(
            version=version, membership=cast.membership(cast.secretary)
        ),
        facts=FACTS,
        reason="Not now",
    )

    assert client_for(cast.member).get(_pdf_url(cast, pending)).status_code == 404
    assert client_for(cast.secretary).get(_pdf_url(cast, declined)).status_code == 404
    assert client_for(cast.chair).get(_pdf_url(cast, declined)).status_code == 404


def test_another_members_signature_pdf_is_not_theirs_to_download(cast, signed):
    assert client_for(cast.secretary).get(_pdf_url(cast, signed)).status_code == 403
    assert client_for(cast.other_chair).get(_pdf_url(cast, signed)).status_code == 404
