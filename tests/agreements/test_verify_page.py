"""The public verify page: a genuine signed agreement names its alliance, version and signer and
nothing more; anything else is refused with the reason, and never vouched for."""

from __future__ import annotations

import asyncio
from io import BytesIO

import pytest
from asn1crypto import cms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from agreements import services
from agreements.documents import signature_document_context
from agreements.forms import ERR_NOT_A_PDF, ERR_PDF_TOO_LARGE
from agreements.models import Signature
from agreements.verify import OUTCOME_MESSAGES, UNKNOWN_REFERENCE
from alliance_portal import seal
from alliance_portal.pdf import render_pdf
from alliance_portal.seal import SealCheck

from ..conftest import client_for
from ..seal_support import self_signed_certificate
from .conftest import FACTS, sign_as
from .test_views import BROWSER, IP, browser_client, form_data, text_of

VERIFY_URL = reverse("signing:verify")
GENUINE_NAME = "Maria Genuine-Signer"
GENUINE_CONTACT = "reach-maria@example.net"
GENUINE_ORGANISATION = "Lakeside Reception Centre"
OTHER_NAME = "Sven Other-Signer"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def upload(data: bytes, name: str = "agreement.pdf", content_type: str = "application/pdf"):
    return {"document": SimpleUploadedFile(name, data, content_type=content_type)}


def verify(data: bytes, client=None, **file):
    return (client or client_for(None)).post(VERIFY_URL, upload(data, **file))


@pytest.fixture
def genuine(cast, version):
    """The member signed in the browser; the sealed PDF they downloaded."""
    member = browser_client(cast.member)
    data = form_data(
        version,
        typed_name=GENUINE_NAME,
        organisation=GENUINE_ORGANISATION,
        contact=GENUINE_CONTACT,
    )
    assert member.post(reverse("agreements:sign", args=[cast.alliance.pk]), data).status_code == 302
    signature = Signature.objects.get(version=version, membership=cast.membership(cast.member))
    response = member.get(
        reverse("agreements:signature_pdf", args=[cast.alliance.pk, signature.pk])
    )
    assert response.status_code == 200
    return signature, response.content


def last_signature(pdf: bytes):
    return PdfFileReader(BytesIO(pdf)).embedded_signatures[-1]


def unsealed_pdf(signature: Signature) -> bytes:
    """The agreement PDF of a signature as the portal renders it, before sealing."""
    with translation.override(signature.language or "en"):
        return render_pdf("agreements/pdf/signed.html", signature_document_context(signature))


def assert_nothing_private(page: str, signature: Signature) -> None:
    for private in (
        GENUINE_CONTACT,
        IP,
        BROWSER,
        escape(BROWSER),
        signature.membership.user.email,
    ):
        assert private not in page, private


def test_the_page_shows_the_form_to_anyone():
    response = client_for(None).get(VERIFY_URL)
    assert response.status_code == 200
    page = text_of(response)
    assert "Verify a signed agreement" in page
    assert 'name="document"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'data-testid="verify-result"' not in page


def test_a_genuine_pdf_names_alliance_version_and_signer_and_nothing_private(cast, genuine):
    signature, pdf = genuine

    response = verify(pdf)

    assert response.status_code == 200
    page = text_of(response)
    assert "Genuine and unchanged" in page
    assert response.context["result"]["valid"] is True
    assert response.context["result"]["version"] == 1
    assert '<dd class="col-sm-9">Kronoberg Alliance</dd>' in page
    assert '<dd class="col-sm-9">1</dd>' in page
    assert f'<dd class="col-sm-9">{GENUINE_NAME}</dd>' in page
    assert_nothing_private(page, signature)


def test_a_logged_in_visitor_gets_the_same_answer(cast, genuine):
    signature, pdf = genuine
    response = verify(pdf, client=client_for(cast.outsider))
    assert response.status_code == 200
    assert GENUINE_NAME in text_of(response)
    assert_nothing_private(text_of(response), signature)


def _flip_in_title(pdf: bytes) -> int:
    """The version number in the sealed /Title of the information dictionary."""
    return pdf.index(b"/Title (") + pdf[pdf.index(b"/Title (") :].index(b"version 1)") + 8


def _flip_in_reference(pdf: bytes) -> int:
    return pdf.index(seal.REFERENCE_KEY.encode() + b" (") + len(seal.REFERENCE_KEY) + 2


