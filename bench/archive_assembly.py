"""Times the archive of a long-lived alliance once its final documents are stored.

The alliance holds 110 documents: 60 sealed agreements, 22 held meetings with their agendas and
approved minutes, three plan versions (two approved, one awaiting sign-off), the stakeholder
mapping, the information material and a coordinator report. A first `archive_build` finds
nothing stored: it prints every document, and keeps each final one (the approved minutes, the
approved plan versions, the sealed agreements) as the documents app does when one becomes
final, and the mapping, the information material and the report under a digest of what they
show; that is the figure to compare with. Every final document is then checked to be stored
once, and `archive_build` is timed again, median of a few runs (target: 3 s). A last run times
each kind of document on its own, so the report shows what the printed one (the plan awaiting
sign-off) and the ones checked by a digest of their HTML (agendas, mapping, information
material, report) cost next to the stored ones, and what is left for listing, zipping and
storing the archive.

    DATABASE_URL=postgres://... .venv/bin/python bench/archive_assembly.py

The storage and VAR_DIR are temporary directories and the data is rolled back, so it leaves
nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from harness import machine_line, run_rolled_back

# isort: split
from django.test.utils import override_settings
from django.utils import timezone, translation

SIGNED, MEETINGS, STAKEHOLDERS, ACTIONS = 60, 22, 40, 20
DOCUMENTS = SIGNED + 2 * MEETINGS + 3 + 3
ARCHIVE_RUNS = 3
TARGET_SECONDS = 3.0


def build():
    """The alliance described above; returns it and its coordinator."""
    from alliance_portal.permissions import Role
    from outreach import services as outreach
    from tests.factories import (
        AllianceFactory,
        ContactFactory,
        MembershipFactory,
        StakeholderFactory,
        make_approved_plan,
        make_published_agreement,
        make_submitted_plan,
        sign_agreement,
    )
    from tests.reports.conftest import held_meeting

    alliance = AllianceFactory(name="Archive benchmark alliance")
    chair, secretary, coordinator = (
        MembershipFactory(alliance=alliance, role=role).user
        for role in (Role.CHAIR, Role.SECRETARY, Role.COORDINATOR)
    )
    outreach.information_save(
        alliance=alliance,
        actor=coordinator,
        why_alliance="To reach every newcomer.",
        regional_situation="Eight municipalities, many services.",
        reasons_to_join="Shared knowledge and contacts.",
        time_commitment="Five meetings over 18 months.",
    )
    for _ in range(STAKEHOLDERS):
        ContactFactory(organisation=StakeholderFactory(alliance=alliance).organisation)
    for number in range(MEETINGS):
        held_meeting(
            alliance,
            secretary=secretary,
            chair=chair,
            title=f"Plenary {number + 1}",
            days_ago=10 + 14 * number,
        )
    for title in ("First regional plan", "Second regional plan"):
        make_approved_plan(alliance, coordinator, chair, actions=ACTIONS, title=title)
    make_submitted_plan(alliance, coordinator, actions=ACTIONS, title="Third regional plan")
    version = make_published_agreement(alliance, coordinator)
    for _ in range(SIGNED):
        sign_agreement(version, MembershipFactory(alliance=alliance))
    return alliance, coordinator


def final_documents(alliance) -> list[tuple[str, object]]:
    """The (kind, object) of every document the archive takes from the storage once stored."""
    from actionplans.models import PlanVersion
    from agreements.models import Signature
    from meetings.models import Minutes

    minutes = Minutes.objects.filter(
        meeting__alliance=alliance, status__in=[Minutes.Status.APPROVED, Minutes.Status.LOCKED]
    )
    versions = PlanVersion.objects.approved().filter(plan__alliance=alliance)
    signatures = Signature.objects.filter(
        version__agreement__alliance=alliance, signed_at__isnull=False
    )
    return [
        *(("minutes", item) for item in minutes.select_related("meeting__alliance")),
        *(("plan_version", item) for item in versions.select_related("plan__alliance")),
        *(
            ("signature", item)
            for item in signatures.select_related("version__agreement__alliance")
        ),
    ]


def store_final_documents(alliance) -> tuple[int, float, dict[str, str]]:
    """Makes sure every final document is stored (printing and storing one that is not);
    returns how many there are, the seconds it took and each stored signature's SHA-256 by
    the signer's typed name."""
    from documents.services import document_pdf

    started = time.perf_counter()
    hashes = {}
    documents = final_documents(alliance)
    for kind, item in documents:
        content = document_pdf(kind, item)
        if kind == "signature":
            hashes[item.typed_name] = hashlib.sha256(content).hexdigest()
    return len(documents), time.perf_counter() - started, hashes


