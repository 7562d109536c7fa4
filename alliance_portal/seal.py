"""The portal's document seal: PAdES signatures with the portal's own certificate, and their check.

A signed agreement is sealed with an invisible PAdES signature (ETSI.CAdES.detached, SHA-256) made
with a self-signed certificate that the portal creates on first use and keeps as a PKCS#12 file
(settings SEAL_CERTIFICATE_PATH and SEAL_CERTIFICATE_PASSWORD), or that the operator gives whole in
SEAL_CERTIFICATE_PKCS12_BASE64, as a portal on several servers must: each seals with the same key.
Anyone can check a sealed PDF against that certificate, which the portal publishes
(seal_certificate_pem), in any PDF reader or with poppler's pdfsig.

The seal carries a reference (for example an agreement's id) in the document information
dictionary, written in the same incremental update as the signature so that the signature covers
it. verify_sealed_pdf returns it only for documents that are exactly what the portal sealed.
A PDF/A document stays one: an incremental update is allowed, and the update keeps the
information dictionary and the XMP metadata saying the same.

With SEAL_TIMESTAMP_URL the signature gets an RFC 3161 timestamp (PAdES B-T); without it the time
in the seal is the server's own clock (PAdES B-B). A timestamp is not covered by the signature, so
verification reports its time only when it chains to SEAL_TIMESTAMP_TRUST_ROOTS.

pyHanko runs its work in asyncio.run, which cannot start inside a running event loop; called
from a thread that has one, the seal functions do their work in a thread of their own.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import functools
import hashlib
import logging
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata import model as metadata_model
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

SIGNATURE_FIELD_NAME = "PortalSeal"
# A custom key in the information dictionary (Acrobat lists it among the custom properties).
REFERENCE_KEY = "/AlliancePortalReference"
# Letters, digits and a few separators: enough for ids such as a UUID's hex or "AGR-2026-014",
# and nothing a PDF string would need to escape.
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

CERTIFICATE_COMMON_NAME = "Alliance Portal document seal"
CERTIFICATE_KEY_SIZE = 3072
CERTIFICATE_VALIDITY = timedelta(days=3653)  # ten years, leap days included
# A little backdating, so that a server whose clock is slightly behind still accepts the
# certificate it has just made.
CERTIFICATE_BACKDATING = timedelta(minutes=5)

LOGGED_ERROR_LENGTH = 200


@dataclass(frozen=True)
class SealCheck:
    """What verify_sealed_pdf found out about a document."""

    VALID = "valid"
    NOT_PDF = "not_pdf"  # not a PDF, or one that cannot be read
    NOT_SEALED = "not_sealed"  # a PDF without any signature
    MODIFIED = "modified"  # changed or added to after sealing
    NOT_PORTAL = "not_portal"  # an intact signature, but not by the portal's certificate
    INVALID = "invalid"  # anything else wrong with the signature

    outcome: str
    # The reference seal_pdf embedded; only set for valid documents.
    reference: str | None = None
    # The signing time: the timestamp authority's when the seal has a trusted timestamp, else
    # the server's clock as signed into the seal. Only set for valid documents.
    sealed_at: datetime | None = None
    # True when sealed_at comes from a timestamp that chains to SEAL_TIMESTAMP_TRUST_ROOTS.
    timestamped: bool = False

    @property
    def is_valid(self) -> bool:
        return self.outcome == self.VALID


# --- The certificate --------------------------------------------------------------------------


def ensure_seal_certificate() -> Path | None:
    """The PKCS#12 file with the portal's key and certificate, created first if there is none;
    None when SEAL_CERTIFICATE_PKCS12_BASE64 gives the certificate, which then has no file."""
    if settings.SEAL_CERTIFICATE_PKCS12_BASE64:
        return None
    path = Path(settings.SEAL_CERTIFICATE_PATH)
    if not path.exists():
        _create_certificate_file(path)
    return path


def seal_certificate_pkcs12() -> bytes:
    """The PKCS#12 data (key and certificate, under SEAL_CERTIFICATE_PASSWORD), creating the
    file first if there is none: what every server of the portal must be given."""
    if settings.SEAL_CERTIFICATE_PKCS12_BASE64:
        return base64.b64decode(settings.SEAL_CERTIFICATE_PKCS12_BASE64)
    path = ensure_seal_certificate()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable_certificate(str(path)) from exc


def seal_certificate() -> asn1_x509.Certificate:
    """The portal's certificate, creating it first if there is none."""
    return _signer().signing_cert


