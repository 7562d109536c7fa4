"""A real S3 API on loopback for the tests of the object storage: moto's server mode, started
once per test process, with a bucket of its own for each test.

`s3_storage` points Django's default storage at such a bucket, with the same settings the
portal builds from its S3_* variables (settings.object_storage). Overriding STORAGES is enough:
Django's setting_changed receiver empties `storages` and `default_storage`, so code that imported
`default_storage` writes to the bucket and, afterwards, to the disk again. Only code that kept a
storage object of its own (`storages["default"]` saved in a variable) would miss the change.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from django.conf import settings
from django.test import override_settings

from alliance_portal.settings import object_storage

# moto accepts any keys; the portal's settings still pass them, as they would to a real store.
ACCESS_KEY_ID = "portal-test-access-key"
SECRET_ACCESS_KEY = "portal-test-secret-key"
REGION = "eu-north-1"


@dataclass(frozen=True)
class S3Bucket:
    """A bucket on the loopback S3 server, and the variables that point the portal at it."""

    endpoint_url: str
    name: str
    prefix: str = ""

    def environment(self) -> dict[str, str]:
        """The portal's S3_* variables for this bucket, as a server or worker is given them."""
        return {
            "S3_BUCKET": self.name,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "S3_PREFIX": self.prefix,
        }

    def client(self):
        """A plain boto3 client, to look into the bucket without the portal's code."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def object_keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the whole test process; yields its URL."""
    # Imported here: loading moto takes a second that test runs without these tests keep.
    from moto.server import ThreadedMotoServer

    # Werkzeug logs every request moto answers: noise around any failure's own report.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint) -> S3Bucket:
    """A new, empty bucket of this test's own."""
    bucket = S3Bucket(endpoint_url=s3_endpoint, name=f"portal-test-{uuid.uuid4().hex[:16]}")
    bucket.client().create_bucket(
        Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return bucket


@pytest.fixture
def s3_storage(s3_bucket) -> Iterator[S3Bucket]:
    """Django's default storage is the test's bucket, configured as the portal configures it."""
    with override_settings(
        STORAGES={**settings.STORAGES, "default": object_storage(s3_bucket.environment())}
    ):
        yield s3_bucket
