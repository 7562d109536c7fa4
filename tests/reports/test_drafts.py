"""Large drafts prepared in the background: the mapping, a draft plan and the coordinator report
each offer it past their threshold, the page's real form asks for it, a worker prints it, and
whoever may read the document follows its progress and downloads it; small drafts stay
immediate, and bad or hostile input is refused clearly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from actionplans import services as plan_services
from alliances.models import AuditEntry
from reports import services
from reports.drafts import ERR_PLAN_GONE
from reports.forms import ERR_PERIOD_ORDER, ERR_QUERY_LONG, ERR_UNKNOWN_KIND, MAX_QUERY_LENGTH
from reports.models import ArchiveExport
from reports.services import ERR_DRAFT_NOT_QUEUED
from stakeholders.models import Category

from ..celery_support import REFUSED_REDIS_URL, broker_at
from ..conftest import client_for
from ..demo_support import parse_page
from ..factories import OrganisationFactory, StakeholderFactory, make_action, make_plan
from .conftest import make_export, pdf_text, ready_export, registered_contact, stored_files

EXPORT_FORM_FIELDS = {"csrfmiddlewaretoken", "kind", "plan", "start", "end", "query"}


def create_url(alliance) -> str:
    return reverse("reports:export_create", args=[alliance.pk])


def export_url(export) -> str:
    return reverse("reports:export", args=[export.alliance_id, export.pk])


def download_url(export) -> str:
    return reverse("reports:archive_download", args=[export.alliance_id, export.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def background_form(response) -> dict:
    """The fields of the page's "prepare in the background" form, which posts to the reports
    app; fails unless the page has exactly one."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    forms, _links = parse_page(response.wsgi_request.get_full_path(), response.content.decode())
    posting = [form for form in forms if form.action == create_url(response.context["alliance"])]
    assert len(posting) == 1, [form.action for form in forms]
    form = posting[0]
    assert form.method == "POST" and form.submittable
    data = form.data()
    assert set(data) <= EXPORT_FORM_FIELDS
    return data


def ask_in_the_background(user, response, capture):
    """Submits the page's form as the browser would; the worker's task runs (inline) once the
    request's transaction commits. Returns the answer and the export it made."""
    with capture(execute=True):
        answer = client_for(user).post(
            create_url(response.context["alliance"]), background_form(response)
        )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    export = ArchiveExport.objects.exclude(kind=ArchiveExport.Kind.ARCHIVE).latest("pk")
    assert answer["Location"] == export_url(export)
    export.refresh_from_db()
    return answer, export


def downloaded(user, export) -> tuple[object, bytes]:
    response = client_for(user).get(download_url(export))
    assert response.status_code == 200, response.content[:2000]
    return response, b"".join(response.streaming_content)


def mapped(cast, name: str, **organisation):
    return StakeholderFactory(
        alliance=cast.alliance, organisation=OrganisationFactory(name=name, **organisation)
    )


def plan_of(cast, actions: int):
    plan = make_plan(cast.alliance, cast.coordinator, title="Regional plan for newcomers")
    for number in range(actions):
        make_action(plan, cast.coordinator, title=f"Action {number + 1} of the plan")
    return plan


# The stakeholder mapping -----------------------------------------------------------------------


def test_a_large_filtered_mapping_is_prepared_in_the_background_as_it_was_filtered(
    cast, settings, storage_dir, django_capture_on_commit_callbacks
):
    settings.BACKGROUND_MAPPING_ORGANISATIONS = 1
    for name in ("Alpha Mosque", "Bethel Church"):
        mapped(cast, name, category=Category.FAITH)
    mapped(cast, "Gamma School", category=Category.EDUCATION)
    url = reverse("stakeholders:mapping_pdf", args=[cast.alliance.pk])

    page = client_for(cast.secretary).get(url, {"category": "faith", "sort": "-name"})

    text = page.content.decode()
    assert "The mapping lists 2 organisations." in text
    assert "It is printed as the list is filtered and sorted now." in text
    assert background_form(page) == {
        "csrfmiddlewaretoken": background_form(page)["csrfmiddlewaretoken"],
        "kind": "mapping",
        "query": "category=faith&sort=-name",
    }
    assert not ArchiveExport.objects.exists()  # only the button asks for it

    answer, export = ask_in_the_background(cast.secretary, page, django_capture_on_commit_callbacks)

    assert messages_of(answer) == [
        "The document is being prepared. This page shows its progress; you can leave it and "
        "come back."
    ]
    assert (export.kind, export.query, export.requested_by) == (
        "mapping",
        "category=faith&sort=-name",
        cast.secretary,
    )
    assert (export.status, export.total, export.done) == ("ready", 1, 1)
    assert stored_files(storage_dir) == [export.file_name]
    assert export.file_name.endswith(".pdf")
    response, content = downloaded(cast.secretary, export)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{cast.alliance.name.lower().replace(" ", "-")}'
        '-stakeholder-mapping.pdf"'
    )
    text = pdf_text(content)
    assert text.index("Bethel Church") < text.index("Alpha Mosque")  # sorted by name, Z to A
    assert "Gamma School" not in text
    assert "filtered selection" in text
    assert export.size == len(content)