def seal_certificate_pem() -> str:
    """The certificate as PEM, for anyone who wants to check a sealed document themselves."""
    return pem.armor("CERTIFICATE", seal_certificate().dump()).decode("ascii")


def certificate_fingerprint(certificate: asn1_x509.Certificate) -> str:
    """SHA-256 of the certificate, as colon-separated hex the way certificate viewers show it."""
    digest = hashlib.sha256(certificate.dump()).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _signer() -> signers.SimpleSigner:
    password = settings.SEAL_CERTIFICATE_PASSWORD
    if settings.SEAL_CERTIFICATE_PKCS12_BASE64:
        return _load_given_signer(settings.SEAL_CERTIFICATE_PKCS12_BASE64, password)
    path = ensure_seal_certificate()
    try:
        modified = path.stat().st_mtime_ns
    except OSError as exc:
        raise _unreadable_certificate(str(path)) from exc
    return _load_signer(str(path), modified, password)


# Keyed by modification time too, so that a replaced file is read again; a few entries because
# tests point the settings at other files and back.
@functools.lru_cache(maxsize=4)
def _load_signer(path: str, modified: int, password: str) -> signers.SimpleSigner:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _unreadable_certificate(path) from exc
    return _signer_from_pkcs12(data, password, source=path)


@functools.lru_cache(maxsize=4)
def _load_given_signer(data_base64: str, password: str) -> signers.SimpleSigner:
    data = base64.b64decode(data_base64)
    return _signer_from_pkcs12(data, password, source="SEAL_CERTIFICATE_PKCS12_BASE64")


def _signer_from_pkcs12(data: bytes, password: str, *, source: str) -> signers.SimpleSigner:
    # load_pkcs12_data rather than load_pkcs12: the latter logs a traceback and returns None,
    # where a clear configuration error is what helps.
    try:
        loaded = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=password.encode()
        )
    except ValueError as exc:
        raise _unreadable_certificate(source) from exc
    return _ParsedKeySigner(
        signing_key=loaded.signing_key,
        signing_cert=loaded.signing_cert,
        cert_registry=loaded.cert_registry,
        signature_mechanism=loaded.signature_mechanism,
    )


class _ParsedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for every signature, twice a seal
    (the size estimate, then the signature), and checking an RSA key as it is parsed costs far
    more than signing: an archive of many signed agreements spent most of its sealing there.
    This one parses the key once and signs RSA PKCS#1 v1.5 (the portal's own key) with it."""

    @functools.cached_property
    def _private_key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15" or not isinstance(
            self._private_key, rsa.RSAPrivateKey
        ):
            return super().sign_raw(data, digest_algorithm)
        return self._private_key.sign(
            data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
        )


def _unreadable_certificate(source: str) -> ImproperlyConfigured:
    """source: the file's path, or the setting that holds the certificate."""
    return ImproperlyConfigured(
        f"The seal certificate in {source} cannot be opened. Check SEAL_CERTIFICATE_PASSWORD "
        "(and SEAL_CERTIFICATE_PATH or SEAL_CERTIFICATE_PKCS12_BASE64): the certificate is kept "
        "as it is, since documents already sealed are checked against it."
    )


def _create_certificate_file(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=CERTIFICATE_KEY_SIZE)
    certificate = _self_signed_certificate(key)
    data = pkcs12.serialize_key_and_certificates(
        name=CERTIFICATE_COMMON_NAME.encode(),
        key=key,
        cert=certificate,
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(
            settings.SEAL_CERTIFICATE_PASSWORD.encode()
        ),
    )
    if _publish_without_overwriting(path, data):
        logger.info("Created the portal's seal certificate in %s", path)


