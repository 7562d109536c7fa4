"""Final documents printed once, kept in the storage with their SHA-256, and served from there.

The task that keeps a document runs inline here (tests run Celery eagerly) once the service's
transaction commits, which django_capture_on_commit_callbacks plays out.
"""

from __future__ import annotations

import hashlib
import io
import logging
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from agreements import services as agreement_services
from agreements.models import Signature
from alliance_portal.seal import verify_sealed_pdf
from documents.models import StoredDocument
from documents.registry import template_version
from meetings import services as meeting_services
from meetings.models import Minutes

from ..agreements.conftest import FACTS, sign_as
from ..conftest import client_for
from ..factories import make_approved_plan, make_meeting, make_minutes, make_published_agreement
from ..seal_support import portal_seal_in


def _text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def _kept(kind: str, obj, language: str = "en") -> StoredDocument:
    return StoredDocument.objects.get(kind=kind, object_id=obj.pk, language=language)


def _stored_bytes(stored: StoredDocument) -> bytes:
    with default_storage.open(stored.file_name, "rb") as file:
        return file.read()


def _approved_minutes(cast, django_capture_on_commit_callbacks) -> Minutes:
    meeting = make_meeting(cast.alliance, cast.secretary, title="Spring plenary")
    minutes = make_minutes(meeting, cast.secretary)
    meeting_services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.minutes_approve(minutes=minutes, actor=cast.chair)
    return minutes


def _minutes_pdf(user, minutes: Minutes, **headers):
    url = reverse("meetings:minutes_pdf", args=[minutes.meeting.alliance_id, minutes.meeting_id])
    return client_for(user).get(url, **headers)


@pytest.fixture
def printing_refused():
    """Printing the minutes fails: a download that still works came from the storage."""
    with mock.patch("meetings.documents.render_pdf", side_effect=AssertionError("printed")):
        yield


# Minutes ---------------------------------------------------------------------------------------


def test_approved_minutes_are_printed_once_and_kept_with_their_hash(
    cast, django_capture_on_commit_callbacks
):
    minutes = _approved_minutes(cast, django_capture_on_commit_callbacks)

    stored = _kept("minutes", minutes)
    content = _stored_bytes(stored)
    assert content.startswith(b"%PDF-")
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert stored.template_version == template_version("meetings/pdf/minutes.html")
    assert "Spring plenary" in _text(content)


def test_the_download_serves_the_kept_file_without_printing(
    cast, django_capture_on_commit_callbacks
):
    minutes = _approved_minutes(cast, django_capture_on_commit_callbacks)
    kept = _stored_bytes(_kept("minutes", minutes))

    with mock.patch("meetings.documents.render_pdf", side_effect=AssertionError("printed")):
        response = _minutes_pdf(cast.member, minutes)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == kept


def test_a_draft_is_printed_on_request_and_not_kept(cast):
    minutes = make_minutes(make_meeting(cast.alliance, cast.secretary), cast.secretary)

    response = _minutes_pdf(cast.secretary, minutes)

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert not StoredDocument.objects.exists()