def test_a_mapping_at_the_threshold_is_printed_at_once(cast, settings):
    settings.BACKGROUND_MAPPING_ORGANISATIONS = 2
    mapped(cast, "Alpha Mosque")
    mapped(cast, "Bethel Church")

    response = client_for(cast.coordinator).get(
        reverse("stakeholders:mapping_pdf", args=[cast.alliance.pk])
    )

    assert response["Content-Type"] == "application/pdf"
    assert "Bethel Church" in pdf_text(response.content)
    assert not ArchiveExport.objects.exists()


# The draft action plan -------------------------------------------------------------------------


def test_a_large_draft_plan_is_prepared_in_the_background_for_a_member(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.BACKGROUND_PLAN_ACTIONS = 1
    plan = plan_of(cast, actions=2)

    page = client_for(cast.member).get(
        reverse("actionplans:plan_pdf", args=[cast.alliance.pk, plan.pk])
    )

    assert "The draft plan has 2 actions." in page.content.decode()
    assert background_form(page)["plan"] == str(plan.pk)
    _answer, export = ask_in_the_background(cast.member, page, django_capture_on_commit_callbacks)

    assert (export.kind, export.plan, export.status) == ("plan", plan, "ready")
    response, content = downloaded(cast.member, export)
    assert response["Content-Disposition"] == (
        'attachment; filename="regional-plan-for-newcomers-v1.pdf"'
    )
    text = pdf_text(content)
    assert "Action 2 of the plan" in text and "DRAFT" in text
    # The progress page names the plan and leads back to it.
    detail = client_for(cast.member).get(export_url(export)).content.decode()
    assert "Action plan: Regional plan for newcomers" in detail
    assert reverse("actionplans:plan", args=[cast.alliance.pk, plan.pk]) in detail
    assert f'href="{download_url(export)}"' in detail


def test_a_plan_at_the_threshold_is_printed_at_once(cast, settings):
    settings.BACKGROUND_PLAN_ACTIONS = 2
    plan = plan_of(cast, actions=2)

    response = client_for(cast.member).get(
        reverse("actionplans:plan_pdf", args=[cast.alliance.pk, plan.pk])
    )

    assert response["Content-Type"] == "application/pdf"


def test_a_plan_deleted_before_it_is_printed_fails_with_a_clear_error(cast):
    plan = plan_of(cast, actions=1)
    export = services.draft_request(
        alliance=cast.alliance, actor=cast.coordinator, language="en", kind="plan", plan=plan
    )
    plan_services.plan_delete(plan=plan, actor=cast.coordinator)

    assert services.archive_build(export_id=export.pk) is None

    export.refresh_from_db()
    assert (export.status, export.error) == ("failed", str(ERR_PLAN_GONE))
    page = client_for(cast.coordinator).get(export_url(export)).content.decode()
    assert escape(str(ERR_PLAN_GONE)) in page
    assert "Action plan (deleted)" in page


# The coordinator report ------------------------------------------------------------------------


def test_a_long_report_is_prepared_in_the_background_and_its_download_recorded(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.BACKGROUND_REPORT_ROWS = 1
    plan_of(cast, actions=2)
    period = {"start": "2026-01-01", "end": "2026-12-31"}

    page = client_for(cast.coordinator).get(
        reverse("reports:report_pdf", args=[cast.alliance.pk]), period
    )

    assert "prints 2 rows of meetings, decisions, actions and communication" in (
        page.content.decode()
    )
    assert {key: background_form(page)[key] for key in ("kind", "start", "end")} == {
        "kind": "report",
        **period,
    }
    assert not AuditEntry.objects.filter(action="report.exported").exists()
    _answer, export = ask_in_the_background(
        cast.coordinator, page, django_capture_on_commit_callbacks
    )

    assert (export.kind, export.period_start, export.period_end, export.status) == (
        "report",
        date(2026, 1, 1),
        date(2026, 12, 31),
        "ready",
    )
    response, content = downloaded(cast.chair, export)
    slug = cast.alliance.name.lower().replace(" ", "-")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{slug}-report-2026-01-01-2026-12-31.pdf"'
    )
    assert "Coordinator report" in pdf_text(content)
    entry = AuditEntry.objects.get(action="report.exported")
    assert (entry.actor, entry.changes) == (cast.chair, {"period": "2026-01-01/2026-12-31"})


def test_a_short_report_is_printed_at_once(cast, settings):
    settings.BACKGROUND_REPORT_ROWS = 2
    plan_of(cast, actions=2)

    response = client_for(cast.coordinator).get(
        reverse("reports:report_pdf", args=[cast.alliance.pk]),
        {"start": "2026-01-01", "end": "2026-12-31"},
    )

    assert response["Content-Type"] == "application/pdf"
    assert not ArchiveExport.objects.exists()


# Asking ----------------------------------------------------------------------------------------


def test_the_same_draft_asked_for_again_while_it_is_printed_is_the_same_export(cast):
    client = client_for(cast.secretary)
    data = {"kind": "mapping", "query": "category=faith"}

    first = client.post(create_url(cast.alliance), data)
    second = client.post(create_url(cast.alliance), data)
    other = client.post(create_url(cast.alliance), {"kind": "mapping"})

    exports = list(ArchiveExport.objects.order_by("pk"))
    assert len(exports) == 2
    assert first["Location"] == second["Location"] == export_url(exports[0])
    assert other["Location"] == export_url(exports[1])


def test_a_draft_the_queue_cannot_take_says_so_on_its_page(
    cast, django_capture_on_commit_callbacks
):
    client = client_for(cast.coordinator)
    with broker_at(REFUSED_REDIS_URL), django_capture_on_commit_callbacks(execute=True):
        response = client.post(create_url(cast.alliance), {"kind": "mapping"})

    export = ArchiveExport.objects.get()
    assert (export.status, export.error) == ("failed", str(ERR_DRAFT_NOT_QUEUED))
    assert response["Location"] == export_url(export)
    page = client.get(export_url(export)).content.decode()
    assert f'<span class="text-danger" role="alert">{escape(str(ERR_DRAFT_NOT_QUEUED))}' in page
    assert "hx-trigger" not in page
    # The failed request does not stand in the way of asking again.
    client.post(create_url(cast.alliance), {"kind": "mapping"})
    assert ArchiveExport.objects.filter(status=ArchiveExport.Status.QUEUED).count() == 1


def test_asking_needs_a_post(cast):
    response = client_for(cast.coordinator).get(create_url(cast.alliance), {"kind": "mapping"})

    assert response.status_code == 405
    assert not ArchiveExport.objects.exists()


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"kind": "poster"}, ERR_UNKNOWN_KIND),
        ({}, "This field is required."),
        # The archive has its own button and its own rule (one at a time).
        ({"kind": "archive"}, ERR_UNKNOWN_KIND),
        ({"kind": "report", "start": "2026-12-31", "end": "2026-01-01"}, ERR_PERIOD_ORDER),
        ({"kind": "report", "start": "yesterday", "end": "2026-01-01"}, "Enter a valid date."),
        ({"kind": "report", "start": "0001-01-01", "end": "9999-12-31"}, "Ensure this value"),
        ({"kind": "report"}, "This field is required."),
        ({"kind": "mapping", "query": "q=" + "x" * MAX_QUERY_LENGTH}, ERR_QUERY_LONG),
    ],
)
def test_nonsense_is_refused_with_a_clear_error(cast, data, shown):
    response = client_for(cast.coordinator).post(create_url(cast.alliance), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert escape(str(shown)) in page
    assert 'role="alert"' in page
    assert not ArchiveExport.objects.exists()


@pytest.mark.parametrize("plan_id", ["other", "99999999999999999999999", "not-a-number", ""])
def test_a_plan_not_of_the_alliance_is_not_found(cast, plan_id):
    other = make_plan(cast.other_alliance, cast.other_chair)
    plan = {"other": str(other.pk)}.get(plan_id, plan_id)

    response = client_for(cast.coordinator).post(
        create_url(cast.alliance), {"kind": "plan", "plan": plan}
    )

    assert response.status_code == 404
    assert not ArchiveExport.objects.exists()


@pytest.mark.parametrize(
    ("role", "kind", "status"),
    [
        ("member", "mapping", 403),  # contact people's details are not theirs to read
        ("member", "report", 403),
        ("secretary", "report", 403),
        ("observer", "plan", 302),
        ("secretary", "mapping", 302),
        ("outsider", "plan", 404),
        ("other_chair", "mapping", 404),
    ],
)
def test_who_may_ask_is_who_may_read_the_document(cast, role, kind, status):
    data = {"kind": kind, "plan": plan_of(cast, actions=1).pk}
    data |= {"start": "2026-01-01", "end": "2026-06-30"}

    response = client_for(cast.user(role)).post(create_url(cast.alliance), data)

    assert response.status_code == status
    assert ArchiveExport.objects.exists() == (status == 302)


# Following and downloading ---------------------------------------------------------------------


def drafts_of_every_kind(cast) -> dict[str, ArchiveExport]:
    plan = plan_of(cast, actions=1)
    period = {"period_start": date(2026, 1, 1), "period_end": date(2026, 6, 30)}
    return {
        "mapping": ready_export(cast.alliance, cast.coordinator, kind="mapping", content=b"%PDF-m"),
        "plan": ready_export(
            cast.alliance, cast.coordinator, kind="plan", plan=plan, content=b"%PDF-p"
        ),
        "report": ready_export(
            cast.alliance, cast.coordinator, kind="report", content=b"%PDF-r", **period
        ),
        "archive": ready_export(cast.alliance, cast.coordinator),
    }


@pytest.mark.parametrize(
    ("role", "readable"),
    [
        ("chair", {"mapping", "plan", "report", "archive"}),
        ("secretary", {"mapping", "plan"}),
        ("member", {"plan"}),
        ("observer", {"plan"}),
    ],
)
def test_each_person_follows_and_downloads_only_the_drafts_they_may_read(cast, role, readable):
    exports = drafts_of_every_kind(cast)
    client = client_for(cast.user(role))

    listing = client.get(reverse("reports:exports", args=[cast.alliance.pk]))

    assert listing.status_code == 200
    listed = {export.kind for export in listing.context["exports"]}
    assert listed == readable - {"archive"}  # archives have their own page
    for kind, export in exports.items():
        expected = 200 if kind in readable else 403
        for url in (export_url(export), download_url(export)):
            response = client.get(url)
            assert response.status_code == expected, (kind, url)
            if response.streaming:
                assert b"".join(response.streaming_content).startswith(
                    b"%PDF-" if kind != "archive" else b"PK"
                )
        status = client.get(reverse("reports:archive_status", args=[cast.alliance.pk, export.pk]))
        assert status.status_code == expected


@pytest.mark.parametrize(
    "name", ["reports:export", "reports:archive_status", "reports:archive_download"]
)
def test_another_alliances_draft_is_not_found(cast, name):
    theirs = ready_export(cast.other_alliance, cast.other_chair, kind="mapping", content=b"%PDF-")

    response = client_for(cast.chair).get(reverse(name, args=[cast.alliance.pk, theirs.pk]))

    assert response.status_code == 404


def test_the_progress_page_keeps_asking_while_the_draft_is_printed(cast, settings):
    settings.ARCHIVE_POLL_SECONDS = 5
    export = make_export(cast.alliance, cast.secretary, kind="mapping", query="q=mosque")
    export.start(total=1)
    export.save()

    page = client_for(cast.secretary).get(export_url(export)).content.decode()

    assert "Stakeholder mapping (filtered list)" in page
    assert "The document is being printed…" in page
    assert 'hx-trigger="every 5s"' in page
    assert reverse("reports:archive_status", args=[cast.alliance.pk, export.pk]) in page
    assert f"{reverse('stakeholders:list', args=[cast.alliance.pk])}?q=mosque" in page
    assert "Download the PDF" not in page


def test_a_draft_not_ready_sends_back_to_its_page(cast):
    export = make_export(cast.alliance, cast.secretary, kind="mapping")

    response = client_for(cast.secretary).get(download_url(export))

    assert response.status_code == 302
    assert response["Location"] == export_url(export)
    assert messages_of(response) == ["This document is not ready yet."]


def test_an_expired_draft_answers_410(cast, storage_dir):
    export = ready_export(
        cast.alliance,
        cast.secretary,
        kind="mapping",
        content=b"%PDF-",
        expires_at=timezone.now() - timedelta(minutes=1),
    )

    response = client_for(cast.secretary).get(download_url(export))

    assert response.status_code == 410
    assert "This document has expired" in response.content.decode()


def test_a_list_without_drafts_says_so(cast):
    page = client_for(cast.member).get(reverse("reports:exports", args=[cast.alliance.pk]))

    assert "No large document has been prepared yet." in page.content.decode()


# Erasure ---------------------------------------------------------------------------------------


def test_erasing_a_contact_deletes_the_mappings_that_could_hold_them_but_not_the_plans(
    cast, storage_dir
):
    from stakeholders import services as stakeholder_services

    contact = registered_contact(cast)
    exports = drafts_of_every_kind(cast)

    stakeholder_services.contact_erase(
        contact=contact, alliance=cast.alliance, actor=cast.coordinator
    )

    assert set(ArchiveExport.objects.values_list("kind", flat=True)) == {"plan", "report"}
    assert stored_files(storage_dir) == sorted(
        exports[kind].file_name for kind in ("plan", "report")
    )
