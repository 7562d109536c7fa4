"""Building an alliance's archive: what the ZIP holds and its index, progress while it is built,
failures, a second run, the queue being down, and removing old archives."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import logging
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from agreements.models import Signature
from alliance_portal.tabular import FORMULA_PREFIXES
from alliances.models import Alliance, AuditEntry, User
from demo.management.commands.seed_demo import ALLIANCE_NAME, demo_email
from reports import services
from reports.archive import INDEX_NAME, archive_documents, write_archive
from reports.models import ArchiveExport
from reports.services import (
    ERR_ARCHIVE_RUNNING,
    ERR_BUILD_FAILED,
    ERR_BUILD_LOST,
    ERR_NOT_QUEUED,
)
from reports.tasks import build_archive, purge_archives

from ..celery_support import REFUSED_REDIS_URL, broker_at
from ..conftest import client_for
from ..factories import make_approved_plan, make_meeting, make_published_agreement, sign_agreement
from .conftest import (
    make_export,
    pdf_text,
    ready_export,
    stored_files,
    working_files,
    zip_of,
)

INDEX_COLUMNS = ["File", "Document", "Title", "Date", "Status", "SHA-256", "Bytes"]
PRINTED = re.compile(r"(\d+) of (\d+) documents printed")
PERCENT = re.compile(r'aria-valuenow="(\d+)"')


class FailingStorage:
    """The default storage, but the methods named fail as an object store that does not
    answer fails."""

    def __init__(self, *failing: str):
        self.failing = failing

    def __getattr__(self, name):
        if name in self.failing:
            return self.fail
        return getattr(default_storage, name)

    def fail(self, *args, **kwargs):
        raise OSError("The object store is not answering")


def storage_failing(monkeypatch, *methods: str) -> None:
    """The reports' services and views find a storage whose `methods` fail."""
    for module in ("reports.services", "reports.views"):
        monkeypatch.setattr(f"{module}.default_storage", FailingStorage(*methods))


def request_archive(alliance: Alliance, actor: User, capture, *, language: str = "en"):
    """Asks for an archive; the build runs (inline) once the request's transaction commits."""
    with capture(execute=True):
        export = services.archive_request(alliance=alliance, actor=actor, language=language)
    export.refresh_from_db()
    return export


def archive_bytes(export: ArchiveExport) -> bytes:
    with default_storage.open(export.file_name, "rb") as stored:
        return stored.read()


def index_rows(content: bytes) -> list[dict[str, str]]:
    text = zip_of(content).read(INDEX_NAME).decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs open it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def quick_renders(monkeypatch):
    """Documents print as a few bytes naming them, so tests about the archive itself do not wait
    for WeasyPrint. Each hook put in the returned list is called before a document is printed,
    with how many are printed already and how many there are."""
    calls = []

    def listing(alliance, *, today):
        documents = real_listing(alliance, today=today)

        def render(document, number):
            for hook in calls:
                hook(number, len(documents))
            return f"%PDF-1.7 {document.stem}".encode()

        return [
            dataclasses.replace(document, render=lambda d=document, n=n: render(d, n))
            for n, document in enumerate(documents)
        ]

    real_listing = services.archive_documents
    monkeypatch.setattr(services, "archive_documents", listing)
    return calls


# What the archive holds ------------------------------------------------------------------------


