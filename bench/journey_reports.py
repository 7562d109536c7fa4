"""Times the alliance's page with the six steps, the guide's template pages, the coordinator
report and the archive build for a large alliance, and counts their queries.

An alliance done through every step of the guide, grown to 60 members who signed, 120
stakeholders (20 not assessed), 40 communication rows carried out 3 times each, 12 SWOT
analyses, 20 held meetings with minutes and an approved plan of 120 actions. Run against any
database:

    DATABASE_URL=postgres://... .venv/bin/python bench/journey_reports.py

It builds its data in a transaction that is rolled back, so it leaves nothing behind.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from harness import RUNS, measure, report, run_rolled_back

# isort: split
from datetime import timedelta

from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

MEMBERS, STAKEHOLDERS, ROWS, SWOTS, MEETINGS, ACTIONS = 60, 120, 40, 12, 20, 120


def build():
    from alliance_portal.permissions import Role
    from meetings import services as meetings
    from outreach import services as outreach
    from sustainability import services as sustainability
    from tests.factories import (
        AllianceFactory,
        MembershipFactory,
        StakeholderFactory,
        make_action,
        make_meeting,
        make_minutes,
    )
    from tests.journey_support import complete_journey, sign_agreement

    alliance = AllianceFactory(name="Benchmark alliance")
    people = {
        role: MembershipFactory(alliance=alliance, role=role).user
        for role in (Role.CHAIR, Role.SECRETARY, Role.COORDINATOR)
    }
    chair, secretary, coordinator = people.values()
    journey = complete_journey(alliance, chair=chair, secretary=secretary, coordinator=coordinator)
    version = alliance.agreement.versions.get()
    for _ in range(MEMBERS):
        sign_agreement(version, MembershipFactory(alliance=alliance))
    for n in range(STAKEHOLDERS):
        StakeholderFactory(
            alliance=alliance,
            contribution="" if n % 6 == 0 else "Rooms",
            engagement_strategy="Invite",
        )
    today = timezone.localdate()
    for n in range(ROWS):
        entry = outreach.entry_save(
            alliance=alliance, actor=coordinator, audience=f"Group {n}", frequency="quarterly"
        )
        for days in (5, 40, 80):
            outreach.entry_carried_out(
                entry=entry, actor=coordinator, carried_out_on=today - timedelta(days), note="Done"
            )
    for n in range(SWOTS):
        sustainability.swot_save(
            alliance=alliance,
            actor=coordinator,
            title=f"SWOT {n}",
            held_on=today - timedelta(days=30 * n),
            strengths="Trust\nRooms",
            weaknesses="Time",
            opportunities="Funding",
            threats="Turnover",
        )
    for n in range(MEETINGS):
        meeting = make_meeting(
            alliance, secretary, title=f"Plenary {n}", starts_at=timezone.now() - timedelta(n + 2)
        )
        meetings.meeting_mark_held(meeting=meeting, actor=secretary)
        make_minutes(meeting, secretary)
    for n in range(ACTIONS):
        make_action(journey.plan, coordinator, title=f"Action {n}")
    return alliance, coordinator


def _archive_build(alliance, coordinator) -> None:
    from reports.models import ArchiveExport
    from reports.services import archive_build

    export = ArchiveExport.objects.create(
        alliance=alliance, requested_by=coordinator, language="en"
    )
    # The archive and the documents it keeps go to a storage of this run's own.
    with tempfile.TemporaryDirectory() as folder, override_settings(MEDIA_ROOT=Path(folder)):
        started = time.perf_counter()
        export = archive_build(export_id=export.pk)
        seconds = time.perf_counter() - started
    print(
        f"archive build: {export.total} documents, {export.size / 1024:.0f} KiB, "
        f"{seconds:.1f} s ({seconds / export.total * 1000:.0f} ms a document)"
    )


def main() -> None:
    alliance, coordinator = build()
    client = Client()
    client.force_login(coordinator)
    pk = alliance.pk
    period = "?start=2026-01-01&end=2027-12-31"
    pages = {
        "alliance page (journey)": reverse("dashboard:alliance", args=[pk]),
        "communication plan": reverse("outreach:communication", args=[pk]),
        "information page": reverse("outreach:information", args=[pk]),
        "information PDF": reverse("outreach:information_pdf", args=[pk]),
        "SWOT list": reverse("sustainability:swots", args=[pk]),
        "SWOT comparison": reverse("sustainability:swot_compare", args=[pk]),
        "sustainability plans": reverse("sustainability:plans", args=[pk]),
        "archives page": reverse("reports:archives", args=[pk]),
        "coordinator report PDF": reverse("reports:report_pdf", args=[pk]) + period,
    }
    print(
        f"{MEMBERS} members, {STAKEHOLDERS} stakeholders, {ROWS} rows, {SWOTS} SWOTs, "
        f"{MEETINGS} meetings, {ACTIONS} actions; median of {RUNS}"
    )
    for name, url in pages.items():
        report(name, *measure(client, url))
    _archive_build(alliance, coordinator)


if __name__ == "__main__":
    run_rolled_back(main)
