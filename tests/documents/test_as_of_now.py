"""Documents that show things as they stand (the whole mapping, the information material, the
coordinator report): the archive keeps each under a digest of what it shows and prints it again
only once that has changed; an erased person's kept mapping goes at once."""

from __future__ import annotations

import io
from datetime import date
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from alliance_portal.pdf import content_digest
from documents import registry
from documents.models import StoredDocument
from outreach import services as outreach_services
from reports.archive import archive_documents
from stakeholders import services as stakeholder_services

from ..conftest import client_for
from ..factories import ContactFactory, StakeholderFactory

AS_OF_NOW = ("mapping", "information", "report")
TODAY = date(2026, 12, 7)
SWEDISH_TITLE = "Intressentkartläggning"


def _text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def _registered(cast):
    contact = ContactFactory(
        organisation=StakeholderFactory(alliance=cast.alliance).organisation,
        name="Ingrid Lindqvist",
    )
    outreach_services.information_save(
        alliance=cast.alliance,
        actor=cast.coordinator,
        why_alliance="To reach every newcomer.",
        regional_situation="Eight municipalities.",
        reasons_to_join="Shared knowledge.",
        time_commitment="Five meetings.",
    )
    return contact


def _as_of_now_documents(alliance) -> dict[str, bytes]:
    """The archive's mapping, information material and report, printed or kept."""
    return {
        document.folder: document.render()
        for document in archive_documents(alliance, today=TODAY)
        if document.folder in ("mapping", "information", "reports")
    }


def _printing_counted():
    """Counts the documents the as-of-now kinds print (the kept ones are not printed)."""
    real = registry.print_html
    return mock.patch.object(registry, "print_html", side_effect=real)


def test_the_archive_keeps_them_and_prints_them_again_only_once_they_change(cast):
    _registered(cast)
    with _printing_counted() as printing:
        first = _as_of_now_documents(cast.alliance)
    assert printing.call_count == 3
    assert sorted(StoredDocument.objects.values_list("kind", flat=True)) == sorted(AS_OF_NOW)

    with _printing_counted() as printing:
        again = _as_of_now_documents(cast.alliance)
    assert printing.call_count == 0, "unchanged documents were printed again"
    assert again == first

    StakeholderFactory(alliance=cast.alliance, organisation__name="Refugee Law Centre")
    with _printing_counted() as printing:
        changed = _as_of_now_documents(cast.alliance)
    # Only the mapping shows the new organisation (the report counts the register as well).
    assert printing.call_count >= 1
    assert "Refugee Law Centre" in _text(changed["mapping"])
    assert changed["information"] == first["information"]


def test_each_alliance_and_language_keeps_its_own(cast):
    _registered(cast)
    _as_of_now_documents(cast.alliance)
    with translation.override("sv"):
        swedish = _as_of_now_documents(cast.alliance)
    assert SWEDISH_TITLE in _text(swedish["mapping"])
    assert StoredDocument.objects.filter(kind="mapping", object_id=cast.alliance.pk).count() == 2
    assert not StoredDocument.objects.filter(object_id=cast.other_alliance.pk).exists()


def test_the_printing_time_is_not_what_a_document_shows():
    printed = '<h1>Mapping</h1><p class="meta doc-printed">3 organisations · printed {}</p>'
    earlier = printed.format("7 December 2026 09:00")
    later = printed.format("7 December 2026 17:45")
    assert content_digest(earlier) == content_digest(later)
    assert content_digest(earlier) != content_digest(earlier.replace("Mapping", "Mappings"))


def test_erasing_a_person_discards_the_kept_mapping_that_names_them(cast):
    contact = _registered(cast)
    kept = _as_of_now_documents(cast.alliance)
    assert "Lindqvist" in _text(kept["mapping"])
    stored = StoredDocument.objects.get(kind="mapping", object_id=cast.alliance.pk)

    stakeholder_services.contact_erase(contact=contact, alliance=cast.alliance, actor=cast.chair)

    assert not StoredDocument.objects.filter(kind="mapping").exists()
    assert not default_storage.exists(stored.file_name)
    assert "Lindqvist" not in _text(_as_of_now_documents(cast.alliance)["mapping"])


@pytest.mark.parametrize("kind", AS_OF_NOW)
def test_the_background_task_never_keeps_one(kind, cast):
    from documents.services import document_store

    assert document_store(kind_name=kind, object_id=cast.alliance.pk, language="en") is None
    assert not StoredDocument.objects.exists()


def test_the_mapping_download_still_prints_the_filtered_selection_as_asked(cast):
    _registered(cast)
    _as_of_now_documents(cast.alliance)
    url = reverse("stakeholders:mapping_pdf", args=[cast.alliance.pk])
    response = client_for(cast.coordinator).get(url, {"q": "no such organisation"})
    assert response.status_code == 200
    assert "Lindqvist" not in _text(response.content)
