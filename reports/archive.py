"""What goes into an alliance's archive, and writing it: every PDF of the alliance in one ZIP,
with an index (CSV) that lists each file, what it is and its SHA-256.

Documents are listed first, in a few queries, each with the function that gives its bytes; the
build then takes them one by one through the same code as the download pages, so a document
reads the same in the archive as on its page. Final documents (the agendas of past meetings,
approved or locked minutes, approved plan versions, sealed agreements) are the files kept in the
storage (documents.services.document_pdf), not printed again. The mapping, the information
material and the coordinator report show things as they stand: each is kept under a digest of
what it shows and printed again once that has changed.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actionplans.models import ActionPlan, PlanVersion
from actionplans.selectors import version_status
from agreements.models import Signature
from alliance_portal.tabular import neutralise, to_csv
from alliances.models import Alliance
from documents.services import document_pdf
from meetings.models import Meeting, Minutes
from meetings.selectors import local_time
from outreach.documents import kept_information_document
from outreach.models import InformationMaterial
from stakeholders.documents import whole_mapping_document
from stakeholders.selectors import stakeholder_list

from .report import Period

INDEX_NAME = "index.csv"


@dataclass(frozen=True)
class ArchiveDocument:
    folder: str
    kind: str
    title: str
    date: date | None
    status: str
    stem: str
    render: Callable[[], bytes]


def _day(moment: datetime | None, alliance: Alliance) -> date | None:
    if moment is None:
        return None

    return local_time(alliance, moment).date()


def _meeting_documents(alliance: Alliance) -> Iterable[ArchiveDocument]:

    meetings = (
        Meeting.objects.filter(alliance=alliance, agenda_items__isnull=False)
        .distinct()
        .order_by("number")
    )
    for meeting in meetings:
        meeting.alliance = alliance
        yield ArchiveDocument(
            "agendas",
            _("Agenda"),
            str(meeting),
            _day(meeting.starts_at, alliance),
            meeting.get_status_display(),
            f"agenda-{meeting.number:03d}-{meeting.title}",
            lambda meeting=meeting: document_pdf("agenda", meeting),
        )
    minutes_list = Minutes.objects.filter(meeting__alliance=alliance).select_related("meeting")
    for minutes in minutes_list.order_by("meeting__number"):
        minutes.meeting.alliance = alliance
        yield ArchiveDocument(
            "minutes",
            _("Minutes"),
            str(minutes.meeting),
            _day(minutes.meeting.starts_at, alliance),
            minutes.get_status_display(),
            f"minutes-{minutes.meeting.number:03d}-{minutes.meeting.title}",
            lambda minutes=minutes: document_pdf("minutes", minutes),
        )


def _plan_documents(alliance: Alliance) -> Iterable[ArchiveDocument]:

    versions = (
        PlanVersion.objects.filter(plan__alliance=alliance)
        .select_related("plan", "approved_by")
        .order_by("plan__period_start", "plan_id", "number")
    )
    for version in versions:
        plan = version.plan
        plan.alliance = alliance
        status = ActionPlan.Status(version_status(plan, version)).label
        yield ArchiveDocument(
            "action-plans",
            _("Action plan version"),
            _("%(plan)s, version %(number)d") % {"plan": plan.title, "number": version.number},
            _day(version.approved_at or version.submitted_at, alliance),
            str(status),
            f"plan-{plan.pk}-{plan.title}-v{version.number}",
            lambda version=version: document_pdf("plan_version", version),
        )


def _agreement_documents(alliance: Alliance) -> Iterable[ArchiveDocument]:

    signatures = (
        Signature.objects.filter(version__agreement__alliance=alliance, signed_at__isnull=False)
        .select_related("version__agreement", "membership__user")
        .order_by("version__number", "signed_at", "pk")
    )
    for signature in signatures:
        signature.version.agreement.alliance = alliance
        yield ArchiveDocument(
            "agreements",
            _("Signed commitment agreement"),
            _("Version %(number)d, signed by %(name)s")
            % {"number": signature.version.number, "name": signature.typed_name},
            _day(signature.signed_at, alliance),
            signature.get_status_display(),
            f"agreement-v{signature.version.number}-{signature.typed_name}",
            lambda signature=signature: document_pdf("signature", signature),
        )


def _register_documents(alliance: Alliance, *, today: date) -> Iterable[ArchiveDocument]:

    from .documents import kept_report_document

    if alliance.stakeholders.exists():
        yield ArchiveDocument(
            "mapping",
            _("Stakeholder mapping"),
            _("Stakeholder mapping"),
            today,
            "",
            "stakeholder-mapping",
            lambda: whole_mapping_document(
                alliance, stakeholder_list(alliance=alliance, with_contacts=True)
            ),
        )
    if InformationMaterial.objects.filter(alliance=alliance).exists():
        yield ArchiveDocument(
            "information",
            _("Information material for new members"),
            _("Information material for new members"),
            today,
            "",
            "information-for-new-members",
            lambda: kept_information_document(alliance),
        )
    period = Period(alliance.period_start or alliance.created_at.date(), today)
    if period.start > today:
        period = Period(today, today)
    yield ArchiveDocument(
        "reports",
        _("Coordinator report"),
        _("Coordinator report %(start)s to %(end)s")
        % {"start": period.start.isoformat(), "end": period.end.isoformat()},
        today,
        "",
        f"coordinator-report-{period.start.isoformat()}-{period.end.isoformat()}",
        lambda: kept_report_document(alliance, period),
    )


def archive_documents(alliance: Alliance, *, today: date) -> list[ArchiveDocument]:
    """Every PDF of the alliance: agendas, minutes, plan versions, signed agreements, the
    mapping, the information material and a coordinator report of the whole period."""
    return [
        *_meeting_documents(alliance),
        *_plan_documents(alliance),
        *_agreement_documents(alliance),
        *_register_documents(alliance, today=today),
    ]


def _member_name(document: ArchiveDocument, taken: set[str]) -> str:
    """The document's path in the ZIP: its folder and a slug of its name, unique in the file."""
    stem = slugify(document.stem)[:80].strip("-") or "document"
    name = f"{document.folder}/{stem}.pdf"
    number = 2
    while name in taken:
        name = f"{document.folder}/{stem}-{number}.pdf"
        number += 1
    taken.add(name)
    return name