def test_archive_of_the_seeded_alliance_holds_every_document_listed_in_its_index(
    db, django_capture_on_commit_callbacks
):
    call_command("seed_demo", stdout=StringIO())
    alliance = Alliance.objects.get(name=ALLIANCE_NAME)
    coordinator = User.objects.get(email=demo_email("Leila", "Ahmadi"))
    expected = archive_documents(alliance, today=timezone.localdate())

    export = request_archive(alliance, coordinator, django_capture_on_commit_callbacks)

    assert export.status == ArchiveExport.Status.READY
    assert export.total == export.done == len(expected) == 13
    content = archive_bytes(export)
    assert export.size == len(content)
    assert export.expires_at == export.finished_at + timedelta(hours=24)
    archive = zip_of(content)
    rows = index_rows(content)
    assert list(rows[0]) == INDEX_COLUMNS
    assert sorted(archive.namelist()) == sorted([INDEX_NAME, *(row["File"] for row in rows)])
    assert [(row["Document"], row["Title"], row["Date"], row["Status"]) for row in rows] == [
        (
            str(document.kind),
            document.title,
            document.date.isoformat(),
            str(document.status),
        )
        for document in expected
    ]
    for row in rows:
        member = archive.read(row["File"])
        assert member.startswith(b"%PDF-")
        assert row["SHA-256"] == hashlib.sha256(member).hexdigest()
        assert row["Bytes"] == str(len(member))
    folders = [row["File"].split("/")[0] for row in rows]
    assert folders == [
        "agendas",
        "agendas",
        "minutes",
        "action-plans",
        *["agreements"] * 6,
        "mapping",
        "information",
        "reports",
    ]
    assert [row["File"] for row in rows][:4] == [
        "agendas/agenda-001-initial-workshop.pdf",
        "agendas/agenda-002-second-plenary-the-mapping-and-the-gaps.pdf",
        "minutes/minutes-001-initial-workshop.pdf",
        f"action-plans/plan-{alliance.action_plans.get().pk}"
        "-regional-action-plan-for-newcomers-access-to-support-v1.pdf",
    ]
    signed = [row for row in rows if row["File"].startswith("agreements/")]
    assert {row["Title"] for row in signed} == {
        f"Version 1, signed by {name}"
        for name in Signature.objects.filter(
            version__agreement__alliance=alliance, status=Signature.Status.SIGNED
        ).values_list("typed_name", flat=True)
    }
    for row in signed:
        assert b"/ByteRange" in archive.read(row["File"])  # sealed by the portal
    report = pdf_text(archive.read(rows[-1]["File"]))
    assert ALLIANCE_NAME in report and "Coordinator report" in report
    assert "Initial workshop" in pdf_text(archive.read(rows[0]["File"]))
    entry = AuditEntry.objects.get(action="archive.requested")
    assert (entry.actor, entry.alliance, entry.object_id) == (coordinator, alliance, str(export.pk))


def test_index_neutralises_titles_a_spreadsheet_would_run(cast, django_capture_on_commit_callbacks):
    formula = '=HYPERLINK("https://evil.example/steal","Open the plan")'
    make_approved_plan(
        cast.alliance,
        cast.coordinator,
        cast.chair,
        actions=1,
        action_title="Planned action {number}",
        title=formula,
    )

    export = request_archive(cast.alliance, cast.coordinator, django_capture_on_commit_callbacks)

    rows = index_rows(archive_bytes(export))
    plan_row = next(row for row in rows if row["Document"] == "Action plan version")
    assert plan_row["Title"] == f"'{formula}, version 1"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_PREFIXES), row
    assert formula in pdf_text(zip_of(archive_bytes(export)).read(plan_row["File"]))


def test_same_titled_documents_get_files_of_their_own(
    cast, quick_renders, django_capture_on_commit_callbacks
):
    for _ in range(2):
        make_meeting(cast.alliance, cast.secretary, title="Plenary meeting")
    version = make_published_agreement(cast.alliance, cast.coordinator)
    for user in (cast.member, cast.secretary):
        sign_agreement(version, cast.membership(user), typed_name="Maria Example")

    export = request_archive(cast.alliance, cast.coordinator, django_capture_on_commit_callbacks)

    rows = index_rows(archive_bytes(export))
    files = [row["File"] for row in rows]
    assert len(files) == len(set(files))
    assert files[:4] == [
        "agendas/agenda-001-plenary-meeting.pdf",
        "agendas/agenda-002-plenary-meeting.pdf",
        "agreements/agreement-v1-maria-example.pdf",
        "agreements/agreement-v1-maria-example-2.pdf",
    ]
    assert [row["Title"] for row in rows[:2]] == ["#1 Plenary meeting", "#2 Plenary meeting"]
    assert files[-1].startswith("reports/coordinator-report-")
    assert export.total == len(rows) == 5


