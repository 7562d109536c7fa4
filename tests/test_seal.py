"""The portal's PDF seal: its certificate, PAdES seals that pyHanko and poppler accept, and the
check that tells a sealed document from a changed, forged or foreign one.

Certificates are made once per module in a temporary directory; nothing here touches var/.
poppler's pdfsig and NSS's certutil are required (make test installs them): CI must run these.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from asn1crypto import cms
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML

from alliance_portal import seal
from alliance_portal import settings as settings_module
from alliance_portal.seal import SealCheck

from .seal_support import (
    certificate_pem,
    portal_seal_in,
    self_signed_certificate,
    timestamp_authority_server,
)

REFERENCE = "3f2b9c1e7d5a4b8e9c0d1e2f3a4b5c6d"
PASSWORD = "test-seal-password"


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seal_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("seal")


@pytest.fixture(scope="module", autouse=True)
def portal_seal(seal_dir):
    """The portal's certificate lives in a temporary directory, and no timestamp authority."""
    with portal_seal_in(seal_dir, password=PASSWORD) as certificate:
        yield certificate


@pytest.fixture(scope="module")
def agreement_pdf() -> bytes:
    return HTML(string="<h1>Commitment agreement</h1><p>Agreement text ÅÄÖ</p>").write_pdf()


@pytest.fixture(scope="module")
def sealed_pdf(portal_seal, agreement_pdf) -> bytes:
    return seal.seal_pdf(
        agreement_pdf, reference=REFERENCE, reason="Signed agreement", location="Växjö"
    )


@pytest.fixture(scope="module")
def portal_pem(sealed_pdf, seal_dir) -> Path:
    path = seal_dir / "portal.pem"
    path.write_text(seal.seal_certificate_pem())
    return path


@pytest.fixture(scope="module")
def nss_database(portal_pem, seal_dir) -> str:
    """An NSS certificate database in which the portal's certificate is trusted."""
    directory = seal_dir / "nss"
    directory.mkdir()
    database = f"sql:{directory}"
    _run(_tool("certutil"), "-N", "--empty-password", "-d", database)
    _run(_tool("certutil"), "-A", "-n", "portal", "-t", "CT,C,C", "-i", portal_pem, "-d", database)
    return database


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(
            f"{name} is not installed; `make pdf-tools` installs it (poppler-utils, libnss3-tools)"
        )
    return found


def _run(*command) -> str:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _pdfsig(pdf: bytes, tmp_path: Path, *options: str) -> list[str]:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return [line.strip() for line in _run(_tool("pdfsig"), *options, path).splitlines()]


def _last_signature(pdf: bytes):
    return PdfFileReader(BytesIO(pdf)).embedded_signatures[-1]


def _pyhanko_status(pdf: bytes):
    return validate_pdf_signature(
        _last_signature(pdf),
        signer_validation_context=ValidationContext(
            trust_roots=[seal.seal_certificate()], allow_fetching=False
        ),
    )


