"""Erasing a person takes the alliance's archive exports that could hold them along."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from alliances.models import AuditEntry
from reports import services
from reports.models import ArchiveExport
from reports.tasks import build_archive
from stakeholders import services as stakeholder_services

from ..conftest import client_for
from .conftest import make_export, ready_export, registered_contact
from .test_archive import quick_renders  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_erasing_a_contact_deletes_the_archives_that_could_hold_them_and_says_so(cast, storage_dir):
    built_before = ready_export(cast.alliance, cast.coordinator)
    contact = registered_contact(cast)
    # Built before the person was recorded: they cannot be in it.
    ArchiveExport.objects.filter(pk=built_before.pk).update(
        finished_at=contact.created_at - timedelta(minutes=5)
    )
    holding = [ready_export(cast.alliance, cast.coordinator) for _ in range(2)]
    theirs = ready_export(cast.other_alliance, cast.other_chair)
    waiting = make_export(cast.alliance, cast.coordinator)

    response = client_for(cast.coordinator, reauthenticated=True).post(
        reverse("stakeholders:contact_erase", args=[cast.alliance.pk, contact.pk]),
        {"confirm": "on"},
    )

    assert response.status_code == 302
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert "2 archive exports that contained this person were deleted." in messages
    for export in holding:
        assert not ArchiveExport.objects.filter(pk=export.pk).exists()
        assert not (storage_dir / export.file_name).exists()
    for kept in (built_before, theirs):
        assert ArchiveExport.objects.get(pk=kept.pk).status == ArchiveExport.Status.READY
        assert (storage_dir / kept.file_name).exists()
    # A build that has not started prints the register as it is after the erasure.
    assert ArchiveExport.objects.get(pk=waiting.pk).status == ArchiveExport.Status.QUEUED
    assert AuditEntry.objects.filter(action="archive.deleted", alliance=cast.alliance).count() == 2


def test_an_erasure_with_no_archive_to_delete_says_nothing_of_archives(cast):
    contact = registered_contact(cast)
    response = client_for(cast.coordinator).post(
        reverse("stakeholders:contact_erase", args=[cast.alliance.pk, contact.pk]),
        {"confirm": "on"},
    )
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert not any("archive" in message for message in messages)


def test_a_build_under_way_during_an_erasure_keeps_no_file(
    cast,
    storage_dir,
    quick_renders,  # noqa: F811
):
    contact = registered_contact(cast)
    export = make_export(cast.alliance, cast.coordinator)

    def erase_while_printing(done, total):
        if done == 1:
            stakeholder_services.contact_erase(
                contact=contact, alliance=cast.alliance, actor=cast.coordinator
            )

    quick_renders.append(erase_while_printing)
    build_archive.delay(export.pk).get()

    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.FAILED
    assert export.error == str(services.ERR_BUILD_ERASED)
    assert not (storage_dir / export.file_name).exists()
