"""Alliances with something to report, a storage and working folder of each test's own, and the
portal's seal in a temporary directory too (signed agreements are sealed when they are
printed)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from alliance_portal.permissions import Role
from alliances.models import Alliance, User
from meetings import services as meeting_services
from meetings.models import Meeting, Participant
from outreach import services as outreach_services
from outreach.models import Frequency
from reports.models import STORAGE_FOLDER, ArchiveExport
from reports.services import work_dir
from stakeholders import services as stakeholder_services
from sustainability import services as evaluation_services

from ..factories import (
    AllianceFactory,
    MembershipFactory,
    OrganisationFactory,
    StakeholderFactory,
    make_approved_plan,
    make_held_meeting,
    make_published_agreement,
    sign_agreement,
)
from ..seal_support import portal_seal_in


@pytest.fixture(scope="package", autouse=True)
def portal_seal(tmp_path_factory):
    """The portal's certificate in a temporary directory, and no timestamp authority."""
    seal_dir = tmp_path_factory.mktemp("reports-seal")
    with portal_seal_in(seal_dir, password="reports-test-password"):
        yield


@pytest.fixture(autouse=True)
def storage_dir(settings, tmp_path):
    """The default storage, where finished exports are kept, and VAR_DIR, where a worker writes
    its working files: directories of the test's own. Returns the storage's."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.MEDIA_ROOT)},
        },
    }
    return settings.MEDIA_ROOT


def registered_contact(cast):
    """A contact person in the alliance's register, recorded now (as erasure tests need)."""
    stakeholder = StakeholderFactory(alliance=cast.alliance)
    return stakeholder_services.contact_create(
        organisation=stakeholder.organisation,
        alliance=cast.alliance,
        actor=cast.coordinator,
        name="Kim Lund",
        email="kim.lund@example.org",
    )


def stored_files(storage_dir) -> list[str]:
    """The names of the exports kept in the storage, as the storage names them."""
    folder = storage_dir / STORAGE_FOLDER
    if not folder.exists():
        return []
    return sorted(f"{STORAGE_FOLDER}/{path.name}" for path in folder.iterdir())


def working_files() -> list[Path]:
    """What workers left in their working folder under VAR_DIR."""
    folder = work_dir()
    return sorted(folder.iterdir()) if folder.exists() else []


# Reading documents back ------------------------------------------------------------------------


def pdf_pages(content: bytes) -> list[str]:
    """Each page's words; table cells wrap, so words are compared, not lines."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))


def zip_of(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


# Building alliances ----------------------------------------------------------------------------


def held_meeting(alliance: Alliance, *, secretary: User, chair: User, title: str, days_ago: int):
    """A meeting held `days_ago` days ago with everyone but its last invitee present, and
    approved minutes recording one decided action."""
    starts_at = timezone.now() - timedelta(days=days_ago)
    meeting = make_held_meeting(
        alliance,
        secretary,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
    )
    people = list(meeting.participants.order_by("pk"))
    attendance = {person.pk: Participant.Attendance.PRESENT for person in people[:-1]}
    attendance[people[-1].pk] = Participant.Attendance.ABSENT
    meeting_services.attendance_record(meeting=meeting, actor=secretary, attendance=attendance)
    minutes = meeting_services.minutes_start(meeting=meeting, actor=secretary)
    meeting_services.decided_action_add(
        item=minutes.items.get(kind="updates"),
        actor=secretary,
        title=f"Follow up {title}",
        due_date=timezone.localdate() + timedelta(days=30),
    )
    meeting_services.minutes_circulate(minutes=minutes, actor=secretary)
    meeting_services.minutes_approve(minutes=minutes, actor=chair)
    return Meeting.objects.get(pk=meeting.pk)


def furnish(alliance: Alliance, *, chair: User, secretary: User, coordinator: User, size: int):
    """Gives the alliance `size` of each thing the report lists: members representing registered
    organisations, stakeholders, held meetings with a decided action, planned actions,
    communication rows carried out, and signatures on the published agreement."""
    for _ in range(size):
        organisation = OrganisationFactory()
        StakeholderFactory(alliance=alliance, organisation=organisation)
        MembershipFactory(alliance=alliance, role=Role.MEMBER, organisation=organisation)
    for number in range(size):
        held_meeting(
            alliance,
            secretary=secretary,
            chair=chair,
            title=f"Plenary {number + 1}",
            days_ago=10 + number,
        )
    make_approved_plan(
        alliance, coordinator, chair, actions=size, action_title="Planned action {number}"
    )
    version = make_published_agreement(alliance, coordinator)
    for signature in version.signatures.select_related("membership__user")[:size]:
        sign_agreement(version, signature.membership)
    for number in range(size):
        entry = outreach_services.entry_save(
            alliance=alliance,
            actor=coordinator,
            audience=f"Audience {number + 1}",
            purpose="Know the alliance.",
            message="What the alliance does.",
            delivery="Newsletter.",
            frequency=Frequency.MONTHLY,
            timing="",
        )
        outreach_services.entry_carried_out(
            entry=entry,
            actor=coordinator,
            carried_out_on=timezone.localdate() - timedelta(days=3),
            note="Sent.",
        )
    evaluation_services.swot_save(
        alliance=alliance,
        actor=coordinator,
        held_on=timezone.localdate() - timedelta(days=5),
        title="Spring review",
        strengths="Committed members",
        weaknesses="Few businesses",
        opportunities="Regional funding",
        threats="Short project funding",
    )


def make_export(alliance: Alliance, actor: User, **fields) -> ArchiveExport:
    """An export row in the given state, without building anything."""
    values = {"language": "en", **fields}
    return ArchiveExport.objects.create(alliance=alliance, requested_by=actor, **values)


def ready_export(alliance: Alliance, actor: User, *, content: bytes = b"", **fields):
    """A ready export whose file (a ZIP holding only an index, unless `content` is given) is in
    the storage."""
    export = make_export(alliance, actor, **{**fields, "status": ArchiveExport.Status.QUEUED})
    export.start(total=1)
    export.finish(size=0)
    for name, value in fields.items():
        setattr(export, name, value)
    if not content:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("index.csv", "File\n")
        content = buffer.getvalue()
    export.file_name = default_storage.save(export.file_name, ContentFile(content))
    export.size = len(content)
    export.save()
    return export


def alliance_of_size(size: int) -> Alliance:
    """A new alliance with a chair, a secretary, a coordinator and `size` of everything the
    report lists."""
    alliance = AllianceFactory()
    people = {
        role: MembershipFactory(alliance=alliance, role=role).user
        for role in (Role.CHAIR, Role.SECRETARY, Role.COORDINATOR)
    }
    furnish(
        alliance,
        chair=people[Role.CHAIR],
        secretary=people[Role.SECRETARY],
        coordinator=people[Role.COORDINATOR],
        size=size,
    )
    return alliance