def test_archive_is_printed_in_the_language_of_whoever_asked(
    cast, quick_renders, django_capture_on_commit_callbacks
):
    make_meeting(cast.alliance, cast.secretary)

    export = request_archive(
        cast.alliance, cast.coordinator, django_capture_on_commit_callbacks, language="sv"
    )

    with translation.override("sv"):
        agenda = gettext("Agenda")
    assert agenda != "Agenda"
    rows = index_rows(archive_bytes(export))
    # Scripts read the index by its column names, which are the same in every language.
    assert list(rows[0]) == INDEX_COLUMNS
    assert rows[0]["File"] == "agendas/agenda-001-plenary-meeting.pdf"
    assert rows[0]["Title"] == "#1 Plenary meeting"
    assert rows[0]["Document"] == agenda


# Progress --------------------------------------------------------------------------------------


def test_progress_is_counted_after_each_document_and_the_status_shows_it(cast, quick_renders):
    for number in range(3):
        make_meeting(cast.alliance, cast.secretary, title=f"Meeting {number + 1}")
    export = make_export(cast.alliance, cast.coordinator)
    status_url = reverse("reports:archive_status", args=[cast.alliance.pk, export.pk])
    client = client_for(cast.coordinator)
    seen = []

    def look(number, total):
        row = ArchiveExport.objects.get(pk=export.pk)
        page = client.get(status_url).content.decode()
        seen.append(
            (
                row.status,
                row.done,
                PRINTED.search(page).groups(),
                PERCENT.search(page).group(1),
                'hx-trigger="every 2s"' in page,
            )
        )

    quick_renders.append(look)

    services.archive_build(export_id=export.pk)

    assert seen == [
        ("running", 0, ("0", "4"), "0", True),
        ("running", 1, ("1", "4"), "25", True),
        ("running", 2, ("2", "4"), "50", True),
        ("running", 3, ("3", "4"), "75", True),
    ]
    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("ready", 4, 4)
    page = client.get(status_url).content.decode()
    assert "Download the ZIP" in page
    assert "4 documents" in page
    assert "hx-trigger" not in page


def test_progress_callback_counts_every_document(cast, tmp_path):

    make_meeting(cast.alliance, cast.secretary)
    documents = archive_documents(cast.alliance, today=timezone.localdate())
    counted = []

    write_archive(tmp_path / "direct.zip", documents, on_progress=counted.append)

    assert counted == list(range(1, len(documents) + 1))
    assert len(index_rows((tmp_path / "direct.zip").read_bytes())) == len(documents)


# Failures and second runs ----------------------------------------------------------------------


def test_a_document_that_cannot_be_printed_fails_the_archive_and_leaves_no_file(
    cast, quick_renders, storage_dir, caplog
):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)

    def break_second(number, total):
        if number == 1:
            raise RuntimeError("WeasyPrint ran out of memory")

    quick_renders.append(break_second)

    with caplog.at_level(logging.ERROR, logger="reports.services"):
        assert build_archive.delay(export.pk).get() == "skipped"

    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.FAILED
    assert export.error == str(ERR_BUILD_FAILED)
    assert export.finished_at is not None and export.expires_at is None
    assert stored_files(storage_dir) == []
    assert working_files() == []
    assert f"Archive export {export.pk} failed" in caplog.text
    assert "WeasyPrint ran out of memory" in caplog.text  # the traceback is logged
    page = client_for(cast.chair).get(
        reverse("reports:archive_status", args=[cast.alliance.pk, export.pk])
    )
    assert escape(str(ERR_BUILD_FAILED)) in page.content.decode()
    assert "hx-trigger" not in page.content.decode()