@pytest.mark.parametrize("where", [_flip_in_title, _flip_in_reference])
def test_one_changed_byte_in_the_signed_content_is_reported_as_changed(cast, genuine, where):
    _signature, pdf = genuine
    offset = where(pdf)
    _, first_length, second_start, _ = last_signature(pdf).byte_range
    assert offset < first_length or offset >= second_start, "the byte must be signed"
    changed = bytearray(pdf)
    changed[offset] = ord("2") if changed[offset] != ord("2") else ord("3")

    response = verify(bytes(changed))

    assert response.status_code == 422
    page = text_of(response)
    assert escape(str(OUTCOME_MESSAGES[SealCheck.MODIFIED])) in page
    assert "changed" in page
    assert GENUINE_NAME not in page


def test_bytes_appended_after_the_seal_are_a_change(cast, genuine):
    _signature, pdf = genuine
    response = verify(pdf + b"\n% appended\n")
    assert response.status_code == 422
    assert escape(str(OUTCOME_MESSAGES[SealCheck.MODIFIED])) in text_of(response)
    assert GENUINE_NAME not in text_of(response)


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"Commitment agreement, signed by me.\n", "agreement.txt", "text/plain"),
        (b"Commitment agreement, signed by me.\n", "agreement.pdf", "application/pdf"),
        (PNG, "agreement.png", "image/png"),
        (PNG, "agreement.pdf", "application/pdf"),
    ],
)
def test_a_file_that_is_not_a_pdf_is_a_form_error(db, data, name, content_type):
    response = verify(data, name=name, content_type=content_type)
    assert response.status_code == 400
    assert response.context["form"].errors["document"] == [str(ERR_NOT_A_PDF)]
    assert escape(str(ERR_NOT_A_PDF)) in text_of(response)
    assert "not a PDF" in text_of(response)
    assert response.context["result"] is None


def test_an_empty_file_is_a_form_error(db):
    response = verify(b"")
    assert response.status_code == 400
    errors = response.context["form"].errors["document"]
    assert len(errors) == 1
    # Django's own check for empty uploads answers before the form's.
    assert errors[0] == "The submitted file is empty."
    assert "empty" in text_of(response)


def test_no_file_at_all_is_a_form_error(db):
    # A browser's form always posts its CSRF token, so the form is bound even without a file.
    response = client_for(None).post(VERIFY_URL, {"csrfmiddlewaretoken": "token"})
    assert response.status_code == 400
    assert response.context["form"].errors["document"] == ["This field is required."]


@override_settings(VERIFY_MAX_BYTES=1000)
def test_an_oversize_upload_is_refused_with_the_limit(cast, genuine):
    _signature, pdf = genuine
    assert len(pdf) > 1000

    response = verify(pdf)

    assert response.status_code == 400
    message = str(ERR_PDF_TOO_LARGE % {"limit": filesizeformat(1000)})
    assert response.context["form"].errors["document"] == [message]
    assert escape(message) in text_of(response)
    assert GENUINE_NAME not in text_of(response)


def test_a_pdf_without_a_seal_is_not_verified(db):
    from weasyprint import HTML

    unsealed = HTML(string=f"<h1>Commitment agreement</h1><p>Signed by {GENUINE_NAME}</p>")
    response = verify(unsealed.write_pdf())

    assert response.status_code == 422
    assert escape(str(OUTCOME_MESSAGES[SealCheck.NOT_SEALED])) in text_of(response)
    assert "Genuine and unchanged" not in text_of(response)


def test_the_unsealed_rendering_of_a_real_signature_is_not_verified(cast, genuine):
    signature, _pdf = genuine
    response = verify(unsealed_pdf(signature))
    assert response.status_code == 422
    assert escape(str(OUTCOME_MESSAGES[SealCheck.NOT_SEALED])) in text_of(response)
    assert GENUINE_NAME not in text_of(response)


def _look_alike_signer() -> signers.SimpleSigner:
    """A throwaway self-signed certificate with the portal certificate's very name."""
    certificate, key = self_signed_certificate(seal.CERTIFICATE_COMMON_NAME)
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )


