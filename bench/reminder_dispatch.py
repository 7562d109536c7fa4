"""Times the reminder scheduler over many alliances and counts its queries, and times sending.

50 alliances of 12 members each, every one with two planned meetings (in 5 and 20 days), a held
meeting without minutes, a submitted plan of 30 actions (a third due in 2 days, a third overdue)
and a published agreement nobody has signed. Run against any database:

    DATABASE_URL=postgres://... .venv/bin/python bench/reminder_dispatch.py

It builds its data in a transaction that is rolled back, so it leaves nothing behind.
"""

from __future__ import annotations

import time

from harness import run_rolled_back

# isort: split
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

ALLIANCES, MEMBERS, ACTIONS = 50, 12, 30


def build_alliance(number: int) -> None:
    from reminder_data import reminder_alliance

    reminder_alliance(
        f"Benchmark alliance {number}",
        members=MEMBERS,
        actions=ACTIONS,
        meetings_in=[timedelta(days=5), timedelta(days=20)],
        due_in_days=[2, -10, 60],
    )


def body() -> None:
    from reminders.models import Delivery
    from reminders.services import delivery_send, reminders_plan

    start = time.perf_counter()
    for number in range(ALLIANCES):
        build_alliance(number)
    print(f"built {ALLIANCES} alliances in {time.perf_counter() - start:.1f} s")

    later = timezone.now() + timedelta(days=4)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        created, _ = reminders_plan(now=later)
        first = time.perf_counter() - start
    print(f"first plan:  {created:6} deliveries written  {len(queries):3} queries  {first:6.2f} s")
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        created_again, _ = reminders_plan(now=later)
        again = time.perf_counter() - start
    print(
        f"second plan: {created_again:6} deliveries written  {len(queries):3} queries  "
        f"{again:6.2f} s (nothing new)"
    )
    due = list(
        Delivery.objects.pending().due(later).values_list("pk", flat=True).order_by("pk")[:200]
    )
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        start = time.perf_counter()
        outcomes = [delivery_send(delivery_id=pk) for pk in due]
        elapsed = time.perf_counter() - start
    print(
        f"sending:     {len(due)} deliveries, {outcomes.count('sent')} sent, "
        f"{elapsed / max(len(due), 1) * 1000:.1f} ms each (render, lock, mark; no SMTP)"
    )


if __name__ == "__main__":
    run_rolled_back(body)