def test_building_twice_leaves_one_ready_archive(cast, quick_renders, storage_dir):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)

    assert build_archive.delay(export.pk).get() == ArchiveExport.Status.READY
    export.refresh_from_db()
    first = (archive_bytes(export), export.finished_at, export.expires_at)
    assert build_archive.delay(export.pk).get() == "skipped"

    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("ready", 2, 2)
    assert (archive_bytes(export), export.finished_at, export.expires_at) == first
    assert stored_files(storage_dir) == [export.file_name]
    assert working_files() == []


def test_a_build_whose_worker_was_lost_starts_again(cast, quick_renders, storage_dir):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)
    export.start(total=7)
    export.done = 3
    export.save()
    name = export.file_name

    services.archive_build(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("ready", 2, 2)
    assert export.file_name == name
    assert len(index_rows(archive_bytes(export))) == 2


def test_a_build_given_up_while_it_ran_keeps_no_file(cast, quick_renders, storage_dir, settings):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)

    def purge_meanwhile(number, total):
        if number == total - 1:
            later = timezone.now() + timedelta(minutes=settings.ARCHIVE_STALE_MINUTES + 1)
            # The half-written file is older than the purge's "later": it goes too.
            assert services.archives_purge(now=later) == {
                "expired": 0,
                "lost": 1,
                "leftovers": 1,
                "partials": 1,
            }

    quick_renders.append(purge_meanwhile)

    services.archive_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.FAILED
    assert export.error == str(ERR_BUILD_LOST)
    assert stored_files(storage_dir) == []
    assert working_files() == []


def test_a_run_overtaken_by_another_keeps_the_finished_archive(cast, quick_renders):
    make_meeting(cast.alliance, cast.secretary)
    export = make_export(cast.alliance, cast.coordinator)

    def finished_elsewhere(number, total):
        if number == total - 1:
            other = ArchiveExport.objects.get(pk=export.pk)
            other.finish(size=1)
            other.save()

    quick_renders.append(finished_elsewhere)

    services.archive_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.READY
    assert len(index_rows(archive_bytes(export))) == 2


def test_an_export_that_is_gone_is_skipped(db):
    assert build_archive.delay(987654).get() == "skipped"


# Asking for an archive -------------------------------------------------------------------------


def test_one_archive_of_an_alliance_is_built_at_a_time(cast, quick_renders):
    running = make_export(cast.alliance, cast.chair, status=ArchiveExport.Status.RUNNING)

    with pytest.raises(ValidationError) as refused:
        services.archive_request(alliance=cast.alliance, actor=cast.coordinator, language="en")

    assert refused.value.messages == [str(ERR_ARCHIVE_RUNNING)]
    assert list(ArchiveExport.objects.all()) == [running]
    # Another alliance is not held up.
    services.archive_request(alliance=cast.other_alliance, actor=cast.other_chair, language="en")
    assert ArchiveExport.objects.filter(alliance=cast.other_alliance).count() == 1


def test_a_stale_archive_does_not_block_a_new_one(
    cast, quick_renders, settings, django_capture_on_commit_callbacks
):
    stale = make_export(
        cast.alliance,
        cast.chair,
        created_at=timezone.now() - timedelta(minutes=settings.ARCHIVE_STALE_MINUTES + 1),
    )
    finished = make_export(cast.alliance, cast.chair, status=ArchiveExport.Status.FAILED)

    export = request_archive(cast.alliance, cast.coordinator, django_capture_on_commit_callbacks)

    assert export.status == ArchiveExport.Status.READY
    assert ArchiveExport.objects.count() == 3
    stale.refresh_from_db()
    finished.refresh_from_db()
    assert (stale.status, finished.status) == ("queued", "failed")


