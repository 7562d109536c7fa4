"""The archive pages: the list with each archive's progress, asking for one, the htmx status
partial, the download and its expiry, and who may do what."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from alliances.models import AuditEntry
from reports.models import ArchiveExport
from reports.services import ERR_ARCHIVE_RUNNING, ERR_BUILD_LOST, ERR_NOT_QUEUED

from ..celery_support import REFUSED_REDIS_URL, broker_at, silent_redis
from ..conftest import client_for
from ..factories import make_meeting
from .conftest import make_export, ready_export, zip_of


def archives_url(alliance) -> str:
    return reverse("reports:archives", args=[alliance.pk])


def create_url(alliance) -> str:
    return reverse("reports:archive_create", args=[alliance.pk])


def status_url(export) -> str:
    return reverse("reports:archive_status", args=[export.alliance_id, export.pk])


def download_url(export) -> str:
    return reverse("reports:archive_download", args=[export.alliance_id, export.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def status_html(user, export) -> str:
    response = client_for(user).get(status_url(export))
    assert response.status_code == 200
    return response.content.decode()


# The list and asking for an archive ------------------------------------------------------------


def test_archive_page_without_archives_says_so(cast):
    response = client_for(cast.coordinator).get(archives_url(cast.alliance))

    assert response.status_code == 200
    page = response.content.decode()
    assert "No archive has been built yet." in page
    assert f'action="{create_url(cast.alliance)}"' in page
    assert "can be downloaded for 24 hours" in page


def test_archive_page_lists_the_alliances_archives_newest_first(cast, storage_dir):
    older = ready_export(cast.alliance, cast.chair)
    newer = make_export(
        cast.alliance,
        cast.coordinator,
        status=ArchiveExport.Status.RUNNING,
        total=4,
        done=1,
        created_at=timezone.now() + timedelta(seconds=1),
    )
    make_export(cast.other_alliance, cast.other_chair)

    response = client_for(cast.chair).get(archives_url(cast.alliance))

    page = response.content.decode()
    assert [export.pk for export in response.context["exports"]] == [newer.pk, older.pk]
    assert page.index(f'id="archive-{newer.pk}"') < page.index(f'id="archive-{older.pk}"')
    assert "1 of 4 documents printed" in page
    assert download_url(older) in page
    assert str(cast.coordinator) in page and str(cast.chair) in page


def test_asking_for_an_archive_builds_it_in_the_askers_language(
    cast, django_capture_on_commit_callbacks
):
    cast.chair.preferred_language = "sv"
    cast.chair.save(update_fields=["preferred_language"])
    make_meeting(cast.alliance, cast.secretary)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.chair).post(create_url(cast.alliance))

    assert response.status_code == 302
    assert response["Location"] == archives_url(cast.alliance)
    export = ArchiveExport.objects.get()
    assert (export.alliance, export.requested_by, export.language) == (
        cast.alliance,
        cast.chair,
        "sv",
    )
    assert export.status == ArchiveExport.Status.READY
    assert export.total == 2
    assert len(messages_of(response)) == 1
    entry = AuditEntry.objects.get(action="archive.requested")
    assert (entry.actor, entry.object_id) == (cast.chair, str(export.pk))


def test_asking_for_an_archive_needs_a_post(cast):
    response = client_for(cast.chair).get(create_url(cast.alliance))

    assert response.status_code == 405
    assert not ArchiveExport.objects.exists()


def test_a_second_archive_is_refused_while_one_is_built(cast):
    running = make_export(cast.alliance, cast.chair, status=ArchiveExport.Status.RUNNING)

    response = client_for(cast.coordinator).post(create_url(cast.alliance), follow=True)

    assert response.redirect_chain == [(archives_url(cast.alliance), 302)]
    assert escape(str(ERR_ARCHIVE_RUNNING)) in response.content.decode()
    assert list(ArchiveExport.objects.all()) == [running]
    assert not AuditEntry.objects.filter(action="archive.requested").exists()


def test_a_stale_archive_does_not_refuse_a_new_one(
    cast, settings, django_capture_on_commit_callbacks
):
    make_export(
        cast.alliance,
        cast.chair,
        status=ArchiveExport.Status.RUNNING,
        created_at=timezone.now() - timedelta(minutes=settings.ARCHIVE_STALE_MINUTES + 5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.coordinator).post(create_url(cast.alliance), follow=True)

    assert escape(str(ERR_ARCHIVE_RUNNING)) not in response.content.decode()
    assert ArchiveExport.objects.filter(status=ArchiveExport.Status.READY).count() == 1


def _ask_for_an_archive_timed(client, alliance):
    started = time.monotonic()
    response = client.post(create_url(alliance))
    return response, time.monotonic() - started


# Queued once the request's transaction commits, as in production, not when a test says so.
@pytest.mark.django_db(transaction=True)
def test_when_redis_is_down_the_page_says_at_once_the_archive_was_not_started(cast):
    coordinator = client_for(cast.coordinator)

    with broker_at(REFUSED_REDIS_URL):
        for attempt in (1, 2):
            response, seconds = _ask_for_an_archive_timed(coordinator, cast.alliance)

            assert seconds < 10, f"attempt {attempt} took {seconds:.1f} s"
            assert response.status_code == 302
            assert messages_of(response) == [str(ERR_NOT_QUEUED)]
            assert not ArchiveExport.objects.filter(
                status__in=ArchiveExport.ACTIVE_STATUSES
            ).exists()
            page = coordinator.get(archives_url(cast.alliance)).content.decode()

    assert (
        list(ArchiveExport.objects.values_list("status", "error"))
        == [("failed", str(ERR_NOT_QUEUED))] * 2
    )
    assert escape(str(ERR_NOT_QUEUED)) in page
    assert 'role="alert"' in page
    # Once the broker is back, the next request is taken.
    response = coordinator.post(create_url(cast.alliance))
    assert messages_of(response) != [str(ERR_NOT_QUEUED)]
    assert ArchiveExport.objects.filter(status=ArchiveExport.Status.READY).count() == 1


@pytest.mark.django_db(transaction=True)
def test_when_redis_stops_answering_the_page_does_not_wait_for_it(cast):
    with silent_redis() as url, broker_at(url):
        response, seconds = _ask_for_an_archive_timed(client_for(cast.coordinator), cast.alliance)

    assert seconds < 10, f"the request took {seconds:.1f} s"
    assert messages_of(response) == [str(ERR_NOT_QUEUED)]
    assert ArchiveExport.objects.get().status == ArchiveExport.Status.FAILED


# The status partial ----------------------------------------------------------------------------


def test_status_of_a_waiting_archive_keeps_asking(cast, settings):
    settings.ARCHIVE_POLL_SECONDS = 3
    export = make_export(cast.alliance, cast.chair)

    page = status_html(cast.coordinator, export)

    assert f'hx-get="{status_url(export)}"' in page
    assert 'hx-trigger="every 3s"' in page
    assert 'hx-swap="outerHTML"' in page
    assert 'aria-valuenow="0"' in page
    assert "Waiting for the background worker to start" in page
    assert 'data-status="queued"' in page


def test_status_of_a_running_archive_shows_how_far_it_is(cast):
    export = make_export(cast.alliance, cast.chair, status=ArchiveExport.Status.RUNNING)
    export.total, export.done = 8, 3
    export.save()

    page = status_html(cast.chair, export)

    assert "3 of 8 documents printed" in page
    assert 'aria-valuenow="38"' in page
    assert 'role="progressbar"' in page and 'aria-valuemax="100"' in page
    assert "progress-bar w-pct-38" in page
    assert "hx-trigger" in page


def test_status_of_a_ready_archive_offers_the_download_and_stops_asking(cast, storage_dir):
    export = ready_export(cast.alliance, cast.chair)

    page = status_html(cast.chair, export)

    assert "hx-get" not in page and "hx-trigger" not in page
    assert f'href="{download_url(export)}"' in page
    assert "1 document, " in page
    assert "available until" in page


@pytest.mark.parametrize(
    ("status", "error", "shown"),
    [
        (ArchiveExport.Status.FAILED, str(ERR_BUILD_LOST), str(ERR_BUILD_LOST)),
        (ArchiveExport.Status.FAILED, "", "The archive could not be built."),
        (ArchiveExport.Status.EXPIRED, "", "Expired: the file was deleted."),
    ],
)
def test_status_of_a_finished_archive_stops_asking(cast, status, error, shown):
    export = make_export(cast.alliance, cast.chair, status=status, error=error)

    page = status_html(cast.chair, export)

    assert "hx-trigger" not in page
    assert escape(shown) in page
    assert "Download the ZIP" not in page


def test_status_of_a_ready_archive_past_its_expiry_reads_expired(cast, storage_dir):
    export = ready_export(
        cast.alliance, cast.chair, expires_at=timezone.now() - timedelta(seconds=1)
    )

    page = status_html(cast.chair, export)

    assert "Expired: the file was deleted." in page
    assert "Download the ZIP" not in page


# The download ----------------------------------------------------------------------------------


def test_download_sends_the_zip_and_records_it(cast, storage_dir):
    export = ready_export(cast.alliance, cast.chair)

    response = client_for(cast.coordinator).get(download_url(export))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="{slugify(cast.alliance.name)}-archive-{stamp}.zip"'
    )
    # Reading the stream to its end closes the file (and ends the request).
    content = b"".join(response.streaming_content)
    assert content == (storage_dir / export.file_name).read_bytes()
    assert zip_of(content).namelist() == ["index.csv"]
    entry = AuditEntry.objects.get(action="archive.downloaded")
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.coordinator,
        cast.alliance,
        str(export.pk),
    )


@pytest.mark.parametrize("gone", ["expired", "past-expiry", "file-missing"])
def test_an_archive_that_is_gone_answers_410(cast, storage_dir, gone):
    export = ready_export(cast.alliance, cast.chair)
    if gone == "expired":
        (storage_dir / export.file_name).unlink()
        export.expire()
        export.save()
    elif gone == "past-expiry":
        export.expires_at = timezone.now() - timedelta(minutes=1)
        export.save()
    else:
        (storage_dir / export.file_name).unlink()

    response = client_for(cast.chair).get(download_url(export))

    assert response.status_code == 410
    assert "This archive has expired" in response.content.decode()
    assert archives_url(cast.alliance) in response.content.decode()
    assert not AuditEntry.objects.filter(action="archive.downloaded").exists()


@pytest.mark.parametrize(
    "status",
    [ArchiveExport.Status.QUEUED, ArchiveExport.Status.RUNNING, ArchiveExport.Status.FAILED],
)
def test_an_archive_not_ready_sends_back_to_the_list(cast, status):
    export = make_export(cast.alliance, cast.chair, status=status)

    response = client_for(cast.chair).get(download_url(export))

    assert response.status_code == 302
    assert response["Location"] == archives_url(cast.alliance)
    assert messages_of(response) == ["This archive is not ready yet."]
    assert not AuditEntry.objects.filter(action="archive.downloaded").exists()


@pytest.mark.parametrize("view", ["reports:archive_status", "reports:archive_download"])
def test_another_alliances_archive_is_not_found(cast, storage_dir, view):
    theirs = ready_export(cast.other_alliance, cast.other_chair)

    response = client_for(cast.chair).get(reverse(view, args=[cast.alliance.pk, theirs.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="archive.downloaded").exists()


# Who may do what -------------------------------------------------------------------------------

ALLOWED = {
    "reports:archives": 200,
    "reports:archive_create": 302,
    "reports:archive_status": 200,
    "reports:archive_download": 200,
}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("chair", None),
        ("coordinator", None),
        ("secretary", 403),
        ("member", 403),
        ("observer", 403),
        ("outsider", 404),
        ("other_chair", 404),
    ],
)
@pytest.mark.parametrize("name", list(ALLOWED))
def test_only_the_chair_and_the_coordinator_may_use_the_archives(
    cast, storage_dir, role, status, name
):
    export = ready_export(cast.alliance, cast.chair)
    args = (
        [cast.alliance.pk]
        if name in {"reports:archives", "reports:archive_create"}
        else [
            cast.alliance.pk,
            export.pk,
        ]
    )
    client = client_for(cast.user(role))
    url = reverse(name, args=args)

    response = client.post(url) if name == "reports:archive_create" else client.get(url)

    assert response.status_code == (status or ALLOWED[name])
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end, which closes the file
    created = ArchiveExport.objects.count() > 1
    assert created == (status is None and name == "reports:archive_create")


@pytest.mark.parametrize("name", list(ALLOWED))
def test_anonymous_visitors_are_sent_to_log_in(cast, storage_dir, name):
    export = ready_export(cast.alliance, cast.chair)
    args = (
        [cast.alliance.pk]
        if name in {"reports:archives", "reports:archive_create"}
        else [
            cast.alliance.pk,
            export.pk,
        ]
    )

    response = client_for(None).get(reverse(name, args=args))

    assert response.status_code == 302
    assert re.search(r"/login/?\?next=", response["Location"])
