"""Times the portal's PDFs against WeasyPrint alone, and measures their peak memory.

Four documents: the approved minutes of a meeting with 30 agenda items, the draft action plan
of 200 actions, the coordinator report of an alliance with a long history and the archive of
every document of that alliance. Each is printed through the portal's own code (the functions
the download views and the archive call), and the very HTML the portal made is then given to
WeasyPrint alone with the same base URL, fetcher and write options (PDF/A-3b, tagged), so the
ratio is what the portal adds: its queries and its template (in the archive, the seals and the
zip file too). The portal's prints and WeasyPrint's alternate in pairs in one process, so that
both meet the same load on the machine; the ratio is the median of the pairs' ratios. With
`--plain`, WeasyPrint alone also prints each HTML without the write options, which shows what
PDF/A and tags cost. Run against any database:

    DATABASE_URL=postgres://... .venv/bin/python bench/pdf_rendering.py

Every measurement runs in a child forked after the data is built, so its peak RSS is its own:
WeasyPrint and Pango allocate outside Python's heap, where tracemalloc cannot see. The child
reads the data through the parent's open transaction while the parent waits, and the whole is
rolled back, so it leaves nothing behind. `--only plan,report` measures only those documents
(and builds only their data).
"""

from __future__ import annotations

import argparse
import gc
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


class ChildFailed(Exception):
    """A measuring child ended without a result (its traceback is on stderr)."""


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
    # Only the child holds the sending end now, so a child that dies ends recv() with EOFError
    # instead of leaving the parent waiting for ever.
    sending.close()
    try:
        outcome = receiving.recv()
    except EOFError:
        process.join()
        raise ChildFailed(f"the measuring child failed (exit code {process.exitcode})") from None
    process.join()
    return outcome


def _timed(call) -> tuple[float, float, object]:
    """Wall and CPU seconds of one call, and its result. Garbage left by the call before is
    collected first, so that no call pays for another's. CPU time is this process's alone
    (not the database's): on a busy machine it is the steadier of the two."""
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - started, time.process_time() - started_cpu, result


def _capturing_portal(render):
    """render() as the portal runs it, keeping the HTML of every document render_pdf() made in
    the latest call: (the call, the list it fills)."""
    from alliance_portal import pdf

    captured: list[str] = []
    original = pdf.render_to_string

    def capturing(*args, **kwargs):
        html = original(*args, **kwargs)
        captured.append(html)
        return html

    def portal():
        captured.clear()
        with mock.patch.object(pdf, "render_to_string", capturing):
            return render()

    return portal, captured


def _bare_renderer(htmls: list[str], *, archival: bool = True):
    """WeasyPrint alone on the given HTML: the same base URL, static-file fetcher and write
    options (PDF/A, tags) as the portal's render_pdf, nothing else; without `archival`, a plain
    PDF, to show what the write options cost."""
    from weasyprint import HTML

    from alliance_portal.pdf import DOCUMENT_BASE_URL, WRITE_OPTIONS, _fetcher_class

    options = WRITE_OPTIONS if archival else {}

    def bare():
        fetcher = _fetcher_class()
        return [
            HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=fetcher()).write_pdf(
                **options
            )
            for html in htmls
        ]

    return bare


def _portal_against_bare(render, runs: int, plain: bool = False) -> dict:
    """The portal's first (cold) print, then `runs` rounds of a portal print and WeasyPrint alone
    on the HTML the first print made (and, with `plain`, WeasyPrint without the write options),
    in the same process one right after the other.

    A round shares the machine's load of the moment and the process's state (fonts loaded,
    memory), so each round's ratio compares like with like; which side goes first rotates, so
    none is always the one that runs after another. The peak RSS is read before WeasyPrint
    alone runs, so it is the portal's own.
    """
    portal, captured = _capturing_portal(render)
    first, _first_cpu, content = _timed(portal)
    peak = _rss_kib("VmHWM")
    htmls = list(captured)
    sides = {"portal": portal, "bare": _bare_renderer(htmls)}
    if plain:
        sides["plain"] = _bare_renderer(htmls, archival=False)
    names = list(sides)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for run in range(runs):
        # Each side goes first in turn.
        for side in names[run % len(names) :] + names[: run % len(names)]:
            seconds, cpu_seconds, _result = _timed(sides[side])
            wall[side].append(seconds)
            cpu[side].append(cpu_seconds)
    return {
        "first": first,
        "wall": wall,
        "cpu": cpu,
        "html": htmls,
        "content": content,
        "peak": peak,
    }


def _bare_alone(htmls: list[str]) -> dict:
    """WeasyPrint alone on the HTML, cold then once more: its pages, in a child of its own so
    that its peak RSS is its own too."""
    bare = _bare_renderer(htmls)
    bare()
    return {"pages": sum(_pages(pdf) for pdf in bare())}