def test_archive_fails_at_once_when_the_queue_cannot_be_reached(
    cast, storage_dir, django_capture_on_commit_callbacks
):
    with broker_at(REFUSED_REDIS_URL):
        export = request_archive(
            cast.alliance, cast.coordinator, django_capture_on_commit_callbacks
        )

    assert export.status == ArchiveExport.Status.FAILED
    assert export.error == str(ERR_NOT_QUEUED)
    assert stored_files(storage_dir) == []
    # The failed request no longer blocks the next one.
    again = services.archive_request(alliance=cast.alliance, actor=cast.coordinator, language="en")
    assert again.status == ArchiveExport.Status.QUEUED


# Removing old archives -------------------------------------------------------------------------


def test_purge_deletes_expired_files_and_fails_lost_builds(cast, storage_dir, settings):
    now = timezone.now()
    stale = now - timedelta(minutes=settings.ARCHIVE_STALE_MINUTES + 1)
    expired = ready_export(cast.alliance, cast.chair, expires_at=now - timedelta(minutes=1))
    current = ready_export(cast.alliance, cast.chair)
    lost_queued = make_export(cast.alliance, cast.chair, created_at=stale)
    lost_running = make_export(
        cast.alliance, cast.chair, status=ArchiveExport.Status.RUNNING, created_at=stale
    )
    fresh = make_export(cast.other_alliance, cast.other_chair, status=ArchiveExport.Status.RUNNING)
    failed = make_export(
        cast.alliance, cast.chair, status=ArchiveExport.Status.FAILED, created_at=stale
    )

    assert purge_archives.delay().get() == {
        "expired": 1,
        "lost": 2,
        "leftovers": 0,
        "partials": 0,
    }

    for export in (expired, current, lost_queued, lost_running, fresh, failed):
        export.refresh_from_db()
    assert (expired.status, expired.file_name) == (ArchiveExport.Status.EXPIRED, "")
    assert current.status == ArchiveExport.Status.READY
    assert stored_files(storage_dir) == [current.file_name]
    for lost in (lost_queued, lost_running):
        assert (lost.status, lost.error) == ("failed", str(ERR_BUILD_LOST))
        assert lost.finished_at is not None
    assert fresh.status == ArchiveExport.Status.RUNNING
    assert (failed.status, failed.error) == ("failed", "")
    download = client_for(cast.chair).get(
        reverse("reports:archive_download", args=[cast.alliance.pk, expired.pk])
    )
    assert download.status_code == 410
    # Purging again finds nothing more to do.
    assert services.archives_purge() == {"expired": 0, "lost": 0, "leftovers": 0, "partials": 0}


def test_purge_deletes_a_file_whose_delete_failed_before(cast, storage_dir, monkeypatch):
    export = ready_export(cast.alliance, cast.chair, expires_at=timezone.now())
    storage_failing(monkeypatch, "delete")

    assert services.archives_purge()["expired"] == 1

    export.refresh_from_db()
    # Expired, so nobody downloads it, and still named, so the next purge tries again.
    assert export.status == ArchiveExport.Status.EXPIRED
    assert stored_files(storage_dir) == [export.file_name]
    monkeypatch.undo()
    assert services.archives_purge() == {"expired": 0, "lost": 0, "leftovers": 1, "partials": 0}
    export.refresh_from_db()
    assert export.file_name == ""
    assert stored_files(storage_dir) == []


def test_purge_runs_every_hour(settings):
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["archives.purge"]["schedule"] == 3600.0


@pytest.mark.django_db
def test_purge_removes_working_files_a_killed_worker_left(settings):
    import os

    folder = services.work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / ".export-4-lost.zip.partial"
    fresh = folder / ".export-5-building.zip.partial"
    finished = folder / "not-ours.zip"
    for path in (stale, fresh, finished):
        path.write_bytes(b"PK")
    old = (timezone.now() - timedelta(minutes=settings.ARCHIVE_STALE_MINUTES + 5)).timestamp()
    os.utime(stale, (old, old))
    os.utime(finished, (old, old))
    assert services.archives_purge()["partials"] == 1
    assert not stale.exists()
    assert fresh.exists() and finished.exists()
