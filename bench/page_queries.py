"""Queries, SQL time and times of the key pages of the large alliance, in one process.

Run it against the 1x and the 10x database: the query counts must be equal (the test suite's
tests/test_query_counts.py guards the same on small data), and the times show what grows.

    DATABASE_URL=postgres://.../bench_10x .venv/bin/python bench/page_queries.py
"""

from __future__ import annotations

import statistics
import time

from harness import machine_line, test_client_settings

# isort: split
import targets
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alliances.models import User

RUNS = 10


def measure_page(client: Client, path: str) -> tuple[int, float, float, float]:
    """(queries, median SQL ms, median wall ms, median CPU ms) over RUNS requests."""
    client.get(path)
    sql, wall, cpu = [], [], []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, (path, response.status_code)
        sql.append(sum(float(query["time"]) for query in queries.captured_queries))
    return (
        len(queries),
        statistics.median(sql) * 1000,
        statistics.median(wall) * 1000,
        statistics.median(cpu) * 1000,
    )


def main() -> None:
    print(machine_line())
    print(f"{'page':24} {'queries':>7} {'SQL ms':>7} {'wall ms':>8} {'CPU ms':>7}")
    with test_client_settings():
        for page in targets.key_pages():
            client = Client()
            client.force_login(User.objects.get(email=page.email))
            count, sql, wall, cpu = measure_page(client, page.path)
            print(f"{page.name:24} {count:7} {sql:7.1f} {wall:8.1f} {cpu:7.1f}")


if __name__ == "__main__":
    main()
