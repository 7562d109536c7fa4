"""The plan PDF: the guide's action table, read back as text; DRAFT marks, sign-off and access."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pdfplumber
import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from pypdf import PdfReader

from actionplans import selectors, services
from actionplans.models import ActionPlan
from meetings.selectors import local_time

from ..conftest import client_for
from ..factories import (
    OrganisationFactory,
    StakeholderFactory,
    approve_plan,
    make_action,
    make_goal,
    make_plan,
    make_submitted_plan,
)

GUIDE_COLUMNS = (
    "No.",
    "Action to carry out",
    "Local problem to solve",
    "Description",
    "Estimated budget",
    "Possible resources or grants",
    "Responsible authority or partner",
    "Timeline",
    "Obstacles and the plan to overcome them",
    "Collaborators",
    "Goals",
    "Gaps",
)
GOAL_COLUMNS = ("What", "Target", "Current value", "Why it matters", "By when")
LONG_DESCRIPTION = "Mediators visit the reception centres and the language cafés each week. " * 12


def pdf_pages(content: bytes) -> list[str]:
    """Each page's words; table cells wrap, so words are compared, not lines."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))


def plan_pdf(user, plan: ActionPlan, *, alliance_id: int | None = None):
    url = reverse("actionplans:plan_pdf", args=[alliance_id or plan.alliance_id, plan.pk])
    return client_for(user).get(url)


def version_pdf(user, plan: ActionPlan, number: int):
    url = reverse("actionplans:version_pdf", args=[plan.alliance_id, plan.pk, number])
    return client_for(user).get(url)


def full_plan(cast) -> ActionPlan:
    """A plan with one goal and one action whose every column of the guide is filled in."""
    organisation = OrganisationFactory(name="Växjö Folk High School")
    StakeholderFactory(alliance=cast.alliance, organisation=organisation)
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator)
    make_action(
        plan,
        cast.coordinator,
        goals=[goal],
        description="Twelve evenings of training with a certificate at the end.",
        resources="Regional development grant; rooms from the library",
        responsible_organisation=organisation,
        obstacles="Volunteers work daytime jobs",
        obstacle_plan="Hold the sessions in the evening",
        collaborators="Social services, the library",
    )
    make_action(
        plan,
        cast.coordinator,
        title="Open a language café",
        local_problem="Few places to practise Swedish",
        budget_amount=Decimal("8500.50"),
        budget_currency="EUR",
        responsible_member=cast.membership(cast.member),
        start_date=None,
        due_date=None,
    )
    return plan


# The document -----------------------------------------------------------------------------------


def test_plan_pdf_is_landscape_with_the_guides_columns_and_every_facet(cast):
    plan = full_plan(cast)

    response = plan_pdf(cast.member, plan)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="regional-action-plan-2027-2028-v1.pdf"' in response["Content-Disposition"]
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert box.width > box.height  # landscape
    text = pdf_text(response.content)
    for heading in (*GUIDE_COLUMNS, *GOAL_COLUMNS):
        assert heading in text
    for fact in (
        "Kronoberg Alliance",
        "Regional action plan 2027-2028",
        "Everyone knows where to turn.",
        "Train community mediators",
        "Newly arrived families do not know where to turn.",
        "Twelve evenings of training with a certificate at the end.",
        "SEK 125,000",
        "€8,500.50",
        "Regional development grant; rooms from the library",
        "Växjö Folk High School",
        str(cast.member),
        "Volunteers work daytime jobs",
        "Hold the sessions in the evening",
        "Social services, the library",
        "Open a language café",
        "Few places to practise Swedish",
        "Not applicable",
        "60 mediators",
        "12 mediators",
        "Families reach services through people they trust.",
    ):
        assert fact in text, fact
    period = f"{date_format(date(2027, 1, 1), 'DATE_FORMAT')}"
    assert period in text
    assert date_format(date(2027, 2, 1), "DATE_FORMAT") in text
    assert date_format(date(2027, 11, 30), "DATE_FORMAT") in text


def test_a_plan_without_goals_or_actions_says_so(cast):
    plan = make_plan(cast.alliance, cast.coordinator)

    text = pdf_text(plan_pdf(cast.member, plan).content)

    assert "No goals yet." in text
    assert "No actions yet." in text
    assert "not signed off" in text


