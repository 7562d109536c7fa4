"""A coordinator opens the alliance's six steps, follows the next step to a SWOT analysis, fills
it in beside the guide's questions, sees the step done, and downloads the coordinator report."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from alliance_portal.permissions import Role
from tests.factories import AllianceFactory, MembershipFactory
from tests.journey_support import complete_journey

from .flows import log_in, open_my_alliances

STRENGTHS = "Migrant organisations at the table\nCommitted municipalities"
THREATS = "Short project funding"


def _alliance_before_its_evaluation():
    alliance = AllianceFactory(name="Kronoberg Alliance", region="Kronoberg County")
    people = {
        role: MembershipFactory(alliance=alliance, role=role).user
        for role in (Role.CHAIR, Role.SECRETARY, Role.COORDINATOR)
    }
    complete_journey(
        alliance,
        chair=people[Role.CHAIR],
        secretary=people[Role.SECRETARY],
        coordinator=people[Role.COORDINATOR],
        evaluation=False,
    )
    return alliance, people[Role.COORDINATOR]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_coordinator_follows_the_next_step_fills_a_swot_and_downloads_the_report(
    a11y_page, tmp_path
):
    page = a11y_page
    alliance, coordinator = _alliance_before_its_evaluation()
    log_in(page, coordinator.email)
    open_my_alliances(page)
    page.get_by_role("link", name=re.compile("Kronoberg Alliance")).first.click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/")
    page.assert_accessible()
    assert page.get_by_test_id("steps-done").inner_text() == "5 of 6 steps done"
    assert "An evaluation is recorded" in page.get_by_test_id("next-step").inner_text()

    # Step 6 opens its checklist, and "Why is this not done?" the rule, by keyboard.
    page.locator("#step-6-toggle").focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("checklist-6").wait_for(state="visible")
    check = page.get_by_test_id("check-evaluation")
    assert check.get_attribute("data-done") == "false"
    check.locator("summary").focus()
    page.keyboard.press("Enter")
    assert check.get_by_text("counts as the guide's self-evaluation").is_visible()

    page.get_by_test_id("next-step-link").click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/evaluation/swot/new/")
    page.assert_accessible()
    assert page.get_by_text("What does the alliance do well?").is_visible()
    assert page.get_by_text("What obstacles do you face? Do you have funding?").is_visible()

    page.get_by_label("Title").fill("Mid-term review")
    page.get_by_label("Strengths").fill(STRENGTHS)
    page.get_by_label("Weaknesses").fill("Few members from business")
    page.get_by_label("Opportunities").fill("Regional funding for integration")
    page.get_by_label("Threats").fill(THREATS)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/alliances/{alliance.pk}/evaluation/swot/\d+/$"))
    page.assert_accessible()
    assert "The SWOT analysis was saved." in page.inner_text("main")
    strengths = page.get_by_test_id("quadrant-strengths").inner_text()
    assert "Migrant organisations at the table" in strengths

    page.goto(f"/alliances/{alliance.pk}/")
    page.assert_accessible()
    assert page.get_by_test_id("check-evaluation").get_attribute("data-done") == "true"
    assert "sustainability plan" in page.get_by_test_id("next-step").inner_text()

    more_actions = page.get_by_test_id("more-actions")
    more_actions.click()
    more_actions.locator("xpath=..").get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/reports/")
    page.assert_accessible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    target = tmp_path / "report.pdf"
    download.save_as(target)
    text = _pdf_text(target.read_bytes())
    assert "Coordinator report" in text and "Kronoberg Alliance" in text
    assert "Mid-term review" in text and "Short project funding" in text
    assert "5 of 6 steps done." in text