def test_before_the_task_has_run_the_first_download_prints_and_keeps(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    minutes = make_minutes(meeting, cast.secretary)
    meeting_services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    meeting_services.minutes_approve(minutes=minutes, actor=cast.chair)  # never committed
    assert not StoredDocument.objects.exists()

    first = _minutes_pdf(cast.member, minutes)
    with mock.patch("meetings.documents.render_pdf", side_effect=AssertionError("printed")):
        second = _minutes_pdf(cast.member, minutes)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content == _stored_bytes(_kept("minutes", minutes))


def test_an_altered_file_is_printed_again_and_logged(
    cast, django_capture_on_commit_callbacks, caplog
):
    minutes = _approved_minutes(cast, django_capture_on_commit_callbacks)
    stored = _kept("minutes", minutes)
    default_storage.delete(stored.file_name)
    default_storage.save(stored.file_name, ContentFile(b"%PDF-1.7 tampered"))

    with caplog.at_level(logging.WARNING, logger="documents.services"):
        response = _minutes_pdf(cast.member, minutes)

    assert response.status_code == 200
    assert b"tampered" not in response.content
    assert "Spring plenary" in _text(response.content)
    assert "does not match its SHA-256" in caplog.text
    again = _kept("minutes", minutes)
    assert again.sha256 == hashlib.sha256(response.content).hexdigest()
    assert _stored_bytes(again) == response.content


def test_a_missing_file_is_printed_again_and_logged(
    cast, django_capture_on_commit_callbacks, caplog
):
    minutes = _approved_minutes(cast, django_capture_on_commit_callbacks)
    default_storage.delete(_kept("minutes", minutes).file_name)

    with caplog.at_level(logging.WARNING, logger="documents.services"):
        response = _minutes_pdf(cast.member, minutes)

    assert response.status_code == 200
    assert "Spring plenary" in _text(response.content)
    assert "could not be read" in caplog.text
    assert default_storage.exists(_kept("minutes", minutes).file_name)


def test_a_storage_that_cannot_save_still_gives_the_download(cast, caplog):
    meeting = make_meeting(cast.alliance, cast.secretary, title="Spring plenary")
    minutes = make_minutes(meeting, cast.secretary)
    meeting_services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    meeting_services.minutes_approve(minutes=minutes, actor=cast.chair)

    with (
        mock.patch.object(default_storage, "save", side_effect=OSError("disk full")),
        caplog.at_level(logging.WARNING, logger="documents.services"),
    ):
        response = _minutes_pdf(cast.member, minutes)

    assert response.status_code == 200
    assert "Spring plenary" in _text(response.content)
    assert "could not be stored" in caplog.text
    assert not StoredDocument.objects.exists()


def test_locking_approved_minutes_keeps_the_locked_print(cast, django_capture_on_commit_callbacks):
    minutes = _approved_minutes(cast, django_capture_on_commit_callbacks)
    approved = _kept("minutes", minutes)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.minutes_lock(minutes=minutes, actor=cast.chair)

    locked = _kept("minutes", minutes)
    assert locked.state.startswith("locked:")
    assert locked.sha256 != approved.sha256
    assert not default_storage.exists(approved.file_name)


def test_each_language_is_kept_apart(cast, django_capture_on_commit_callbacks):
    minutes = _approved_minutes(cast, django_capture_on_commit_callbacks)

    cast.member.preferred_language = "sv"
    cast.member.save(update_fields=["preferred_language"])
    swedish = _minutes_pdf(cast.member, minutes)

    assert swedish.status_code == 200
    assert "Protokoll · möte 1" in _text(swedish.content)
    assert set(StoredDocument.objects.values_list("language", flat=True)) == {"en", "sv"}


# Plan versions ---------------------------------------------------------------------------------


def test_an_approved_plan_version_is_kept_and_served(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        plan = make_approved_plan(cast.alliance, cast.secretary, cast.chair)
    version = plan.versions.get()
    stored = _kept("plan_version", version)

    with mock.patch("actionplans.documents.render_pdf", side_effect=AssertionError("printed")):
        response = client_for(cast.member).get(
            reverse("actionplans:version_pdf", args=[cast.alliance.pk, plan.pk, version.number])
        )

    assert response.status_code == 200
    assert response.content == _stored_bytes(stored)
    assert hashlib.sha256(response.content).hexdigest() == stored.sha256


# Signed agreements ------------------------------------------------------------------------------


@pytest.fixture
def portal_seal(tmp_path):
    with portal_seal_in(tmp_path, password="stored-documents-test"):
        yield


def _signature_pdf(user, signature: Signature):
    url = reverse(
        "agreements:signature_pdf", args=[signature.version.agreement.alliance_id, signature.pk]
    )
    return client_for(user).get(url)


def test_a_signature_is_sealed_once_and_a_withdrawal_seals_it_again(
    cast, portal_seal, django_capture_on_commit_callbacks
):
    version = make_published_agreement(cast.alliance, cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        signature = sign_as(cast, version, cast.member)
    signed = _kept("signature", signature)
    kept = _stored_bytes(signed)
    check = verify_sealed_pdf(kept)
    assert check.is_valid and check.reference == signature.public_id.hex

    with mock.patch("agreements.documents.render_pdf", side_effect=AssertionError("printed")):
        response = _signature_pdf(cast.member, signature)
    assert response.status_code == 200
    assert response.content == kept

    with django_capture_on_commit_callbacks(execute=True):
        agreement_services.signature_withdraw(signature=signature, facts=FACTS, reason="Moved")
    withdrawn = _kept("signature", signature)
    assert withdrawn.sha256 != signed.sha256
    again = _signature_pdf(cast.member, signature)
    assert again.content == _stored_bytes(withdrawn)
    assert "Withdrew the signature" in _text(again.content)
    assert verify_sealed_pdf(again.content).is_valid
