"""Exports live in the storage, not on a server's disk: built into an S3 bucket and downloaded
from it, deleted from it when they expire or a person is erased, and a storage that fails or
lost the file answers clearly instead of with a server error."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from alliances.models import AuditEntry
from reports import services
from reports.models import ArchiveExport
from reports.services import ERR_NOT_STORED
from stakeholders import services as stakeholder_services

from ..conftest import client_for
from ..factories import make_meeting
from ..s3_support import s3_bucket, s3_endpoint, s3_storage  # noqa: F401 (fixtures)
from .conftest import (
    make_export,
    ready_export,
    registered_contact,
    stored_files,
    working_files,
    zip_of,
)
from .test_archive import (
    index_rows,
    quick_renders,  # noqa: F401 (a fixture)
    storage_failing,
)


def download_url(export) -> str:
    return reverse("reports:archive_download", args=[export.alliance_id, export.pk])


def test_an_archive_is_built_into_the_bucket_and_downloaded_from_it(
    cast,
    quick_renders,  # noqa: F811
    s3_storage,  # noqa: F811
    storage_dir,
):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)

    services.archive_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.READY
    assert s3_storage.object_keys() == [export.file_name]
    assert export.file_name.startswith("exports/") and export.file_name.endswith(".zip")
    stored = s3_storage.read(export.file_name)
    assert export.size == len(stored)
    # Nothing on this machine's disk: not in the local storage, no working file left.
    assert stored_files(storage_dir) == []
    assert working_files() == []

    response = client_for(cast.chair).get(download_url(export))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == stored
    assert len(index_rows(content)) == 2

    # Gone from the bucket (a lifecycle rule, a mistaken clean-up): the download says so.
    s3_storage.client().delete_object(Bucket=s3_storage.name, Key=export.file_name)
    assert client_for(cast.chair).get(download_url(export)).status_code == 410


def test_expired_and_erased_exports_are_deleted_from_the_bucket(
    cast,
    s3_storage,  # noqa: F811
):
    expired = ready_export(cast.alliance, cast.chair, expires_at=timezone.now())
    holding = ready_export(cast.alliance, cast.chair, kind="mapping", content=b"%PDF-")
    plan_draft = ready_export(cast.alliance, cast.chair, kind="report", content=b"%PDF-")
    assert len(s3_storage.object_keys()) == 3

    assert services.archives_purge()["expired"] == 1
    contact = registered_contact(cast)
    ArchiveExport.objects.filter(pk=holding.pk).update(finished_at=timezone.now())
    stakeholder_services.contact_erase(
        contact=contact, alliance=cast.alliance, actor=cast.coordinator
    )

    assert s3_storage.object_keys() == [plan_draft.file_name]
    assert not ArchiveExport.objects.filter(pk=holding.pk).exists()
    expired.refresh_from_db()
    assert (expired.status, expired.file_name) == ("expired", "")


def test_a_storage_that_fails_on_download_answers_503_and_says_so(cast, monkeypatch, caplog):
    export = ready_export(cast.alliance, cast.chair)
    storage_failing(monkeypatch, "open")

    with caplog.at_level(logging.ERROR, logger="reports.views"):
        response = client_for(cast.chair).get(download_url(export))

    assert response.status_code == 503
    page = response.content.decode()
    assert "The file cannot be fetched right now" in page
    assert f'href="{download_url(export)}"' in page  # try again
    assert f"Could not open the stored export {export.pk}" in caplog.text
    assert not AuditEntry.objects.filter(action="archive.downloaded").exists()


def test_a_storage_that_refuses_the_file_fails_the_build_and_leaves_no_working_file(
    cast,
    quick_renders,  # noqa: F811
    monkeypatch,
    caplog,
):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)
    storage_failing(monkeypatch, "save")

    with caplog.at_level(logging.ERROR, logger="reports.services"):
        assert services.archive_build(export_id=export.pk) is None

    export.refresh_from_db()
    assert (export.status, export.error) == ("failed", str(ERR_NOT_STORED))
    assert working_files() == []
    assert "The object store is not answering" in caplog.text


def test_an_erasure_goes_through_when_the_storage_cannot_delete_and_the_purge_finishes_it(
    cast, storage_dir, monkeypatch
):
    contact = registered_contact(cast)
    export = ready_export(cast.alliance, cast.coordinator)
    storage_failing(monkeypatch, "delete")

    response = client_for(cast.coordinator, reauthenticated=True).post(
        reverse("stakeholders:contact_erase", args=[cast.alliance.pk, contact.pk]),
        {"confirm": "on"},
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_erased
    export.refresh_from_db()
    # Nobody can download it any more; its file waits for the purge.
    assert export.status == ArchiveExport.Status.EXPIRED
    assert client_for(cast.coordinator).get(download_url(export)).status_code == 410
    monkeypatch.undo()
    assert services.archives_purge()["leftovers"] == 1
    assert stored_files(storage_dir) == []


def test_the_archive_holds_the_documents_as_zip_members(
    cast,
    quick_renders,  # noqa: F811
):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)

    services.archive_build(export_id=export.pk)

    export.refresh_from_db()
    with default_storage.open(export.file_name, "rb") as stored:
        names = zip_of(stored.read()).namelist()
    assert names[0].startswith("agendas/") and names[-1] == "index.csv"


def test_the_archive_takes_final_documents_from_the_storage_instead_of_printing_them(
    cast, monkeypatch
):
    from weasyprint import HTML

    from documents.models import StoredDocument
    from documents.services import document_pdf

    from ..factories import make_published_agreement, sign_agreement
    from .conftest import held_meeting

    meeting = held_meeting(
        cast.alliance, secretary=cast.secretary, chair=cast.chair, title="Plenary", days_ago=3
    )
    signature = sign_agreement(
        make_published_agreement(cast.alliance, cast.coordinator), cast.membership(cast.member)
    )
    stored = {
        "minutes/minutes-001-plenary.pdf": document_pdf("minutes", meeting.minutes),
        f"agreements/agreement-v1-{slugify(signature.typed_name)}.pdf": document_pdf(
            "signature", signature
        ),
    }
    assert StoredDocument.objects.count() == 2
    printed = []
    write_pdf = HTML.write_pdf

    def counting(self, *args, **kwargs):
        printed.append(self)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "write_pdf", counting)
    export = make_export(cast.alliance, cast.coordinator)

    services.archive_build(export_id=export.pk)

    export.refresh_from_db()
    with default_storage.open(export.file_name, "rb") as file:
        content = file.read()
    rows = {row["File"]: row for row in index_rows(content)}
    archive = zip_of(content)
    for name, pdf in stored.items():
        assert archive.read(name) == pdf
        assert rows[name]["SHA-256"] == hashlib.sha256(pdf).hexdigest()
        assert rows[name]["Bytes"] == str(len(pdf))
    # Only the agenda and the coordinator report were printed.
    assert sorted(rows) == sorted(
        [
            *stored,
            "agendas/agenda-001-plenary.pdf",
            next(n for n in rows if n.startswith("reports/")),
        ]
    )
    assert len(printed) == 2