def _with_new_info(pdf: bytes, **entries: str) -> bytes:
    """The PDF with an incremental update that sets entries of its information dictionary."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    info = generic.DictionaryObject(writer.trailer["/Info"])
    for key, value in entries.items():
        info[generic.pdf_name(f"/{key}")] = generic.TextStringObject(value)
    writer.set_info(info)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _flip_reference_byte(pdf: bytes) -> bytes:
    """A copy with one character of the sealed reference changed, outside the signature itself."""
    offset = pdf.index(f"{seal.REFERENCE_KEY} ({REFERENCE}".encode()) + len(seal.REFERENCE_KEY) + 2
    _, first_length, second_start, _ = _last_signature(pdf).byte_range
    assert offset < first_length or offset >= second_start, "the byte must be in the signed range"
    changed = bytearray(pdf)
    changed[offset] = ord("0") if changed[offset] != ord("0") else ord("1")
    return bytes(changed)


# --- The certificate ----------------------------------------------------------------------------


def test_the_first_call_creates_the_certificate_and_later_calls_reuse_it(tmp_path):
    path = tmp_path / "new" / "portal-seal.p12"
    with override_settings(SEAL_CERTIFICATE_PATH=path, SEAL_CERTIFICATE_PASSWORD="new"):
        assert not path.exists()
        assert seal.ensure_seal_certificate() == path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        certificate = seal.seal_certificate()
        content = path.read_bytes()

        assert seal.ensure_seal_certificate() == path
        assert path.read_bytes() == content
        assert seal.seal_certificate().dump() == certificate.dump()
    assert sorted(item.name for item in path.parent.iterdir()) == ["portal-seal.p12"]

    subject = certificate.subject.native
    assert subject["common_name"] == "Alliance Portal document seal"
    assert subject["organization_name"] == "Test Alliance"
    assert certificate.subject == certificate.issuer
    validity = certificate["tbs_certificate"]["validity"]
    lifetime = validity["not_after"].native - validity["not_before"].native
    assert timedelta(days=365 * 10) <= lifetime <= timedelta(days=365 * 10 + 3)
    assert certificate.public_key.bit_size == 3072
    assert set(certificate.key_usage_value.native) >= {"digital_signature", "non_repudiation"}
    assert certificate.key_identifier is not None


def test_creating_the_file_never_replaces_one_that_appeared_meanwhile(tmp_path):
    path = tmp_path / "portal-seal.p12"
    assert seal._publish_without_overwriting(path, b"first") is True
    assert seal._publish_without_overwriting(path, b"second") is False
    assert path.read_bytes() == b"first"
    assert [item.name for item in tmp_path.iterdir()] == ["portal-seal.p12"]


def test_a_wrong_password_is_a_configuration_error_and_keeps_the_file(portal_seal):
    seal.ensure_seal_certificate()
    content = portal_seal.read_bytes()
    with (
        override_settings(SEAL_CERTIFICATE_PASSWORD="not-the-password"),
        pytest.raises(ImproperlyConfigured, match="SEAL_CERTIFICATE_PASSWORD"),
    ):
        seal.seal_certificate()
    assert portal_seal.read_bytes() == content


def test_a_corrupt_certificate_file_is_a_configuration_error(tmp_path):
    broken = tmp_path / "broken.p12"
    broken.write_bytes(b"not a PKCS#12 file")
    with (
        override_settings(SEAL_CERTIFICATE_PATH=broken),
        pytest.raises(ImproperlyConfigured, match="SEAL_CERTIFICATE_PASSWORD"),
    ):
        seal.seal_certificate()
    assert broken.read_bytes() == b"not a PKCS#12 file"


def test_a_certificate_path_from_the_environment_needs_its_password(monkeypatch):
    monkeypatch.setenv("SEAL_CERTIFICATE_PATH", "/srv/seal/portal.p12")
    monkeypatch.delenv("SEAL_CERTIFICATE_PASSWORD", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SEAL_CERTIFICATE_PASSWORD"):
        settings_module._seal_certificate_password()


def test_without_configuration_a_password_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SEAL_CERTIFICATE_PATH", raising=False)
    monkeypatch.delenv("SEAL_CERTIFICATE_PASSWORD", raising=False)
    monkeypatch.setattr(settings_module, "VAR_DIR", tmp_path)
    password = settings_module._seal_certificate_password()
    assert len(password) >= 32
    assert stat.S_IMODE((tmp_path / "seal" / "password").stat().st_mode) == 0o600
    assert settings_module._seal_certificate_password() == password
    monkeypatch.setenv("SEAL_CERTIFICATE_PASSWORD", "from-the-environment")
    assert settings_module._seal_certificate_password() == "from-the-environment"


def test_a_timestamp_authority_needs_trust_roots_for_its_time(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import alliance_portal.settings"],
        cwd=Path(__file__).resolve().parent.parent,
        env={
            **os.environ,
            "VAR_DIR": str(tmp_path),
            "SEAL_TIMESTAMP_URL": "http://tsa.invalid/",
            "SEAL_TIMESTAMP_TRUST_ROOTS": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SEAL_TIMESTAMP_TRUST_ROOTS must name a PEM file" in result.stderr


def test_unreadable_timestamp_trust_roots_are_a_configuration_error(tmp_path, sealed_pdf):
    broken = tmp_path / "roots.pem"
    broken.write_text("not a certificate")
    for roots in [broken, tmp_path / "missing.pem"]:
        with (
            override_settings(SEAL_TIMESTAMP_TRUST_ROOTS=str(roots)),
            pytest.raises(ImproperlyConfigured, match="SEAL_TIMESTAMP_TRUST_ROOTS"),
        ):
            seal.verify_sealed_pdf(sealed_pdf)


def test_the_management_command_prints_the_fingerprint_or_the_pem():
    out = StringIO()
    call_command("seal_certificate", stdout=out)
    assert seal.certificate_fingerprint(seal.seal_certificate()) in out.getvalue()
    assert "Alliance Portal document seal" in out.getvalue()

    out = StringIO()
    call_command("seal_certificate", "--pem", stdout=out)
    assert out.getvalue() == seal.seal_certificate_pem()
    assert out.getvalue().startswith("-----BEGIN CERTIFICATE-----\n")
    assert out.getvalue().rstrip().endswith("-----END CERTIFICATE-----")


# --- Sealing ------------------------------------------------------------------------------------


def test_the_seal_is_a_pades_signature_that_pyhanko_trusts_over_the_whole_file(sealed_pdf):
    status = _pyhanko_status(sealed_pdf)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.timestamp_validity is None

    signature = _last_signature(sealed_pdf)
    assert signature.field_name == seal.SIGNATURE_FIELD_NAME
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "Signed agreement"
    assert signature.sig_object["/Location"] == "Växjö"
    assert signature.md_algorithm == "sha256"
    # Invisible: the widget has an empty rectangle.
    assert [float(side) for side in signature.sig_field["/Rect"]] == [0, 0, 0, 0]


def test_poppler_validates_the_seal_and_trusts_the_portal_certificate(
    sealed_pdf, nss_database, tmp_path
):
    lines = _pdfsig(sealed_pdf, tmp_path)
    assert "- Signature Validation: Signature is Valid." in lines
    assert "- Total document signed" in lines
    assert "- Signature Type: ETSI.CAdES.detached" in lines

    trusted = _pdfsig(sealed_pdf, tmp_path, "-nssdir", nss_database)
    assert "- Signature Validation: Signature is Valid." in trusted
    assert "- Certificate Validation: Certificate is Trusted." in trusted


def test_one_changed_byte_in_the_signed_range_breaks_the_seal_for_everyone(
    sealed_pdf, nss_database, tmp_path
):
    changed = _flip_reference_byte(sealed_pdf)

    lines = _pdfsig(changed, tmp_path, "-nssdir", nss_database)
    assert "- Signature Validation: Signature is Valid." not in lines
    assert "- Signature Validation: Digest Mismatch." in lines
    assert not _pyhanko_status(changed).intact
    assert seal.verify_sealed_pdf(changed) == SealCheck(SealCheck.MODIFIED)


def test_the_reference_must_be_short_plain_ascii(agreement_pdf):
    for reference in ["", "x" * 65, "räksmörgås", "a b", "(evil)", "-leading-dash"]:
        with pytest.raises(ValueError, match="seal reference"):
            seal.seal_pdf(agreement_pdf, reference=reference, reason="Signed agreement")


# --- Verification -------------------------------------------------------------------------------


def test_a_sealed_document_is_valid_with_its_reference_and_time(sealed_pdf):
    check = seal.verify_sealed_pdf(sealed_pdf)
    assert check.outcome == SealCheck.VALID
    assert check.is_valid
    assert check.reference == REFERENCE
    assert check.timestamped is False
    assert abs(datetime.now(UTC) - check.sealed_at) < timedelta(minutes=5)


@pytest.mark.parametrize(
    "data",
    [b"hello", b"", b"%PDF-1.7\n", b"\x00" * 2048],
    ids=["text", "empty", "header-only", "zeros"],
)
def test_bytes_that_are_not_a_pdf_are_reported_as_such(data):
    assert seal.verify_sealed_pdf(data) == SealCheck(SealCheck.NOT_PDF)


def test_truncated_or_random_pdf_bytes_are_not_a_pdf(sealed_pdf, agreement_pdf):
    assert seal.verify_sealed_pdf(sealed_pdf[:-100]).outcome == SealCheck.NOT_PDF
    assert seal.verify_sealed_pdf(sealed_pdf[:2000]).outcome == SealCheck.NOT_PDF
    assert seal.verify_sealed_pdf(agreement_pdf[: len(agreement_pdf) // 2]) == SealCheck(
        SealCheck.NOT_PDF
    )
    assert seal.verify_sealed_pdf(b"%PDF-" + os.urandom(50_000)) == SealCheck(SealCheck.NOT_PDF)
    looks_like_a_pdf = b"%PDF-1.7\n" + b"1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 1500
    assert seal.verify_sealed_pdf(looks_like_a_pdf + b"%%EOF\n") == SealCheck(SealCheck.NOT_PDF)


def test_hostile_bytes_are_logged_briefly_without_tracebacks(sealed_pdf, caplog):
    caplog.set_level(logging.INFO)
    hostile = [b"%PDF-" + os.urandom(50_000), sealed_pdf[:-100], b"%PDF-1.7\n" + b"[" * 100_000]
    for data in hostile:
        assert not seal.verify_sealed_pdf(data).is_valid
    assert caplog.records
    for record in caplog.records:
        assert record.levelno <= logging.INFO, record.getMessage()
        assert record.exc_info is None
        assert len(record.getMessage()) < 400


def test_an_unsigned_pdf_is_not_sealed(agreement_pdf):
    assert seal.verify_sealed_pdf(agreement_pdf) == SealCheck(SealCheck.NOT_SEALED)


def test_an_update_appended_after_the_seal_is_a_modification(sealed_pdf):
    updated = _with_new_info(sealed_pdf, Title="Another agreement")
    assert PdfFileReader(BytesIO(updated)).trailer["/Info"]["/Title"] == "Another agreement"
    assert _pyhanko_status(updated).coverage != SignatureCoverageLevel.ENTIRE_FILE
    assert seal.verify_sealed_pdf(updated) == SealCheck(SealCheck.MODIFIED)


def test_bytes_appended_after_the_seal_are_a_modification(sealed_pdf):
    assert seal.verify_sealed_pdf(sealed_pdf + b"\n% appended\n").outcome == SealCheck.MODIFIED


def test_a_look_alike_certificate_with_the_same_name_is_not_the_portal(
    agreement_pdf, seal_dir, sealed_pdf
):
    with override_settings(
        SEAL_CERTIFICATE_PATH=seal_dir / "look-alike.p12", SEAL_CERTIFICATE_PASSWORD="other"
    ):
        look_alike = seal.seal_certificate()
        look_alike_sealed = seal.seal_pdf(
            agreement_pdf, reference=REFERENCE, reason="Signed agreement"
        )
    assert look_alike.subject == seal.seal_certificate().subject
    assert look_alike.dump() != seal.seal_certificate().dump()

    assert seal.verify_sealed_pdf(look_alike_sealed) == SealCheck(SealCheck.NOT_PORTAL)
    # NOT_PORTAL is for intact signatures: a changed look-alike is a changed document.
    changed = _flip_reference_byte(look_alike_sealed)
    assert seal.verify_sealed_pdf(changed) == SealCheck(SealCheck.MODIFIED)
    # ... and a portal seal covered by a look-alike's later signature is no longer valid.
    with override_settings(
        SEAL_CERTIFICATE_PATH=seal_dir / "look-alike.p12", SEAL_CERTIFICATE_PASSWORD="other"
    ):
        countersigned = signers.sign_pdf(
            IncrementalPdfFileWriter(BytesIO(sealed_pdf)),
            signers.PdfSignatureMetadata(
                field_name="Countersignature", subfilter=fields.SigSeedSubFilter.PADES
            ),
            signer=seal._signer(),
        ).getvalue()
    assert len(PdfFileReader(BytesIO(countersigned)).embedded_signatures) == 2
    assert seal.verify_sealed_pdf(countersigned) == SealCheck(SealCheck.MODIFIED)


def test_a_forged_pdf_carrying_a_genuine_seals_signature_is_not_valid(sealed_pdf):
    """Another document, prepared for signing by the portal's certificate, whose signature is the
    CMS copied byte for byte from a genuine seal (pyHanko's interrupted signing)."""
    genuine_cms = cms.ContentInfo.load(_last_signature(sealed_pdf).pkcs7_content, strict=False)
    other = HTML(string="<p>Agreement text that nobody agreed to</p>").write_pdf()
    writer = IncrementalPdfFileWriter(BytesIO(other))
    seal._write_reference(writer, REFERENCE)
    portal_certificate = seal.seal_certificate()
    placeholder_signer = signers.ExternalSigner(
        signing_cert=portal_certificate, cert_registry=None, signature_value=bytes(384)
    )
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=seal.SIGNATURE_FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Signed agreement",
        ),
        signer=placeholder_signer,
    )
    prepared_digest, _, output = asyncio.run(
        pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=len(genuine_cms.dump()) * 2 + 64
        )
    )
    PdfTBSDocument.finish_signing(output, prepared_digest, genuine_cms)
    forged = output.getvalue()

    forged_signature = _last_signature(forged)
    assert forged_signature.signer_cert.dump() == portal_certificate.dump()
    assert forged_signature.pkcs7_content.rstrip(b"\x00") == genuine_cms.dump()
    assert not _pyhanko_status(forged).intact

    check = seal.verify_sealed_pdf(forged)
    assert check.outcome in {SealCheck.MODIFIED, SealCheck.INVALID}
    assert check.reference is None