def _self_signed_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, CERTIFICATE_COMMON_NAME)]
    if settings.SEAL_ORGANISATION_NAME:
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.SEAL_ORGANISATION_NAME)
        )
    name = x509.Name(attributes)
    public_key = key.public_key()
    not_before = datetime.now(UTC) - CERTIFICATE_BACKDATING
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + CERTIFICATE_VALIDITY)
        # Its own trust root: people who check a seal import this one certificate as trusted,
        # and certificate stores such as NSS accept only a CA as a trust anchor.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )


def _publish_without_overwriting(path: Path, data: bytes) -> bool:
    """Writes a new file with mode 0600 at path unless one is there; True when this call did.

    The data goes to a temporary file that is then linked into place: linking never replaces
    an existing file, so of two processes creating the certificate at once one wins and the
    other uses the winner's, and nobody ever reads a half-written file.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".seal-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # on disk before anyone can see it under its real name
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)


# --- Sealing ----------------------------------------------------------------------------------


def _outside_event_loop(function):
    """Runs the function in a worker thread when this thread has a running event loop (an async
    view, or a test browser driver's loop), where pyHanko's asyncio.run would fail."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return function(*args, **kwargs)
        context = contextvars.copy_context()
        with ThreadPoolExecutor(max_workers=1) as worker:
            return worker.submit(context.run, function, *args, **kwargs).result()

    return wrapper


@_outside_event_loop
def seal_pdf(pdf: bytes, *, reference: str, reason: str, location: str = "") -> bytes:
    """The PDF with the portal's seal: an invisible PAdES signature that covers the reference."""
    if not isinstance(reference, str) or not REFERENCE_PATTERN.fullmatch(reference):
        raise ValueError(
            "A seal reference is 1 to 64 ASCII letters, digits, '.', '_', ':' or '-', "
            f"starting with a letter or digit, not {reference!r}"
        )
    signer = _signer()
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    _write_reference(writer, reference)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
    )
    output = signers.sign_pdf(writer, metadata, signer=signer, timestamper=_timestamper())
    return output.getvalue()


def timestamp_clock_label() -> str | None:
    """Whose clock dates new seals: None for the server's, else the timestamp authority's URL."""
    return settings.SEAL_TIMESTAMP_URL or None


def _timestamper() -> TimeStamper | None:
    if not settings.SEAL_TIMESTAMP_URL:
        return None
    return HTTPTimeStamper(settings.SEAL_TIMESTAMP_URL)


def _write_reference(writer: IncrementalPdfFileWriter, reference: str) -> None:
    """Puts the reference into the information dictionary of the update that the seal signs."""
    info = generic.DictionaryObject()
    # A PDF without an information dictionary gets a new one.
    with contextlib.suppress(KeyError, TypeError):
        info.update(writer.trailer["/Info"])
    info[generic.pdf_name(REFERENCE_KEY)] = generic.TextStringObject(reference)
    # pyHanko names itself the producer in the XMP metadata but appends its name to the
    # producer already in the information dictionary; PDF/A wants the two to be equal, so the
    # dictionary says what the XMP will say (pyHanko keeps a producer that names it).
    if "/Metadata" in writer.root:
        info[generic.pdf_name("/Producer")] = generic.TextStringObject(metadata_model.VENDOR)
    writer.set_info(info)


# --- Verification -----------------------------------------------------------------------------


class _Unreadable(Exception):
    """The bytes are not a PDF that can be read."""


# Set while a document is checked; pyHanko runs in the same context (asyncio.run copies it).
_checking = contextvars.ContextVar("checking_a_sealed_pdf", default=False)


