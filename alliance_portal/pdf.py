"""The one way the portal makes PDFs: a Django template rendered to bytes by WeasyPrint.

Documents load only the portal's own static files (their print stylesheet, fonts, images).
Every other URL is refused, so text that users typed can never make the server fetch anything.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Documents are rendered as if served from this host; the fetcher maps it to static files.
DOCUMENT_BASE_URL = "https://portal.invalid/"


class StaticFilesOnly(URLFetcher):
    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
        if parts.netloc != urlsplit(DOCUMENT_BASE_URL).netloc or not parts.path.startswith(
            static_prefix
        ):
            raise ValueError(f"PDFs load only the portal's static files, not {url}")
        found = finders.find(parts.path.removeprefix(static_prefix))
        if not found:
            raise ValueError(f"No static file at {parts.path}")
        mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=Path(found).read_bytes(), headers={"Content-Type": mime_type}
        )


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Renders the template with the context and returns the PDF's bytes."""
    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=StaticFilesOnly())
    return document.write_pdf()


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    """A PDF download with a safe file name."""
    response = HttpResponse(content, content_type="application/pdf")
    name = slugify(Path(filename).stem) or "document"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