def test_a_signature_that_is_not_cms_is_invalid(sealed_pdf):
    """The /Contents of a genuine seal overwritten with other hex of the same length."""
    signature = _last_signature(sealed_pdf)
    _, first_length, second_start, _ = signature.byte_range
    hole = second_start - first_length - 2
    garbage = sealed_pdf[: first_length + 1] + b"30" * (hole // 2) + sealed_pdf[second_start - 1 :]
    assert len(garbage) == len(sealed_pdf)
    assert seal.verify_sealed_pdf(garbage).outcome == SealCheck.INVALID


# --- Timestamps ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def timestamp_authority(seal_dir):
    """A tiny RFC 3161 server on localhost answering with pyHanko's DummyTimeStamper."""
    with timestamp_authority_server(seal_dir) as authority:
        yield authority


def test_without_a_timestamp_authority_the_clock_is_the_servers(sealed_pdf):
    assert seal.timestamp_clock_label() is None
    assert _pyhanko_status(sealed_pdf).timestamp_validity is None
    assert seal.verify_sealed_pdf(sealed_pdf).timestamped is False


def test_with_a_timestamp_authority_the_seal_is_timestamped(
    agreement_pdf, timestamp_authority, tmp_path
):
    url, roots = timestamp_authority
    with override_settings(SEAL_TIMESTAMP_URL=url, SEAL_TIMESTAMP_TRUST_ROOTS=str(roots)):
        assert seal.timestamp_clock_label() == url
        sealed = seal.seal_pdf(agreement_pdf, reference=REFERENCE, reason="Signed agreement")
        check = seal.verify_sealed_pdf(sealed)
    timestamp = _pyhanko_status(sealed).timestamp_validity
    assert timestamp is not None
    assert timestamp.intact and timestamp.valid
    assert check == SealCheck(
        SealCheck.VALID, reference=REFERENCE, sealed_at=timestamp.timestamp, timestamped=True
    )
    assert "- Signature Validation: Signature is Valid." in _pdfsig(sealed, tmp_path)


def test_a_timestamp_from_an_untrusted_authority_does_not_date_the_seal(
    agreement_pdf, timestamp_authority, seal_dir, caplog
):
    caplog.set_level(logging.INFO)
    url, _ = timestamp_authority
    stranger, _ = self_signed_certificate("Someone else's timestamp authority")
    stranger_roots = seal_dir / "stranger-roots.pem"
    stranger_roots.write_text(certificate_pem(stranger))
    with override_settings(SEAL_TIMESTAMP_URL=url):
        sealed = seal.seal_pdf(agreement_pdf, reference=REFERENCE, reason="Signed agreement")
    with override_settings(SEAL_TIMESTAMP_TRUST_ROOTS=str(stranger_roots)):
        check = seal.verify_sealed_pdf(sealed)
    assert check.outcome == SealCheck.VALID
    assert check.timestamped is False
    assert check.sealed_at is not None
    # pyHanko's warning about the untrusted authority arrives as one plain INFO line.
    pyhanko_records = [record for record in caplog.records if record.name.startswith("pyhanko")]
    assert pyhanko_records
    assert all(record.levelno <= logging.INFO for record in pyhanko_records)
    assert all(record.exc_info is None for record in pyhanko_records)


def test_the_seal_works_where_an_event_loop_is_already_running(portal_seal, agreement_pdf):
    """A browser driver in the tests, or an async view, keeps a loop running in the thread;
    pyHanko's own asyncio.run must still work there."""

    async def seal_and_check_inside_a_loop():
        sealed = seal.seal_pdf(agreement_pdf, reference="in-a-loop", reason="Test")
        return seal.verify_sealed_pdf(sealed)

    check = asyncio.run(seal_and_check_inside_a_loop())

    assert check.outcome == SealCheck.VALID
    assert check.reference == "in-a-loop"