class _PlainReportsWhileChecking(logging.Filter):
    """pyHanko logs what it finds wrong with a signature as warnings with a traceback. For an
    uploaded document those are answers, not server faults: one INFO line each, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _checking.get() and record.levelno > logging.INFO:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
        return True


_PLAIN_REPORTS = _PlainReportsWhileChecking()


def _quiet_pyhanko_loggers() -> None:
    # A filter on a logger sees only that logger's own records, so every pyHanko module logger
    # gets it; loggers of modules imported since the last call are picked up here.
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in {"pyhanko", "pyhanko_certvalidator"}:
            module_logger = logging.getLogger(name)
            if _PLAIN_REPORTS not in module_logger.filters:
                module_logger.addFilter(_PLAIN_REPORTS)


@_outside_event_loop
def verify_sealed_pdf(data: bytes) -> SealCheck:
    """Whether data is a PDF exactly as the portal sealed it, and if so its reference and time.

    Never raises on the bytes, whatever they are; a broken configuration (an unreadable seal
    certificate) still raises ImproperlyConfigured.
    """
    portal_certificate = seal_certificate()
    timestamp_roots = _timestamp_trust_roots()
    _quiet_pyhanko_loggers()
    checking = _checking.set(True)
    try:
        return _check_document(bytes(data), portal_certificate, timestamp_roots)
    finally:
        _checking.reset(checking)


def _check_document(
    data: bytes,
    portal_certificate: asn1_x509.Certificate,
    timestamp_roots: list[asn1_x509.Certificate],
) -> SealCheck:
    try:
        reader = _read_pdf(data)
    except Exception as exc:
        return _failed(SealCheck.NOT_PDF, _describe(exc))
    try:
        return _check_signatures(reader, portal_certificate, timestamp_roots)
    except Exception as exc:
        return _failed(SealCheck.INVALID, _describe(exc))


def _describe(error: Exception) -> str:
    # Hostile PDFs can make the error message anything; the log keeps only its start.
    return f"{type(error).__name__}: {str(error)[:LOGGED_ERROR_LENGTH]}"


def _read_pdf(data: bytes) -> PdfFileReader:
    # The PDF header may follow up to 1024 bytes of other data; anything else is not a PDF.
    if b"%PDF-" not in data[:1024]:
        raise _Unreadable("no PDF header")
    reader = PdfFileReader(BytesIO(data), strict=False)
    # The catalogue and the form fields are read lazily; reading them now tells a broken file
    # (not a PDF) from a broken signature.
    root = reader.root
    if "/AcroForm" in root:
        list(fields.enumerate_sig_fields(reader))
    return reader


def _check_signatures(
    reader: PdfFileReader,
    portal_certificate: asn1_x509.Certificate,
    timestamp_roots: list[asn1_x509.Certificate],
) -> SealCheck:
    signatures = reader.embedded_signatures
    if not signatures:
        return _failed(SealCheck.NOT_SEALED, "no signature")
    # Only the last signature can cover the whole file; an earlier one, even the portal's,
    # means something was added after it.
    last = signatures[-1]
    if not _covers_whole_file(last):
        return _failed(SealCheck.MODIFIED, "the last signature does not cover the whole file")
    if not _signed_by(last, portal_certificate):
        if any(_signed_by(earlier, portal_certificate) for earlier in signatures[:-1]):
            return _failed(SealCheck.MODIFIED, "signed again after the portal's seal")
        return _check_foreign_signature(last)
    status = validate_pdf_signature(
        last,
        signer_validation_context=ValidationContext(
            trust_roots=[portal_certificate], allow_fetching=False
        ),
        ts_validation_context=ValidationContext(trust_roots=timestamp_roots, allow_fetching=False),
        skip_diff=True,
    )
    if not status.intact:
        return _failed(SealCheck.MODIFIED, "the digest does not match the document")
    if not (status.valid and status.trusted):
        return _failed(SealCheck.INVALID, status.summary())
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return _failed(SealCheck.MODIFIED, "the signature does not cover the whole file")
    timestamp = status.timestamp_validity
    timestamped = bool(timestamp and timestamp.intact and timestamp.valid and timestamp.trusted)
    if timestamp is not None and not timestamped:
        logger.info("Seal check: the timestamp is not trusted (%s)", timestamp.summary())
    return SealCheck(
        SealCheck.VALID,
        reference=_signed_reference(reader, last),
        sealed_at=timestamp.timestamp if timestamped else status.signer_reported_dt,
        timestamped=timestamped,
    )


def _check_foreign_signature(signature: EmbeddedPdfSignature) -> SealCheck:
    """Someone else's signature: NOT_PORTAL only when it is intact and valid in itself, so that
    a damaged seal of the portal (whose certificate no longer reads the same) is not called
    someone else's."""
    own_certificate = ValidationContext(trust_roots=[signature.signer_cert], allow_fetching=False)
    if signature.sig_object_type == "/DocTimeStamp":
        status = validate_pdf_timestamp(signature, validation_context=own_certificate)
    else:
        status = validate_pdf_signature(
            signature, signer_validation_context=own_certificate, skip_diff=True
        )
    if not status.intact:
        return _failed(SealCheck.MODIFIED, "the digest does not match the document")
    if not status.valid:
        return _failed(SealCheck.INVALID, status.summary())
    return _failed(SealCheck.NOT_PORTAL, "signed with another certificate")