# The index is read by scripts as much as by people: its column names are fixed, in English,
# whatever the language of the person who built the archive (the cells below stay in theirs).
INDEX_COLUMNS = ("File", "Document", "Title", "Date", "Status", "SHA-256", "Bytes")


def write_archive(
    path: Path,
    documents: list[ArchiveDocument],
    *,
    on_progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Prints every document into a ZIP at `path` with its index; returns the file's size.

    `path` is a local working file: the finished ZIP is handed to the storage by the caller,
    so a half-written archive is never offered for download."""
    taken: set[str] = {INDEX_NAME}
    rows = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, document in enumerate(documents, start=1):
            content = document.render()
            name = _member_name(document, taken)
            archive.writestr(name, content)
            rows.append(
                [
                    name,
                    str(document.kind),
                    document.title,
                    document.date.isoformat() if document.date else "",
                    str(document.status),
                    hashlib.sha256(content).hexdigest(),
                    str(len(content)),
                ]
            )
            on_progress(done)
        # Titles are typed by people: a spreadsheet must not run one as a formula.
        cells = [[neutralise(cell) for cell in row] for row in rows]
        archive.writestr(INDEX_NAME, to_csv(list(INDEX_COLUMNS), cells))
    return path.stat().st_size


def archive_file_name(alliance: Alliance) -> str:
    """The name the download is saved under."""
    stamp = timezone.localdate().isoformat()
    return f"{slugify(alliance.name) or 'alliance'}-archive-{stamp}.zip"