def test_a_draft_is_marked_draft_on_every_page(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    for number in range(1, 26):
        make_action(
            plan, cast.coordinator, title=f"Outreach round {number}", description=LONG_DESCRIPTION
        )

    pages = pdf_pages(plan_pdf(cast.member, plan).content)

    assert len(pages) >= 3
    assert all("DRAFT: not approved" in page for page in pages)
    assert "Outreach round 25" in pages[-1]
    text = " ".join(pages)
    assert "Approved by" not in text
    assert "SHA-256" not in text


def test_a_submitted_plan_is_a_draft_that_waits_for_sign_off(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    version = plan.versions.get()

    plan_text = pdf_text(plan_pdf(cast.member, plan).content)
    version_text = pdf_text(version_pdf(cast.member, plan, 1).content)

    for text in (plan_text, version_text):
        assert "DRAFT: submitted for sign-off, not approved" in text
        assert "Submitted for sign-off" in text
        assert "Approved by" not in text
    # The version waiting for sign-off shows the hash the chair will be asked to sign.
    assert version.sha256 in version_text
    assert f"Submitted for sign-off by {cast.coordinator} on" in version_text


def test_a_returned_plan_is_a_draft_returned_with_comments(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    version = plan.versions.get()
    services.plan_return(
        plan=plan, actor=cast.chair, shown_sha256=version.sha256, comments="Add a budget."
    )

    for response in (plan_pdf(cast.member, plan), version_pdf(cast.member, plan, 1)):
        text = pdf_text(response.content)
        assert "DRAFT: returned with comments, not approved" in text
        assert "Approved by" not in text


def test_an_approved_version_shows_approver_version_and_full_hash_and_no_draft(cast):
    cast.alliance.timezone = "Europe/Helsinki"
    cast.alliance.save(update_fields=["timezone"])
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    version = approve_plan(plan, cast.chair)
    approved_at = local_time(cast.alliance, version.approved_at)

    version_text = pdf_text(version_pdf(cast.observer, plan, 1).content)
    plan_text = pdf_text(plan_pdf(cast.observer, plan).content)

    assert len(version.sha256) == 64
    assert version.sha256 in version_text
    assert (
        f"Approved by {cast.chair} on {date_format(approved_at, 'DATE_FORMAT')} "
        f"at {approved_at:%H:%M} (Europe/Helsinki), version 1."
    ) in version_text
    assert "DRAFT" not in version_text
    assert "not signed off" not in version_text
    # The approved plan's PDF is its approved version.
    assert plan_text == version_text


def test_an_approved_version_reads_the_same_after_the_plan_is_edited(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    version = approve_plan(plan, cast.chair)
    before = pdf_text(version_pdf(cast.member, plan, 1).content)
    action = plan.actions.get(number=1)

    services.action_update(
        action=action,
        actor=cast.coordinator,
        fields={"title": "Train mediators in every municipality", "description": "New text"},
    )
    cast.alliance.vision = "A changed vision."
    cast.alliance.save(update_fields=["vision"])
    plan.refresh_from_db()

    assert plan.version == 2
    assert pdf_text(version_pdf(cast.member, plan, 1).content) == before
    assert "Action 1" in before and version.sha256 in before
    draft = pdf_text(plan_pdf(cast.member, plan).content)
    assert "DRAFT: not approved" in draft
    assert "Train mediators in every municipality" in draft
    assert "A changed vision." in draft
    assert version.sha256 not in draft
    assert "Version 2 is not signed off" in draft


def test_script_in_an_action_title_is_printed_as_text(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    make_action(
        plan,
        cast.coordinator,
        title="<script>alert('x')</script> Night school",
        description="<b>Bold</b> claims",
    )

    html = render_to_string(
        "actionplans/pdf/plan.html",
        {"content": selectors.plan_content(plan), "number": 1, "status": "draft"},
    )
    text = pdf_text(plan_pdf(cast.member, plan).content)

    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Night school" in html
    # The narrow column may wrap the typed words anywhere, so spaces are not compared.
    assert "<script>alert('x')</script>Nightschool" in text.replace(" ", "")
    assert "<b>Bold</b>claims" in text.replace(" ", "")


# Who may fetch it -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["observer", "member", "coordinator", "chair"])
def test_everyone_in_the_alliance_can_download_the_plan(cast, role):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    user = getattr(cast, role)

    assert plan_pdf(user, plan).status_code == 200
    assert version_pdf(user, plan, 1).status_code == 200


@pytest.mark.parametrize("role", ["outsider", "other_chair"])
def test_people_outside_the_alliance_get_404(cast, role):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    user = getattr(cast, role)

    assert plan_pdf(user, plan).status_code == 404
    assert version_pdf(user, plan, 1).status_code == 404


def test_a_plan_id_under_another_alliance_gets_404(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)

    # The other chair asks for this plan under their own alliance's address.
    response = plan_pdf(cast.other_chair, plan, alliance_id=cast.other_alliance.pk)

    assert response.status_code == 404


def test_a_version_that_does_not_exist_gets_404(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    draft = make_plan(cast.alliance, cast.coordinator, title="Never submitted")

    assert version_pdf(cast.member, plan, 2).status_code == 404
    assert version_pdf(cast.member, draft, 1).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(cast):
    plan = make_plan(cast.alliance, cast.coordinator)

    response = plan_pdf(None, plan)

    assert response.status_code == 302
    assert "/login" in response["Location"]


# Layout in both languages -----------------------------------------------------------------------

# Words longer than the narrow columns are wide; a word broken to fit is broken with a hyphen.
LONG_WORDS = ("municipalities", "employment", "responsibilities", "arbetsförmedlingen")


def long_word_plan(cast) -> ActionPlan:
    organisation = OrganisationFactory(
        name="Kronoberg association of municipalities for employment"
    )
    StakeholderFactory(alliance=cast.alliance, organisation=organisation)
    plan = make_plan(cast.alliance, cast.coordinator)
    goal = make_goal(plan, cast.coordinator, unit="municipalities")
    make_action(
        plan,
        cast.coordinator,
        goals=[goal],
        title="Coordinate employment support across municipalities",
        local_problem="Responsibilities for employment are split between municipalities",
        resources="Arbetsförmedlingen and the municipalities' employment units",
        responsible_organisation=organisation,
        obstacles="Employment services and municipalities plan separately",
        obstacle_plan="Shared responsibilities in writing",
        collaborators="Arbetsförmedlingen, municipalities, employment services",
    )
    return plan


def actions_table_header(page):
    """The cells of the action table's heading row, and the words printed in that row."""
    table = next(t for t in page.find_tables() if len(t.rows[0].cells) == len(GUIDE_COLUMNS))
    row = table.rows[0]
    words = [
        w for w in page.extract_words() if w["top"] >= row.bbox[1] and w["bottom"] <= row.bbox[3]
    ]
    return row.cells, words


def broken_without_hyphen(words: list[str]) -> list[str]:
    """Pieces of a long word that a line ended with, without a hyphen."""
    pieces = [word.strip(",.;:'\N{RIGHT SINGLE QUOTATION MARK}").lower() for word in words]
    return [
        piece
        for piece in pieces
        for long_word in LONG_WORDS
        if 3 <= len(piece) < len(long_word) and long_word.startswith(piece)
    ]


@pytest.mark.parametrize("language", ["en", "sv"])
def test_plan_pdf_headings_stay_in_their_columns_and_words_break_with_a_hyphen(cast, language):
    cast.member.preferred_language = language
    cast.member.save(update_fields=["preferred_language"])
    plan = long_word_plan(cast)

    content = plan_pdf(cast.member, plan).content

    with pdfplumber.open(io.BytesIO(content)) as document:
        cells, heading_words = actions_table_header(document.pages[0])
        words = [w["text"] for page in document.pages for w in page.extract_words()]
    # Each heading word lies inside one column: none runs into its neighbour.
    outside = [
        w["text"]
        for w in heading_words
        if not any(left <= w["x0"] and w["x1"] <= right for left, _top, right, _bottom in cells)
    ]
    assert outside == []
    assert len(heading_words) >= len(GUIDE_COLUMNS)
    assert broken_without_hyphen(words) == []
    # The words were long enough to be broken, and were hyphenated instead.
    assert any(word.endswith(("-", "\N{HYPHEN}")) for word in words)