def _failed(outcome: str, why: str) -> SealCheck:
    logger.info("Seal check: %s (%s)", outcome, why)
    return SealCheck(outcome)


def _covers_whole_file(signature: EmbeddedPdfSignature) -> bool:
    """A byte range from the first byte to the last, interrupted only by the signature itself."""
    if signature.evaluate_signature_coverage() != SignatureCoverageLevel.ENTIRE_FILE:
        return False
    _, first_length, second_start, _ = signature.byte_range
    # pyHanko compares only the lengths with the file size; a seal's second range also starts
    # right after the signature's hex string.
    return second_start == first_length + len(signature.pkcs7_content) * 2 + 2


def _signed_by(signature: EmbeddedPdfSignature, certificate: asn1_x509.Certificate) -> bool:
    """Whether the signature names this exact certificate as the signer's (a seal, not a
    document timestamp). Whether it really was made with its key is validated separately."""
    try:
        return (
            signature.sig_object_type == "/Sig"
            and signature.signer_cert.dump() == certificate.dump()
        )
    except Exception:  # an earlier signature with a broken CMS is simply not the portal's
        return False


def _signed_reference(reader: PdfFileReader, signature: EmbeddedPdfSignature) -> str | None:
    """The reference in the revision the signature covers."""
    revision = reader.get_historical_resolver(signature.signed_revision)
    try:
        info = revision.trailer_view["/Info"]
    except KeyError:
        return None
    if not isinstance(info, generic.DictionaryObject):
        return None
    reference = info.get(REFERENCE_KEY)
    if isinstance(reference, str) and REFERENCE_PATTERN.fullmatch(reference):
        return reference
    return None


def _timestamp_trust_roots() -> list[asn1_x509.Certificate]:
    path = settings.SEAL_TIMESTAMP_TRUST_ROOTS
    if not path:
        return []
    try:
        modified = Path(path).stat().st_mtime_ns
    except OSError as exc:
        raise _unreadable_timestamp_roots(path) from exc
    return _load_timestamp_trust_roots(str(path), modified)


@functools.lru_cache(maxsize=4)
def _load_timestamp_trust_roots(path: str, modified: int) -> list[asn1_x509.Certificate]:
    # cryptography parses each certificate in full, so a broken file shows here and not as
    # every timestamp failing to validate.
    try:
        certificates = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise _unreadable_timestamp_roots(path) from exc
    return [
        asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        for certificate in certificates
    ]


def _unreadable_timestamp_roots(path) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"SEAL_TIMESTAMP_TRUST_ROOTS names {path}, which is not a readable PEM file with "
        "at least one certificate."
    )
