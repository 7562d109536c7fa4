"""The PDF helper: renders templates, loads only the portal's own static files."""

from __future__ import annotations

from alliance_portal.pdf import DOCUMENT_BASE_URL, pdf_response, render_pdf, static_file_for


def test_static_files_resolve_and_nothing_else_does():
    assert static_file_for(f"{DOCUMENT_BASE_URL}static/css/pdf.css").endswith("pdf.css")
    assert static_file_for(f"{DOCUMENT_BASE_URL}static/../settings.py") is None
    assert static_file_for("http://127.0.0.1:8000/static/css/pdf.css") is None
    assert static_file_for("file:///etc/passwd") is None


def test_a_collected_file_named_with_its_hash_resolves_to_its_source():
    """In production {% static %} gives the manifest's hashed name; the document must still get
    its stylesheet, not print unstyled."""
    found = static_file_for(f"{DOCUMENT_BASE_URL}static/css/pdf.0123456789ab.css")
    assert found is not None and found.endswith("css/pdf.css")
    assert static_file_for(f"{DOCUMENT_BASE_URL}static/css/missing.0123456789ab.css") is None


def test_render_pdf_returns_a_pdf(cast):
    content = render_pdf(
        "stakeholders/pdf/mapping.html",
        {"alliance": cast.alliance, "stakeholders": [], "generated_at": None},
    )
    assert content.startswith(b"%PDF-")


def test_pdf_response_has_a_safe_filename():
    response = pdf_response(b"%PDF-1.7", filename='../../evil"name')
    assert response["Content-Disposition"] == 'attachment; filename="evilname.pdf"'
