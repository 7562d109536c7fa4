"""Files in an S3-compatible object store: Django's default storage, as the S3_* variables
configure it, against a real S3 API on loopback (moto's server mode, tests/s3_support.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from weasyprint import HTML

from tests.factories import make_approved_plan

from .s3_support import REGION, S3Bucket, s3_bucket, s3_endpoint, s3_storage  # noqa: F401 (fixtures)

BASE_DIR = Path(__file__).resolve().parent.parent
DOCUMENT = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def test_a_file_makes_the_round_trip_through_the_default_storage(s3_storage):  # noqa: F811
    name = default_storage.save("documents/minutes/plenary-1.pdf", ContentFile(DOCUMENT))

    assert name == "documents/minutes/plenary-1.pdf"
    assert default_storage.exists(name)
    assert default_storage.size(name) == len(DOCUMENT)
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == DOCUMENT
    # In the bucket itself, as any other S3 client sees it.
    assert s3_storage.object_keys() == [name]
    assert s3_storage.read(name) == DOCUMENT

    default_storage.delete(name)

    assert not default_storage.exists(name)
    assert s3_storage.object_keys() == []


def test_a_second_file_of_the_same_name_never_replaces_the_first(s3_storage):  # noqa: F811
    first = default_storage.save("archives/alliance.zip", ContentFile(b"first"))
    second = default_storage.save("archives/alliance.zip", ContentFile(b"second"))

    assert second != first
    assert s3_storage.read(first) == b"first"
    assert s3_storage.read(second) == b"second"


def test_objects_are_written_without_granting_anyone_but_the_owner(s3_storage):  # noqa: F811
    name = default_storage.save("documents/agreement.pdf", ContentFile(DOCUMENT))

    grants = s3_storage.client().get_object_acl(Bucket=s3_storage.name, Key=name)["Grants"]

    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"


def test_the_variables_alone_configure_a_server_to_use_the_bucket_under_its_prefix(
    s3_endpoint,  # noqa: F811
    tmp_path,
):
    """A fresh process, as a server starts, given only the S3_* variables (prefix included)."""
    bucket = S3Bucket(endpoint_url=s3_endpoint, name="portal-variables", prefix="/portal/live/")
    bucket.client().create_bucket(
        Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    code = (
        "import json; from django.core.files.base import ContentFile; "
        "from django.core.files.storage import default_storage as s; "
        "name = s.save('documents/probe.pdf', ContentFile(b'stored by a server')); "
        "print(json.dumps([type(s._wrapped).__name__, name, s.open(name).read().decode()]))"
    )
    # Only what a deployment sets: none of the test run's own storage, database or queue.
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("S3_") and key not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env={**environment, **bucket.environment(), "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    backend, name, content = json.loads(result.stdout.strip().splitlines()[-1])
    assert (backend, name, content) == ("S3Storage", "documents/probe.pdf", "stored by a server")
    assert bucket.object_keys() == ["portal/live/documents/probe.pdf"]


@pytest.mark.django_db
def test_a_final_document_is_stored_in_the_bucket_and_then_served_from_it(
    cast,
    s3_storage,  # noqa: F811
):
    services = pytest.importorskip("documents.services", reason="the documents app is not there")
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair)
    version = plan.versions.get(number=1)

    printed = services.document_pdf("plan_version", version)

    assert printed.startswith(b"%PDF-")
    stored = [key for key in s3_storage.object_keys() if s3_storage.read(key) == printed]
    assert len(stored) == 1, s3_storage.object_keys()
    # Asked again, it comes from the bucket: nothing is printed.
    with mock.patch.object(HTML, "write_pdf", side_effect=AssertionError("printed again")):
        again = services.document_pdf("plan_version", version)
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(printed).hexdigest()
