"""Times the portal's PDFs against WeasyPrint alone, and measures their peak memory.

Four documents: the approved minutes of a meeting with 30 agenda items, the draft action plan
of 200 actions, the coordinator report of an alliance with a long history and the archive of
every document of that alliance. Each is printed through the portal's own code (the functions
the download views and the archive call), and the very HTML the portal made is then given to
WeasyPrint alone, so the ratio is what the portal adds: its queries, its template, its fetcher.
Run against any database:

    DATABASE_URL=postgres://... .venv/bin/python bench/pdf_rendering.py

Every measurement runs in a child forked after the data is built, so its peak RSS is its own:
WeasyPrint and Pango allocate outside Python's heap, where tracemalloc cannot see. The child
reads the data through the parent's open transaction while the parent waits, and the whole is
rolled back, so it leaves nothing behind.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path
from unittest import mock

from harness import RUNS, run_rolled_back
from journey_reports import build as build_long_history

# isort: split
from datetime import date, timedelta

from django.test.utils import override_settings
from django.utils import timezone

ITEMS, INVITEES, PLAN_ACTIONS, PLAN_GOALS, UPDATES = 30, 25, 200, 12, 3
ARCHIVE_RUNS = 2
MINUTES_TARGET, PLAN_TARGET, OVERHEAD_TARGET = 0.5, 2.0, 1.1

COMMENT = (
    "<div>{title}: the secretary presented the background and the working group's proposal. "
    "Members asked how the costs are shared between the municipalities and whether the "
    "schools' timetables allow the sessions in the afternoon.<br><br>"
    "<strong>Discussion</strong><ul><li>The library offers its rooms free of charge.</li>"
    "<li>Two partners cannot staff the evening sessions before the autumn.</li>"
    "<li>The region's grant covers interpreters but not travel.</li></ul>"
    "<strong>Decision</strong>: the alliance adopts the proposal with the changes agreed "
    "above and asks the coordinator to report back at the next meeting.</div>"
)


def build_meeting():
    """Approved minutes of a held meeting: 30 items, each with a comment and decisions, and
    the attendance of 25 invitees."""
    from alliance_portal.permissions import Role
    from meetings import services
    from meetings.models import Participant
    from tests.factories import AllianceFactory, MembershipFactory, make_meeting

    alliance = AllianceFactory(name="Minutes alliance")
    secretary = MembershipFactory(alliance=alliance, role=Role.SECRETARY).user
    chair = MembershipFactory(alliance=alliance, role=Role.CHAIR).user
    members = [MembershipFactory(alliance=alliance) for _ in range(INVITEES - 2)]
    meeting = make_meeting(alliance, secretary, starts_at=timezone.now() - timedelta(days=2))
    standing = meeting.agenda_items.count()
    for number in range(ITEMS - standing):
        services.agenda_item_add(
            meeting=meeting,
            actor=secretary,
            fields={"title": f"Proposal {number + 1} from the working group"},
        )
    services.agenda_publish(meeting=meeting, actor=secretary)
    services.attendance_record(
        meeting=meeting,
        actor=secretary,
        attendance={
            participant.pk: Participant.Attendance.ABSENT
            if n % 5 == 0
            else Participant.Attendance.PRESENT
            for n, participant in enumerate(meeting.participants.all())
        },
    )
    services.meeting_mark_held(meeting=meeting, actor=secretary)
    minutes = services.minutes_start(meeting=meeting, actor=secretary)
    items = list(minutes.items.all())
    services.minutes_save(
        minutes=minutes,
        actor=secretary,
        base_version=minutes.version,
        comments={item.pk: COMMENT.format(title=item.title) for item in items},
    )
    for n, item in enumerate(items):
        for number in range(n % 3):
            services.decided_action_add(
                item=item,
                actor=secretary,
                title=f"Prepare decision {number + 1} on {item.title}",
                responsible_member=members[(n + number) % len(members)],
                due_date=date(2027, 3, 1) + timedelta(days=n),
            )
    services.minutes_circulate(minutes=minutes, actor=secretary)
    return services.minutes_approve(minutes=minutes, actor=chair)


def build_plan():
    """A draft plan of 200 actions, each with two goals, a gap, a partner and progress."""
    from actionplans import services
    from alliance_portal.permissions import Role
    from tests.factories import (
        AllianceFactory,
        GapFactory,
        MembershipFactory,
        StakeholderFactory,
        make_action,
        make_goal,
        make_plan,
    )

    alliance = AllianceFactory(name="Plan alliance")
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    partners = [StakeholderFactory(alliance=alliance).organisation for _ in range(15)]
    gaps = [GapFactory(alliance=alliance) for _ in range(8)]
    plan = make_plan(alliance, coordinator)
    goals = [make_goal(plan, coordinator, title=f"Goal {n + 1}") for n in range(PLAN_GOALS)]
    for n in range(PLAN_ACTIONS):
        action = make_action(
            plan,
            coordinator,
            title=f"Action {n + 1}: run the parents' evening in the district",
            description="What happens, who takes part and what it leads to. " * 4,
            resources="The region's integration grant; rooms at the library",
            obstacles="Few volunteers in the summer",
            obstacle_plan="Book the evenings before June",
            collaborators="Schools, the library, two associations",
            responsible_organisation=partners[n % len(partners)],
            goals=[goals[n % PLAN_GOALS], goals[(n + 5) % PLAN_GOALS]],
            gaps=[gaps[n % len(gaps)]],
        )
        for update in range(UPDATES):
            services.progress_record(
                action=action,
                actor=coordinator,
                percent=20 * (update + 1),
                status="in_progress",
                on=timezone.localdate() - timedelta(days=10 * (UPDATES - update)),
            )
    return plan


def _rss_kib(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _in_child(work, *args):
    """work(*args) in a forked child; returns (its result, RSS at start, peak RSS) in KiB.

    The parent waits and does not touch the database meanwhile, so the child may use the
    parent's connection; it leaves through os._exit (multiprocessing's), which never closes it.
    """
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)

    def child():
        start = _rss_kib("VmRSS")
        result = work(*args)
        sending.send((result, start, _rss_kib("VmHWM")))

    process = context.Process(target=child)
    process.start()
    outcome = receiving.recv()
    process.join()
    return outcome


def _timed(call, runs: int) -> tuple[float, list[float], list[float], object]:
    """(first, later) wall seconds, later CPU seconds and the last result: the first run pays
    for loading fonts and stylesheets, so it is reported on its own. CPU time is this process's
    alone (not the database's): on a busy machine it is the steadier of the two."""
    timings, cpu = [], []
    for _ in range(runs + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = call()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return timings[0], timings[1:], cpu[1:], result


def _portal(render, runs: int) -> dict:
    """Times render() and keeps the HTML of every document render_pdf() made in its last run."""
    from alliance_portal import pdf

    captured: list[str] = []

    def capturing(*args, **kwargs):
        html = original(*args, **kwargs)
        captured.append(html)
        return html

    original = pdf.render_to_string
    with mock.patch.object(pdf, "render_to_string", capturing):
        first, later, cpu, (_cleared, content) = _timed(lambda: (captured.clear(), render()), runs)
    return {"first": first, "timings": later, "cpu": cpu, "html": captured, "content": content}


def _bare(htmls: list[str], runs: int) -> dict:
    """WeasyPrint alone on the same HTML, with the same base URL and static-file fetcher."""
    from weasyprint import HTML

    from alliance_portal.pdf import DOCUMENT_BASE_URL, _fetcher_class

    def render():
        fetcher = _fetcher_class()
        return [
            HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=fetcher()).write_pdf()
            for html in htmls
        ]

    first, later, cpu, pdfs = _timed(render, runs)
    return {
        "first": first,
        "timings": later,
        "cpu": cpu,
        "pages": sum(_pages(pdf) for pdf in pdfs),
    }


def _pages(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def _archive_pages(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(
            _pages(archive.read(name)) for name in archive.namelist() if name.endswith(".pdf")
        )


def _archive_render(alliance, coordinator) -> bytes:
    from reports.models import ArchiveExport
    from reports.services import archive_build, archive_path

    export = ArchiveExport.objects.create(
        alliance=alliance, requested_by=coordinator, language="en"
    )
    with tempfile.TemporaryDirectory() as folder, override_settings(ARCHIVE_DIR=Path(folder)):
        export = archive_build(export_id=export.pk)
        return archive_path(export).read_bytes()


def measure(name: str, render, *, runs: int, target: float | None, archive: bool = False):
    portal, portal_start, portal_peak = _in_child(_portal, render, runs)
    bare, _bare_start, bare_peak = _in_child(_bare, portal["html"], runs)
    pages = _archive_pages(portal["content"]) if archive else _pages(portal["content"])
    portal_median = statistics.median(portal["timings"])
    bare_median = statistics.median(bare["timings"])
    return {
        "name": name,
        "documents": len(portal["html"]),
        "pages": pages,
        "bare_pages": bare["pages"],
        "bytes": len(portal["content"]),
        "portal": portal_median,
        "portal_first": portal["first"],
        "bare": bare_median,
        "ratio": portal_median / bare_median,
        "cpu_ratio": statistics.median(portal["cpu"]) / statistics.median(bare["cpu"]),
        "start": portal_start,
        "peak": portal_peak,
        "bare_peak": bare_peak,
        "target": target,
    }


def _met(row: dict) -> str:
    time_met = row["target"] is None or row["portal"] <= row["target"]
    return "met" if time_met and row["ratio"] <= OVERHEAD_TARGET else "missed"


def print_table(rows: list[dict]) -> None:
    mib = 1024
    print(
        f"\n{'document':22} {'docs':>4} {'pages':>5} {'portal':>8} {'(cold)':>8} {'bare':>8} "
        f"{'ratio':>6} {'(cpu)':>6} {'RSS start':>9} {'peak':>7} {'bare peak':>9}  "
        "target        result"
    )
    for row in rows:
        target = f"{row['target']:.1f} s" if row["target"] else "-"
        print(
            f"{row['name']:22} {row['documents']:4} {row['pages']:5} "
            f"{row['portal']:7.3f}s {row['portal_first']:7.3f}s {row['bare']:7.3f}s "
            f"{row['ratio']:5.2f}x {row['cpu_ratio']:5.2f}x "
            f"{row['start'] / mib:7.0f}Mi {row['peak'] / mib:5.0f}Mi "
            f"{row['bare_peak'] / mib:7.0f}Mi  {target:>5}, <={OVERHEAD_TARGET}x  {_met(row)}"
        )
    for row in rows:
        if row["pages"] != row["bare_pages"]:
            print(f"! {row['name']}: the bare render has {row['bare_pages']} pages")
        if row["documents"] > 1:
            print(
                f"{row['name']}: {row['documents']} documents, {row['bytes'] / 1024:.0f} KiB, "
                f"{row['portal'] / row['documents'] * 1000:.0f} ms a document "
                f"(bare {row['bare'] / row['documents'] * 1000:.0f} ms)"
            )


def main() -> None:
    import psutil

    from actionplans.documents import plan_document
    from actionplans.selectors import plan_content
    from meetings.documents import minutes_document
    from reports.archive import archive_documents
    from reports.documents import report_document
    from reports.report import Period

    print(
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 1024**3:.1f} GiB, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    minutes = build_meeting()
    plan = build_plan()
    alliance, coordinator = build_long_history()
    today = timezone.localdate()
    period = Period(today - timedelta(days=365), today + timedelta(days=365))
    # A child that found WeasyPrint loaded already would not show what loading it costs.
    assert "weasyprint" not in sys.modules, "the data was built with WeasyPrint loaded"

    def plan_pdf():
        # What the plan's download view does for a draft: its live content, marked DRAFT.
        content = plan_content(plan)
        return plan_document(
            alliance=plan.alliance, content=content, number=plan.version, status=plan.status
        )

    documents = len(archive_documents(alliance, today=today))
    print(
        f"minutes: {ITEMS} items, {INVITEES} invitees; plan: {PLAN_ACTIONS} actions, "
        f"{PLAN_GOALS} goals; archive: {documents} documents. "
        f"Median of {RUNS} after a first (cold) run, {ARCHIVE_RUNS} for the archive."
    )
    rows = [
        measure(
            "minutes (30 items)",
            lambda: minutes_document(minutes),
            runs=RUNS,
            target=MINUTES_TARGET,
        ),
        measure("action plan (200)", plan_pdf, runs=RUNS, target=PLAN_TARGET),
        measure(
            "coordinator report",
            lambda: report_document(alliance, period),
            runs=RUNS,
            target=None,
        ),
        measure(
            "archive",
            lambda: _archive_render(alliance, coordinator),
            runs=ARCHIVE_RUNS,
            target=None,
            archive=True,
        ),
    ]
    print_table(rows)
    print(
        "portal and bare: wall time of the document function / of WeasyPrint alone on its HTML; "
        "(cpu): the ratio of their CPU times; RSS start: the child before its first PDF; "
        f"peak: VmHWM of that child. Load average: {os.getloadavg()[0]:.1f}."
    )


if __name__ == "__main__":
    run_rolled_back(main)