def _pages(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def _archive_pages(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(
            _pages(archive.read(name)) for name in archive.namelist() if name.endswith(".pdf")
        )


def _archive_render(alliance, coordinator) -> bytes:
    from django.core.files.storage import default_storage

    from reports.models import ArchiveExport
    from reports.services import archive_build

    export = ArchiveExport.objects.create(
        alliance=alliance, requested_by=coordinator, language="en"
    )
    # The archive and the documents it keeps go to a storage of this run's own. A second run
    # finds the final documents kept: bench/archive_assembly.py measures that case.
    with tempfile.TemporaryDirectory() as folder, override_settings(MEDIA_ROOT=Path(folder)):
        export = archive_build(export_id=export.pk)
        with default_storage.open(export.file_name, "rb") as file:
            return file.read()


def _paired_ratio(portal: list[float], bare: list[float]) -> float:
    """The median of the rounds' ratios: each round ran under the same load."""
    return statistics.median(p / b for p, b in zip(portal, bare, strict=True))


def measure(
    name: str,
    render,
    *,
    runs: int,
    target: float | None,
    archive: bool = False,
    plain: bool = False,
):
    timed, portal_start, _both_peak = _in_child(_portal_against_bare, render, runs, plain)
    bare, _bare_start, bare_peak = _in_child(_bare_alone, timed["html"])
    pages = _archive_pages(timed["content"]) if archive else _pages(timed["content"])
    wall, cpu = timed["wall"], timed["cpu"]
    return {
        "name": name,
        "documents": len(timed["html"]),
        "pages": pages,
        "bare_pages": bare["pages"],
        "bytes": len(timed["content"]),
        "portal": statistics.median(wall["portal"]),
        "portal_first": timed["first"],
        "bare": statistics.median(wall["bare"]),
        "ratio": _paired_ratio(wall["portal"], wall["bare"]),
        "cpu_ratio": _paired_ratio(cpu["portal"], cpu["bare"]),
        # What PDF/A and tags cost WeasyPrint alone, when measured.
        "archival_ratio": _paired_ratio(wall["bare"], wall["plain"]) if plain else None,
        "archival_cpu_ratio": _paired_ratio(cpu["bare"], cpu["plain"]) if plain else None,
        "plain": statistics.median(wall["plain"]) if plain else None,
        "start": portal_start,
        "peak": timed["peak"],
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
        if row["archival_ratio"] is not None:
            print(
                f"{row['name']}: WeasyPrint alone {row['bare']:.3f} s as PDF/A-3b with tags, "
                f"{row['plain']:.3f} s plain: {row['archival_ratio']:.2f}x "
                f"({row['archival_cpu_ratio']:.2f}x CPU)"
            )
        if row["pages"] != row["bare_pages"]:
            print(f"! {row['name']}: the bare render has {row['bare_pages']} pages")
        if row["documents"] > 1:
            print(
                f"{row['name']}: {row['documents']} documents, {row['bytes'] / 1024:.0f} KiB, "
                f"{row['portal'] / row['documents'] * 1000:.0f} ms a document "
                f"(bare {row['bare'] / row['documents'] * 1000:.0f} ms)"
            )


DOCUMENTS = ("minutes", "plan", "report", "archive")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        default=",".join(DOCUMENTS),
        help=f"comma-separated documents to measure, of {', '.join(DOCUMENTS)} (default: all)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="also time WeasyPrint alone without PDF/A and tags, to show what they cost",
    )
    arguments = parser.parse_args()
    arguments.only = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = set(arguments.only) - set(DOCUMENTS)
    if unknown:
        parser.error(f"unknown documents: {', '.join(sorted(unknown))}")
    return arguments


def main() -> None:
    import psutil

    from actionplans.documents import plan_document
    from actionplans.selectors import plan_content
    from meetings.documents import minutes_document
    from reports.archive import archive_documents
    from reports.documents import report_document
    from reports.report import Period

    arguments = parse_args()
    only, plain = arguments.only, arguments.plain
    print(
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 1024**3:.1f} GiB, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    minutes = build_meeting() if "minutes" in only else None
    plan = build_plan() if "plan" in only else None
    alliance, coordinator = (
        build_long_history() if {"report", "archive"} & set(only) else (None, None)
    )
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

    documents = len(archive_documents(alliance, today=today)) if "archive" in only else 0
    print(
        f"minutes: {ITEMS} items, {INVITEES} invitees; plan: {PLAN_ACTIONS} actions, "
        f"{PLAN_GOALS} goals; archive: {documents} documents. "
        f"Median of {RUNS} after a first (cold) run, {ARCHIVE_RUNS} for the archive."
    )
    measurements = {
        "minutes": lambda: measure(
            "minutes (30 items)",
            lambda: minutes_document(minutes),
            runs=RUNS,
            target=MINUTES_TARGET,
            plain=plain,
        ),
        "plan": lambda: measure(
            "action plan (200)", plan_pdf, runs=RUNS, target=PLAN_TARGET, plain=plain
        ),
        "report": lambda: measure(
            "coordinator report",
            lambda: report_document(alliance, period),
            runs=RUNS,
            target=None,
            plain=plain,
        ),
        "archive": lambda: measure(
            "archive",
            lambda: _archive_render(alliance, coordinator),
            runs=ARCHIVE_RUNS,
            target=None,
            archive=True,
            plain=plain,
        ),
    }
    rows = []
    for name in (name for name in DOCUMENTS if name in only):
        # One document that cannot be printed does not cost the others' figures.
        try:
            rows.append(measurements[name]())
        except ChildFailed as failure:
            print(f"! {name}: {failure}")
    print_table(rows)
    print(
        "portal and bare: median wall time of the document function / of WeasyPrint alone on "
        "its HTML with the same options; ratio: median of the ratios of rounds run one after "
        "the other, (cpu): the same of their CPU times; RSS start: the child before its first "
        "PDF; peak: its VmHWM after the portal's first print (bare peak: WeasyPrint alone in "
        f"a child of its own). Load average: {os.getloadavg()[0]:.1f}."
    )


if __name__ == "__main__":
    run_rolled_back(main)
