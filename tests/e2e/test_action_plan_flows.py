"""A coordinator drafts an action plan with a SMART goal and three actions, reorders them and
submits it; the chair approves version 1 with their password; the coordinator's later edit starts
version 2 while version 1 and its PDF stay exactly as they were signed."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from actionplans.models import Action, ActionPlan, PlanVersion
from alliance_portal.permissions import Role
from tests.factories import TEST_PASSWORD, AllianceFactory, MembershipFactory, StakeholderFactory

from .conftest import CONTEXT_OPTIONS, A11yTracker
from .flows import log_in, open_my_alliances, open_section

PLAN_TITLE = "Regional action plan 2027-2028"
GOAL = "Newcomer families reached by trained mediators"
ORGANISATION = "Växjö Social Services"
FIRST = "Train community mediators"
SECOND = "Open a weekly language café"
THIRD = "Publish a guide to local services"
THIRD_RENAMED = "Publish a guide to local services in six languages"
WRONG_PASSWORD = "not-my-password-at-all"
# The title field's label is "Action*"; the "Action plans" navigation shares its first word.
ACTION_LABEL = re.compile(r"^Action\s*\*?$")


def _member(alliance, role, first_name, last_name, organisation):
    return MembershipFactory(
        alliance=alliance,
        role=role,
        organisation_name=organisation,
        user__first_name=first_name,
        user__last_name=last_name,
    )


def _second_page(browser, live_server, axe_source):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **CONTEXT_OPTIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    tracker = A11yTracker(page, axe_source)
    page.assert_accessible = tracker.check
    return context, page, tracker


def _open_plan(page, alliance_name: str, plan_title: str) -> None:
    """From "My alliances", the way a member finds the plan: alliance, Action plans, the plan."""
    page.get_by_role("link", name=re.compile(re.escape(alliance_name))).click()
    page.wait_for_url(re.compile(r"/alliances/\d+/$"))
    page.assert_accessible()
    open_section(page, "Action plans")
    page.wait_for_url(re.compile(r"/alliances/\d+/plans/$"))
    page.assert_accessible()
    page.get_by_role("link", name=plan_title, exact=True).click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    page.assert_accessible()


def _action_rows(page) -> list[tuple[str, str]]:
    """(number, title) of each row of the plan's action table, top to bottom."""
    rows = page.get_by_test_id("plan-action")
    return [
        (row.locator("td").nth(0).inner_text().strip(), row.locator("td").nth(1).inner_text())
        for row in rows.all()
    ]


def _add_action(page, title: str, *, goal_label: str, **fields) -> None:
    page.get_by_role("link", name="Add an action").click()
    page.wait_for_url("**/actions/new/")
    page.assert_accessible()
    page.get_by_role("textbox", name=ACTION_LABEL).fill(title)
    if "problem" in fields:
        page.get_by_label("Local problem it solves").fill(fields["problem"])
    if "organisation" in fields:
        page.get_by_label("Responsible authority or partner").select_option(
            label=fields["organisation"]
        )
    if "start" in fields:
        page.get_by_label("Start date").fill(fields["start"])
    if "due" in fields:
        page.get_by_label("Due date").fill(fields["due"])
    if "budget" in fields:
        page.get_by_label("Estimated budget").fill(fields["budget"])
    page.get_by_role("group", name="Goals").get_by_label(goal_label).check()
    page.get_by_role("button", name="Add the action").click()
    page.wait_for_url(re.compile(r"/plans/\d+/#action-\d+$"))
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text(" was added.")


