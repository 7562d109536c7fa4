"""The health page's storage check: a file written, read back and deleted, on the local disk and
in an S3 bucket; a store that fails or gives back other bytes fails /health.json."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from documents.health import READ_BACK_DIFFERS
from documents.health import storage_check as run_storage_check

from ..conftest import client_for
from ..factories import UserFactory
from ..s3_support import S3Bucket, s3_bucket, s3_endpoint, s3_storage  # noqa: F401 (fixtures)


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


def _storage_row(client) -> tuple[int, dict]:
    response = client.get(reverse("health_json"))
    return response.status_code, response.json()["checks"]["storage"]


def _files_left() -> list[str]:
    if not default_storage.exists("health"):
        return []
    return default_storage.listdir("health")[1]


def test_the_local_disk_passes_and_keeps_no_probe(staff):
    # The whole report may say 503 here: no reminder scheduler has run in the test database.
    _status, storage = _storage_row(client_for(staff))

    assert storage["ok"] is True
    assert storage["backend"] == "FileSystemStorage"
    assert _files_left() == []
    page = client_for(staff).get(reverse("health")).content.decode()
    assert "FileSystemStorage: a file written, read back and deleted" in page


def test_a_bucket_passes_and_keeps_no_probe(staff, s3_storage: S3Bucket):  # noqa: F811
    storage = run_storage_check()

    assert storage["backend"] == "S3Storage"
    assert "error" not in storage
    assert s3_storage.object_keys() == []


def test_a_store_that_refuses_writes_fails_the_health_json(staff, monkeypatch):
    def refuse(name, content, max_length=None):
        raise PermissionError("Access Denied")

    monkeypatch.setattr(default_storage, "save", refuse)
    status, storage = _storage_row(client_for(staff))

    assert status == 503
    assert storage["ok"] is False
    assert storage["error"] == "PermissionError: Access Denied"


def test_a_store_that_gives_back_other_bytes_fails_and_still_deletes_the_probe(staff, monkeypatch):
    real_open = default_storage.open

    class Altered:
        def __init__(self, name, mode):
            self.file = real_open(name, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def read(self):
            return self.file.read()[::-1]

    monkeypatch.setattr(default_storage, "open", Altered)
    status, storage = _storage_row(client_for(staff))

    assert status == 503
    assert storage["error"] == READ_BACK_DIFFERS
    assert _files_left() == []
