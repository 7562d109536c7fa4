"""The one way the portal makes PDFs: a Django template rendered to bytes by WeasyPrint.

Documents load only the portal's own static files (their print stylesheet, fonts, images).
Every other URL is refused, so text that users typed can never make the server fetch anything.
WeasyPrint is imported on first use: it loads Pango, which pages without PDFs do not need.

Every PDF is archival: PDF/A-3b (ISO 19005-3, basic conformance) and tagged.

- PDF/A-3 rather than PDF/A-2: both keep the seal (a PAdES signature added as an incremental
  update, which PDF/A-2 and -3 allow; PDF/A-1 is PDF 1.4, older than PAdES and without
  transparency), but only PDF/A-3 may carry attachments of any kind, so a document can one day
  embed its data (the plan's rows, the agreement's event log) and stay PDF/A. PDF/A-4 is PDF
  2.0 and keeps no information dictionary, where the seal writes its reference.
- Conformance "b" (the look of the page is kept: fonts embedded, colours in sRGB, XMP metadata)
  and not "u" or "a": those promise that every glyph maps to Unicode and, for "a", that the
  structure is a complete accessible one; nothing the portal can run checks either promise.
- Tagged all the same (WeasyPrint's pdf_tags): the structure tree of headings, paragraphs,
  lists and tables lets screen readers and text extraction follow the reading order, which
  matters most for Arabic. A tagged PDF needs the document's language: each template's
  <html lang> is the language it is printed in, which WeasyPrint writes as the catalogue's
  /Lang, and its <title> becomes the title in the metadata.

While WeasyPrint lays a document out, the objects that were there before (the process's own,
and the document's context, which its callers still hold) are set aside from the garbage
collector (gc.freeze): WeasyPrint allocates millions of objects, and each full collection
they set off would otherwise walk the whole heap again. On the coordinator report that was
about a tenth of the printing time.
"""

from __future__ import annotations

import gc
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import MappingProxyType
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
# What WeasyPrint's write_pdf is given for every document (see the module's docstring). The
# benchmark gives WeasyPrint alone the same, so that it compares like with like.
PDF_VARIANT = "pdf/a-3b"
WRITE_OPTIONS = MappingProxyType({"pdf_variant": PDF_VARIANT, "pdf_tags": True})


# The hash ManifestStaticFilesStorage puts before a collected file's extension.
HASHED_NAME = re.compile(r"^(.+)\.[0-9a-f]{12}(\.[^./]+)$")


def static_file_for(url: str) -> str | None:
    """The static file a document URL points at, or None for any other address."""
    parts = urlsplit(url)
    static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
    if parts.netloc != urlsplit(DOCUMENT_BASE_URL).netloc:
        return None
    if not parts.path.startswith(static_prefix) or ".." in parts.path:
        return None
    name = parts.path.removeprefix(static_prefix)
    # In production {% static %} names the collected copy with its content's hash
    # ("css/pdf.0123456789ab.css"); the file is the source it was collected from.
    return finders.find(name) or finders.find(HASHED_NAME.sub(r"\1\2", name))


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
    return print_html(document_html(template_name, context, request=request))


def document_html(template_name: str, context: dict, *, request=None) -> str:
    """The HTML a document is printed from, in the active language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    svg_font_family = SVG_FONT_FAMILY_BY_LANGUAGE.get(language, SVG_FONT_FAMILY)
    context = {"svg_font_family": svg_font_family, **context}
    return render_to_string(template_name, context, request=request)


def print_html(html: str) -> bytes:
    """The PDF of a document's HTML (document_html)."""
    from weasyprint import HTML

    with _older_objects_set_aside():
        document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=_fetcher_class()())
        return document.write_pdf(**WRITE_OPTIONS)


# The line of a document that says when it was printed (class "doc-printed"): left out of the
# digest that tells whether a document printed as things stand still shows what it showed.
PRINTING_TIME = re.compile(r'<p class="[^"]*\bdoc-printed\b[^"]*">.*?</p>', re.DOTALL)


def content_digest(html: str) -> str:
    """A digest of what a document shows, whenever it was printed."""
    return hashlib.sha256(PRINTING_TIME.sub("", html).encode()).hexdigest()


@contextmanager
def _older_objects_set_aside() -> Iterator[None]:
    """Keeps the garbage collector to the objects made inside the block (see the docstring).

    Only when nothing else has frozen objects: unfreezing thaws every frozen object, so a
    server that froze its start-up heap keeps it frozen, and of two documents printed at once
    in two threads only the first freezes (the second profits until the first is done).
    Frozen objects are not collected while frozen: cyclic garbage among them is collected after
    the block, like any other.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    """A PDF download with a safe file name."""
    response = HttpResponse(content, content_type="application/pdf")
    # The whole name is made a slug, so a title such as "Plenary 2/3" or "No. 4" keeps every
    # part and no path or quote survives.
    name = slugify(filename.removesuffix(".pdf")) or "document"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
