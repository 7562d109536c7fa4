"""Someone who does not trust the portal checks a signed agreement with their own tools: the
certificate from the verify page, NSS's certutil and poppler's pdfsig, none of it portal code."""

from __future__ import annotations

import shutil
import subprocess

from django.urls import reverse

from agreements.documents import sealed_signature_pdf
from alliance_portal.seal import certificate_fingerprint, seal_certificate

from ..conftest import client_for


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: `make test` installs it (make pdf-tools)"
    return path


def test_the_verify_page_shows_the_fingerprint_of_the_certificate_it_offers():
    anonymous = client_for(None)
    page = anonymous.get(reverse("signing:verify"))
    download = anonymous.get(reverse("signing:certificate"))

    assert page.status_code == 200 and download.status_code == 200
    assert download.content.startswith(b"-----BEGIN CERTIFICATE-----")
    assert "attachment" in download["Content-Disposition"]
    fingerprint = certificate_fingerprint(seal_certificate())
    assert page.context["fingerprint"] == fingerprint
    assert fingerprint in page.content.decode()


def test_pdfsig_trusts_a_signed_agreement_with_only_the_downloaded_certificate(signed, tmp_path):
    pem = tmp_path / "portal.pem"
    pem.write_bytes(client_for(None).get(reverse("signing:certificate")).content)
    database = f"sql:{tmp_path / 'nss'}"
    (tmp_path / "nss").mkdir()
    subprocess.run([_tool("certutil"), "-N", "--empty-password", "-d", database], check=True)
    subprocess.run(
        [_tool("certutil"), "-A", "-n", "portal", "-t", "CT,C,C", "-i", pem, "-d", database],
        check=True,
    )
    document = tmp_path / "agreement.pdf"
    document.write_bytes(sealed_signature_pdf(signed))

    report = subprocess.run(
        [_tool("pdfsig"), "-nssdir", database, document],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    lines = {line.strip() for line in report.splitlines()}

    assert "- Signature Validation: Signature is Valid." in lines
    assert "- Certificate Validation: Certificate is Trusted." in lines
    assert "- Total document signed" in lines