def test_a_pdf_sealed_by_another_certificate_is_not_by_this_portal(cast, genuine):
    """The real agreement, with the real reference, sealed by a look-alike certificate."""
    signature, _pdf = genuine
    writer = IncrementalPdfFileWriter(BytesIO(unsealed_pdf(signature)))
    seal._write_reference(writer, signature.public_id.hex)
    look_alike = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(
            field_name=seal.SIGNATURE_FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        ),
        signer=_look_alike_signer(),
    ).getvalue()

    response = verify(look_alike)

    assert response.status_code == 422
    page = text_of(response)
    assert escape(str(OUTCOME_MESSAGES[SealCheck.NOT_PORTAL])) in page
    assert "not by this portal" in page
    assert GENUINE_NAME not in page


def test_a_forged_pdf_with_a_copied_seal_is_refused_and_names_nobody(cast, version, genuine):
    """Another member's agreement, never sealed, made to carry the genuine document's reference
    and, as its signature, the CMS copied byte for byte from the genuine seal."""
    genuine_signature, genuine_pdf = genuine
    other = sign_as(cast, version, cast.secretary, typed_name=OTHER_NAME)
    genuine_cms = cms.ContentInfo.load(last_signature(genuine_pdf).pkcs7_content, strict=False)
    writer = IncrementalPdfFileWriter(BytesIO(unsealed_pdf(other)))
    seal._write_reference(writer, genuine_signature.public_id.hex)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=seal.SIGNATURE_FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        ),
        signer=signers.ExternalSigner(
            signing_cert=seal.seal_certificate(), cert_registry=None, signature_value=bytes(384)
        ),
    )
    prepared_digest, _, output = asyncio.run(
        pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=len(genuine_cms.dump()) * 2 + 64
        )
    )
    PdfTBSDocument.finish_signing(output, prepared_digest, genuine_cms)
    forged = output.getvalue()
    assert last_signature(forged).pkcs7_content.rstrip(b"\x00") == genuine_cms.dump()

    response = verify(forged)

    assert response.status_code == 422
    page = text_of(response)
    assert "Not verified" in page
    assert GENUINE_NAME not in page
    assert OTHER_NAME not in page
    assert response.context["result"]["valid"] is False


def test_a_portal_seal_on_no_signature_it_holds_is_not_vouched_for(db):
    from weasyprint import HTML

    stray = seal.seal_pdf(
        HTML(string="<p>Sealed for something else</p>").write_pdf(),
        reference="0123456789abcdef0123456789abcdef",
        reason="Test",
    )
    response = verify(stray)
    assert response.status_code == 422
    assert escape(str(UNKNOWN_REFERENCE)) in text_of(response)


def test_the_seal_certificate_is_published_with_its_fingerprint(db):
    anonymous = client_for(None)
    response = anonymous.get(reverse("signing:certificate"))
    assert response.status_code == 200
    assert response.content.decode() == seal.seal_certificate_pem()
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")
    page = text_of(anonymous.get(VERIFY_URL))
    assert seal.certificate_fingerprint(seal.seal_certificate()) in page
    assert reverse("signing:certificate") in page


def test_a_withdrawn_signature_is_genuine_and_says_when_it_was_withdrawn(cast, genuine):
    signature, pdf = genuine
    reason = "Our board changed its mind about the network."
    withdrawn = services.signature_withdraw(signature=signature, facts=FACTS, reason=reason)

    response = verify(pdf)

    assert response.status_code == 200
    page = text_of(response)
    assert "Genuine and unchanged" in page
    assert f'<dd class="col-sm-9">{GENUINE_NAME}</dd>' in page
    day = date_format(timezone.localtime(withdrawn.withdrawn_at), "DATE_FORMAT")
    assert f"The signer withdrew this signature on {day}." in page
    assert reason not in page
    assert_nothing_private(page, signature)


def test_a_signature_still_in_force_says_nothing_about_withdrawing(cast, genuine):
    _signature, pdf = genuine
    page = text_of(verify(pdf))
    assert "Genuine and unchanged" in page
    assert "withdrew" not in page


def test_uploads_from_one_address_are_limited_and_then_nothing_is_checked(cast, genuine):
    _signature, pdf = genuine
    limit = int(settings.THROTTLE_RATES["verify"].split("/")[0])
    client = browser_client()
    answers = [verify(b"not a PDF at all", client=client).status_code for _ in range(limit)]

    response = verify(pdf, client=client)

    assert set(answers) == {400}
    assert response.status_code == 429
    assert response.context["result"] is None
    assert "Genuine and unchanged" not in text_of(response)
    assert "Too many attempts. Wait" in text_of(response)
    # Another address is still answered.
    assert verify(pdf, client=browser_client(ip="198.51.100.99")).status_code == 200
