"""What the benchmarks share: Django set up from the command line, timing, and a rollback."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance_portal.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

RUNS = 5


class Rollback(Exception):
    pass


def measure(client: Client, url: str, runs: int = RUNS) -> tuple[int, float, int]:
    """(queries, median seconds, status) of GET url over `runs` runs."""
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
    return len(queries), statistics.median(timings), response.status_code


def machine_line() -> str:
    """The machine, database and date a figure was measured on, for the record."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, "
        f"{connection.vendor} database {connection.settings_dict['NAME']}"
    )


def report(name: str, count: int, seconds: float, status: int) -> None:
    print(f"{name:26} {status}  {count:3} queries  {seconds * 1000:8.1f} ms")


def test_client_settings() -> override_settings:
    """The test client speaks plain HTTP, and nothing has run collectstatic: as in the tests."""
    return override_settings(
        ALLOWED_HOSTS=["testserver"],
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )


def run_rolled_back(body: Callable[[], None]) -> None:
    """Runs body in a transaction that is always rolled back, so it leaves nothing behind."""
    print(f"database: {connection.vendor}")
    with test_client_settings():
        try:
            with transaction.atomic():
                body()
                raise Rollback
        except Rollback:
            pass