def archive_seconds(alliance, coordinator):
    """One archive build from a new export: (wall seconds, CPU seconds, the export). CPU time
    is this process's alone (not the database's): on a busy machine it is the steadier."""
    from reports.models import ArchiveExport
    from reports.services import archive_build

    export = ArchiveExport.objects.create(
        alliance=alliance, requested_by=coordinator, language="en"
    )
    started, started_cpu = time.perf_counter(), time.process_time()
    export = archive_build(export_id=export.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    assert export is not None and export.status == ArchiveExport.Status.READY, export
    return seconds, cpu, export


def time_by_folder(alliance, coordinator) -> tuple[dict[str, list[float]], float]:
    """One build with each document's render timed: seconds by the archive's folder, and the
    build's whole time."""
    import dataclasses
    from unittest import mock

    from reports import services

    spent: dict[str, list[float]] = defaultdict(list)
    listing = services.archive_documents

    def timed(render, folder):
        def run():
            started = time.perf_counter()
            content = render()
            spent[folder].append(time.perf_counter() - started)
            return content

        return run

    def timed_listing(*args, **kwargs):
        return [
            dataclasses.replace(document, render=timed(document.render, document.folder))
            for document in listing(*args, **kwargs)
        ]

    with mock.patch.object(services, "archive_documents", timed_listing):
        seconds, _cpu, _export = archive_seconds(alliance, coordinator)
    return spent, seconds


def check_index(export, hashes: dict[str, str]) -> None:
    """The index's SHA-256 of each signed agreement is the stored document's."""
    import csv
    import io
    import zipfile

    from django.core.files.storage import default_storage

    from reports.archive import INDEX_NAME

    with default_storage.open(export.file_name, "rb") as stored:
        archive = zipfile.ZipFile(io.BytesIO(stored.read()))
    rows = list(csv.DictReader(io.StringIO(archive.read(INDEX_NAME).decode("utf-8-sig"))))
    assert len(rows) == DOCUMENTS, len(rows)
    for row in rows:
        assert hashlib.sha256(archive.read(row["File"])).hexdigest() == row["SHA-256"], row
    signed = [row for row in rows if row["File"].startswith("agreements/")]
    assert len(signed) == SIGNED
    for row in signed:
        name = row["Title"].split(", signed by ", 1)[1]
        assert row["SHA-256"] == hashes[name], f"{row['File']} is not the stored document"


def main() -> None:
    from reports.archive import archive_documents

    print(f"{machine_line()}, load average {os.getloadavg()[0]:.1f}")
    alliance, coordinator = build()
    documents = archive_documents(alliance, today=timezone.localdate())
    assert len(documents) == DOCUMENTS, len(documents)
    print(
        f"{len(documents)} documents: {SIGNED} sealed agreements, {MEETINGS} agendas and "
        f"{MEETINGS} approved minutes, 3 plan versions ({ACTIONS} actions each, 2 approved), "
        f"the mapping ({STAKEHOLDERS} organisations), the information material, the report"
    )
    first, first_cpu, _export = archive_seconds(alliance, coordinator)
    print(f"nothing stored yet: {first:.2f} s (CPU {first_cpu:.2f} s), every document printed")
    with translation.override("en"):
        stored, seconds, hashes = store_final_documents(alliance)
    print(f"then stored: {stored} final documents ({seconds:.2f} s to check them)")
    runs = [archive_seconds(alliance, coordinator) for _ in range(ARCHIVE_RUNS)]
    median = statistics.median(seconds for seconds, _cpu, _export in runs)
    cpu = statistics.median(cpu for _seconds, cpu, _export in runs)
    export = runs[-1][2]
    check_index(export, hashes)
    met = "met" if median <= TARGET_SECONDS else "missed"
    print(
        f"archive_build: median {median:.2f} s of {ARCHIVE_RUNS} (CPU {cpu:.2f} s), "
        f"{export.size / 1024:.0f} KiB; target {TARGET_SECONDS:.0f} s: {met}"
    )
    spent, whole = time_by_folder(alliance, coordinator)
    print(f"\n{'folder':14} {'docs':>4} {'seconds':>8} {'a document':>11} {'share':>6}")
    for folder, timings in sorted(spent.items(), key=lambda item: -sum(item[1])):
        total = sum(timings)
        print(
            f"{folder:14} {len(timings):4} {total:8.2f} {total / len(timings) * 1000:9.0f} ms "
            f"{total / whole:6.0%}"
        )
    rest = whole - sum(sum(timings) for timings in spent.values())
    print(f"{'(assembly)':14} {'':4} {rest:8.2f} {'':11} {rest / whole:6.0%}")
    print(f"{'whole build':14} {len(documents):4} {whole:8.2f}")
    print(
        "(assembly): listing the documents, writing the ZIP and its index, counting progress "
        "and saving the file to the storage."
    )
    print(f"load average {os.getloadavg()[0]:.1f}")


def run() -> None:
    with (
        tempfile.TemporaryDirectory() as storage,
        tempfile.TemporaryDirectory() as var_dir,
        override_settings(
            STORAGES={
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": storage},
                },
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
            VAR_DIR=Path(var_dir),
        ),
    ):
        run_rolled_back(main)


if __name__ == "__main__":
    run()