def _download_text(page, link_name: str) -> str:
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF"), data[:200]
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_coordinator_drafts_chair_approves_and_a_later_edit_starts_version_2(
    a11y_page, browser, live_server, axe_source
):
    alliance = AllianceFactory(name="Kronoberg Alliance")
    coordinator = _member(alliance, Role.COORDINATOR, "Lina", "Sund", "Region Kronoberg").user
    chair = _member(alliance, Role.CHAIR, "Karin", "Holm", "Växjö municipality").user
    StakeholderFactory(
        alliance=alliance, organisation__name=ORGANISATION, organisation__municipality="Växjö"
    )

    # 1. The coordinator creates the plan ------------------------------------------------------
    page = a11y_page
    log_in(page, coordinator.email)
    open_my_alliances(page)
    page.get_by_role("link", name=re.compile("Kronoberg Alliance")).click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/")
    page.assert_accessible()
    open_section(page, "Action plans")
    page.wait_for_url(f"**/alliances/{alliance.pk}/plans/")
    page.assert_accessible()
    page.get_by_role("link", name="New action plan").click()
    page.wait_for_url("**/plans/new/")
    page.assert_accessible()
    page.get_by_label("Title").fill(PLAN_TITLE)
    page.get_by_label("Period start").fill("2027-01-01")
    page.get_by_label("Period end").fill("2028-06-30")
    page.get_by_role("button", name="Create the plan").click()
    page.wait_for_url(re.compile(rf"/alliances/{alliance.pk}/plans/\d+/$"))
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLAN_TITLE)
    expect(page.get_by_role("main")).to_contain_text("The plan was created.")
    plan = ActionPlan.objects.get(alliance=alliance)
    plan_url = f"/alliances/{alliance.pk}/plans/{plan.pk}/"
    assert (plan.status, plan.version) == (ActionPlan.Status.DRAFT, 1)

    # A SMART goal: without a target the page explains what is missing.
    page.get_by_role("link", name="Add a goal").click()
    page.wait_for_url("**/goals/new/")
    page.assert_accessible()
    page.get_by_label("What").fill(GOAL)
    page.get_by_label("Unit").fill("families")
    page.get_by_label("Why it matters").fill("Families reach services through people they trust.")
    page.get_by_label("By when").fill("2028-03-31")
    page.get_by_role("button", name="Add the goal").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a SMART goal")
    target = page.get_by_label("Target")
    expect(page.get_by_role("main")).to_contain_text(
        "A SMART goal is measurable: give the target as a number"
    )
    expect(target).to_have_attribute("aria-invalid", "true")
    # The other answers are kept.
    expect(page.get_by_label("What")).to_have_value(GOAL)
    page.assert_accessible()
    assert not plan.goals.exists()
    target.fill("120")
    page.get_by_role("button", name="Add the goal").click()
    page.wait_for_url(re.compile(r"/plans/\d+/#goal-\d+$"))
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text("Goal 1 was added.")
    goal = plan.goals.get()
    assert (goal.number, goal.title, goal.target_value, goal.unit) == (1, GOAL, 120, "families")
    goals_table = page.locator("#goals table")
    expect(goals_table).to_contain_text(GOAL)
    expect(goals_table).to_contain_text("120 families")

    # Three actions through the form; the first with a budget, an organisation and dates.
    goal_label = f"1. {GOAL}"
    _add_action(
        page,
        FIRST,
        goal_label=goal_label,
        problem="Newly arrived families do not know where to turn.",
        organisation=f"{ORGANISATION} (Växjö)",
        start="2027-02-01",
        due="2027-11-30",
        budget="125000",
    )
    _add_action(page, SECOND, goal_label=goal_label)
    _add_action(page, THIRD, goal_label=goal_label)
    assert _action_rows(page) == [("1", FIRST), ("2", SECOND), ("3", THIRD)]
    first_row = page.locator(f"#action-{Action.objects.get(title=FIRST).pk}")
    # In the reader's format with the alliance's currency: "SEK 125,000" in English.
    expect(first_row).to_contain_text(re.compile(r"SEK.125,000"))
    expect(first_row).to_contain_text(ORGANISATION)
    first = Action.objects.get(plan=plan, title=FIRST)
    assert first.budget_amount == 125000
    assert first.budget_currency == "SEK"
    assert first.responsible_organisation.name == ORGANISATION
    assert str(first.due_date) == "2027-11-30"
    assert {a.title: [g.pk for g in a.goals.all()] for a in plan.actions.all()} == {
        FIRST: [goal.pk],
        SECOND: [goal.pk],
        THIRD: [goal.pk],
    }

    # Keyboard: the third action moves up one row and the rows are renumbered.
    page.get_by_role("button", name=f"Up {THIRD}").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("plan-action").nth(1)).to_contain_text(THIRD)
    assert _action_rows(page) == [("1", FIRST), ("2", THIRD), ("3", SECOND)]
    page.assert_accessible()
    numbers = dict(plan.actions.values_list("title", "number"))
    assert numbers == {FIRST: 1, THIRD: 2, SECOND: 3}

    # Submit version 1 for sign-off, through the confirmation page.
    page.get_by_role("link", name="Submit for sign-off").click()
    page.wait_for_url("**/submit/")
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit version 1 for sign-off?")
    page.get_by_role("button", name="Submit for sign-off").click()
    page.wait_for_url(re.compile(rf"{plan_url}$"))
    page.assert_accessible()
    expect(page.get_by_test_id("plan-status")).to_have_text("Submitted for sign-off")
    expect(page.get_by_test_id("plan-version")).to_have_text("Version 1")
    expect(page.get_by_role("main")).to_contain_text(
        "Version 1 was submitted to the chair for sign-off."
    )
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (ActionPlan.Status.SUBMITTED, 1)
    submitted = PlanVersion.objects.get(plan=plan)
    assert submitted.number == 1
    assert submitted.submitted_by == coordinator
    assert submitted.approved_at is None

    # 2. The chair reviews and approves, with the password ------------------------------------
    context_b, chair_page, tracker_b = _second_page(browser, live_server, axe_source)
    try:
        log_in(chair_page, chair.email)
        open_my_alliances(chair_page)
        _open_plan(chair_page, "Kronoberg Alliance", PLAN_TITLE)
        chair_page.get_by_role("link", name="Review for sign-off").click()
        chair_page.wait_for_url("**/review/")
        chair_page.assert_accessible()
        shown_sha256 = chair_page.get_by_test_id("review-sha256").inner_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", shown_sha256)
        assert shown_sha256 == submitted.sha256
        snapshot = chair_page.get_by_test_id("snapshot")
        expect(snapshot).to_contain_text(THIRD)
        expect(snapshot).to_contain_text(ORGANISATION)

        # A wrong password: told so, nothing approved.
        chair_page.get_by_label("Your password").fill(WRONG_PASSWORD)
        chair_page.get_by_role("button", name="Approve version 1").click()
        chair_page.wait_for_url("**/approve/")
        expect(chair_page.get_by_role("main")).to_contain_text(
            "That is not your password. Nothing was approved."
        )
        expect(chair_page.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
        expect(chair_page.get_by_test_id("review-sha256")).to_have_text(shown_sha256)
        chair_page.assert_accessible()
        plan.refresh_from_db()
        assert plan.status == ActionPlan.Status.SUBMITTED
        assert PlanVersion.objects.get(plan=plan).approved_at is None

        # The right password signs version 1 off.
        chair_page.get_by_label("Your password").fill(TEST_PASSWORD)
        chair_page.get_by_role("button", name="Approve version 1").click()
        chair_page.wait_for_url(re.compile(rf"{plan_url}$"))
        chair_page.assert_accessible()
        expect(chair_page.get_by_role("main")).to_contain_text(
            "You approved version 1. Its content and hash are now frozen."
        )
        expect(chair_page.get_by_test_id("plan-status")).to_have_text("Approved")
        expect(chair_page.get_by_test_id("plan-version")).to_have_text("Version 1")
        state = chair_page.get_by_test_id("signoff-state")
        expect(state).to_contain_text("Version 1 was approved by Karin Holm on ")
        expect(state.locator("code")).to_have_text(shown_sha256)
        plan.refresh_from_db()
        assert (plan.status, plan.version) == (ActionPlan.Status.APPROVED, 1)
        approved = PlanVersion.objects.get(plan=plan)
        assert approved.approved_by == chair
        assert approved.approved_at is not None
        assert approved.sha256 == shown_sha256

        # 3. The chair downloads the signed version 1 as a PDF --------------------------------
        chair_page.get_by_role("navigation", name="This plan").get_by_role(
            "link", name="Versions and sign-off"
        ).click()
        chair_page.wait_for_url("**/versions/")
        chair_page.assert_accessible()
        pdf_v1 = _download_text(chair_page, "PDF of version 1")
    finally:
        context_b.close()
    assert tracker_b.unchecked() == [], "pages visited without an axe check"

    assert PLAN_TITLE in pdf_v1
    for title in (FIRST, SECOND, THIRD, GOAL, ORGANISATION):
        assert " ".join(title.split()) in pdf_v1, title
    assert "Approved by Karin Holm on " in pdf_v1
    assert "DRAFT" not in pdf_v1
    # The hash may wrap anywhere, so it is compared without the line breaks.
    assert shown_sha256 in "".join(pdf_v1.split())
    assert THIRD_RENAMED not in pdf_v1

    # 4. The coordinator's edit starts version 2; version 1 stays as it was signed ------------
    page.reload()
    page.assert_accessible()
    expect(page.get_by_test_id("plan-status")).to_have_text("Approved")
    third = Action.objects.get(plan=plan, title=THIRD)
    page.get_by_role("link", name=f"Edit {THIRD}").click()
    page.wait_for_url(f"**/actions/{third.pk}/edit/")
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text(
        "Version 1 is approved. Saving a change here starts a new draft version"
    )
    page.get_by_role("textbox", name=ACTION_LABEL).fill(THIRD_RENAMED)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(rf"{plan_url}#action-{third.pk}$"))
    page.assert_accessible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("The action was saved.")
    expect(main).to_contain_text(
        "Version 1 stays approved as it was. Your change started version 2 as a draft"
    )
    expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
    expect(page.get_by_test_id("plan-version")).to_have_text("Version 2")
    expect(page.get_by_test_id("signoff-state")).to_contain_text("Version 2 is a draft.")
    assert _action_rows(page) == [("1", FIRST), ("2", THIRD_RENAMED), ("3", SECOND)]

    plan.refresh_from_db()
    assert (plan.status, plan.version) == (ActionPlan.Status.DRAFT, 2)
    versions = list(PlanVersion.objects.filter(plan=plan))
    assert [v.number for v in versions] == [1], "version 2 is a draft, not yet a PlanVersion"
    version_1 = versions[0]
    assert version_1.approved_by == chair
    assert version_1.sha256 == shown_sha256
    assert THIRD in [a["title"] for a in version_1.snapshot["actions"]]
    assert THIRD_RENAMED not in str(version_1.snapshot)

    # What changed since version 1.
    page.get_by_role("link", name="See what changed since the last approved version").click()
    page.wait_for_url("**/diff/")
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text("Version 1 → the plan as it is now")
    changed = page.get_by_test_id("diff-row").filter(has_text="Changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("in six languages")
    expect(changed.locator("ins")).to_contain_text("in six languages")

    # The versions page lists version 1 as approved; its PDF reads exactly as before.
    page.get_by_role("navigation", name="This plan").get_by_role(
        "link", name="Versions and sign-off"
    ).click()
    page.wait_for_url("**/versions/")
    page.assert_accessible()
    rows = page.get_by_test_id("version-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Version 1")
    expect(rows.first).to_contain_text("Approved")
    expect(rows.first.locator("code")).to_have_text(shown_sha256)
    pdf_v1_again = _download_text(page, "PDF of version 1")
    assert pdf_v1_again == pdf_v1
    assert "in six languages" not in pdf_v1_again
