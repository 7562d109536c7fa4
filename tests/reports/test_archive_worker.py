"""A real Celery worker, on the real Redis and PostgreSQL, builds the archive a coordinator asks
for on the page: the status partial follows its progress and the ZIP downloads.

Runs in CI (which sets REDIS_URL and DATABASE_URL to PostgreSQL); locally it needs both.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reports.archive import INDEX_NAME
from reports.models import ArchiveExport
from tests.celery_support import Celery, own_broker, require_services, wait_for
from tests.conftest import client_for
from tests.factories import make_meeting

from .conftest import zip_of

# The tests that run a worker run one at a time, on one test process, each on that process's own
# queue (tests/celery_support.py: own_broker).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("redis_worker")]

MEETINGS = 5
STATUS = re.compile(r'data-status="(\w+)"')
PRINTED = re.compile(r"(\d+) of (\d+) documents printed")


@pytest.fixture
def worker(tmp_path, storage_dir, _celery_eager):
    """A worker process storing archives where this process reads them (a storage on the local
    disk, as `make run` has it); tasks go to Redis."""
    require_services()
    with own_broker() as broker_url:
        processes = Celery(
            tmp_path,
            name="archives-test",
            broker_url=broker_url,
            # DEBUG as `make run` starts its worker: documents load their stylesheet and fonts
            # straight from static/, with no collectstatic manifest.
            env={"MEDIA_ROOT": str(storage_dir), "DEBUG": "true"},
        )
        processes.start_worker()
        yield processes
        processes.stop()


def test_a_real_worker_builds_the_archive_the_page_asked_for(cast, worker):
    for number in range(MEETINGS):
        make_meeting(cast.alliance, cast.secretary, title=f"Plenary {number + 1}")
    client = client_for(cast.coordinator)

    response = client.post(reverse("reports:archive_create", args=[cast.alliance.pk]))

    assert response.status_code == 302
    export = ArchiveExport.objects.get()
    status_url = reverse("reports:archive_status", args=[cast.alliance.pk, export.pk])
    seen: list[tuple[str, int]] = []

    def finished() -> bool:
        page = client.get(status_url).content.decode()
        status = STATUS.search(page).group(1)
        printed = PRINTED.search(page)
        if printed:
            seen.append((status, int(printed.group(1))))
        return status in {"ready", "failed"}

    wait_for(finished, timeout=120, processes=worker, what="the archive", every=0.05)

    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.READY, f"{export.error}\n{worker.logs()}"
    assert export.total == export.done == MEETINGS + 1  # the agendas and a coordinator report
    progress = [done for status, done in seen if status == "running"]
    assert progress, "the build was never seen running"
    assert progress == sorted(progress)
    assert len(set(progress)) > 1, f"progress never went up: {progress}"

    download = client.get(reverse("reports:archive_download", args=[cast.alliance.pk, export.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    archive = zip_of(content)
    assert INDEX_NAME in archive.namelist()
    index = archive.read(INDEX_NAME).decode("utf-8-sig").splitlines()
    assert len(index) == 1 + export.total
    assert sum(name.startswith("agendas/") for name in archive.namelist()) == MEETINGS
