"""The one way the portal makes PDFs: a Django template rendered to bytes by WeasyPrint.

Documents load only the portal's own static files (their print stylesheet, fonts, images).
Every other URL is refused, so text that users typed can never make the server fetch anything.
WeasyPrint is imported on first use: it loads Pango, which pages without PDFs do not need.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify

# Documents are rendered as if served from this host; the fetcher maps it to static files.
DOCUMENT_BASE_URL = "https://portal.invalid/"
# WeasyPrint draws the text of an inline SVG (a chart) without the document's stylesheet, in
# the system's "sans-serif": templates give a drawing the fonts static/css/pdf.css chooses.
SVG_FONT_FAMILY = "DejaVu Sans, sans-serif"
SVG_FONT_FAMILY_BY_LANGUAGE = {"ar": "Noto Sans Arabic, Noto Naskh Arabic, DejaVu Sans, sans-serif"}


def static_file_for(url: str) -> str | None:
    """The static file a document URL points at, or None for any other address."""
    parts = urlsplit(url)
    static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
    if parts.netloc != urlsplit(DOCUMENT_BASE_URL).netloc:
        return None
    if not parts.path.startswith(static_prefix) or ".." in parts.path:
        return None
    return finders.find(parts.path.removeprefix(static_prefix))


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            found = static_file_for(url)
            if not found:
                raise ValueError(f"PDFs load only the portal's static files, not {url}")
            mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=Path(found).read_bytes(), headers={"Content-Type": mime_type}
            )

    return StaticFilesOnly


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Renders the template with the context and returns the PDF's bytes."""
    from weasyprint import HTML

    language = translation.get_language() or settings.LANGUAGE_CODE
    svg_font_family = SVG_FONT_FAMILY_BY_LANGUAGE.get(language, SVG_FONT_FAMILY)
    context = {"svg_font_family": svg_font_family, **context}
    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=_fetcher_class()())
    return document.write_pdf()


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    """A PDF download with a safe file name."""
    response = HttpResponse(content, content_type="application/pdf")
    # The whole name is made a slug, so a title such as "Plenary 2/3" or "No. 4" keeps every
    # part and no path or quote survives.
    name = slugify(filename.removesuffix(".pdf")) or "document"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
