"""A coordinator imports a spreadsheet of stakeholders, fixes its error, filters the register
with the keyboard, and downloads the guide's mapping tool as a PDF."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from alliance_portal.permissions import Role
from stakeholders.models import Contact, Organisation, Stakeholder
from tests.factories import AllianceFactory, MembershipFactory

from .flows import log_in

HEADINGS = (
    "organisation,category,sector,municipality,contact_name,contact_email,impact,interest,status"
)
ROWS = [
    "Red Cross Växjö,NGO,Non-profit,Växjö,Anna Berg,anna.berg@redcross.example.org,High,High,"
    "Contacted",
    "Växjö Social Services,Public authority or municipal department,Public,Växjö,Erik Lund,"
    "erik.lund@vaxjo.example.org,High,Medium,Engaged",
    "Ljungby Football Club,Culture and sports,Non-profit,Ljungby,Sara Ek,{email},Low,High,"
    "Identified",
    "Alvesta Folk High School,Education,Public,Alvesta,Omar Haddad,omar@folk.example.org,"
    "Medium,Medium,Invited",
]
BAD_LINE = 4  # the heading row is line 1, so the third data row is line 4


def _csv(email: str) -> bytes:
    lines = [HEADINGS, *(row.format(email=email) for row in ROWS)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _upload(name: str, content: bytes) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": content}


def _check_file(page, scope, name: str, content: bytes) -> None:
    """Uploads a file through the form in `scope` and waits for its preview."""
    scope.get_by_label("CSV or Excel file").set_input_files(_upload(name, content))
    scope.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Check the import of {name}")
    page.assert_accessible()


def _tab_to(page, is_target: str, *, limit: int = 60) -> None:
    """Press Tab until `is_target` (JS, given the focused element as `el`) holds."""
    check = f"() => {{ const el = document.activeElement; return Boolean({is_target}); }}"
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check):
            return
    raise AssertionError(f"Tab never reached the element where {is_target}")


def _names_in_table(page) -> list[str]:
    return page.locator("main table tbody tr td:first-child").all_inner_texts()


def test_import_fix_filter_and_print_the_mapping(a11y_page):
    page = a11y_page
    alliance = AllianceFactory(name="Kronoberg Alliance")
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    register_url = f"/alliances/{alliance.pk}/stakeholders/"
    log_in(page, coordinator.email)

    # The empty register explains where to start and links to the import.
    page.goto(register_url)
    page.assert_accessible()
    assert "The mapping is empty." in page.inner_text("main")
    expect(page.get_by_role("link", name="Import a spreadsheet")).to_be_visible()
    expect(page.get_by_role("link", name="Mapping tool (PDF)")).to_have_count(0)
    tabs = page.get_by_role("navigation", name="Stakeholder mapping")
    tabs.get_by_role("link", name="Import", exact=True).click()
    page.wait_for_url(f"**{register_url}import/")
    page.assert_accessible()

    # A file with a bad email address: the preview names the row, nothing can be confirmed.
    _check_file(page, page, "stakeholders.csv", _csv("sara.ek(at)ljungby"))
    expect(page.get_by_test_id("import-summary")).to_contain_text("1 row has errors.")
    bad_row = page.get_by_test_id(f"preview-row-{BAD_LINE}")
    expect(bad_row).to_have_class(re.compile(r"\btable-danger\b"))
    expect(bad_row).to_contain_text("Ljungby Football Club")
    expect(bad_row).to_contain_text("contact_email")
    for line in (2, 3, 5):
        expect(page.get_by_test_id(f"preview-row-{line}")).not_to_have_class(
            re.compile(r"\btable-danger\b")
        )
    expect(page.get_by_role("button", name="Confirm the import")).to_have_count(0)
    assert Organisation.objects.count() == 0
    assert Contact.objects.count() == 0

    # The corrected file goes through the preview page's own upload form.
    reupload = page.get_by_role("region", name="Upload a corrected file")
    _check_file(page, reupload, "stakeholders-fixed.csv", _csv("sara.ek@ljungby.example.org"))
    summary = page.get_by_test_id("import-summary")
    expect(summary).to_contain_text("The file has 4 rows and no errors.")
    expect(summary).to_contain_text("Organisations: 4 new, 0 updated")
    expect(summary).to_contain_text("Contact people: 4 new, 0 updated")
    expect(page.locator("main tr.table-danger")).to_have_count(0)
    assert Organisation.objects.count() == 0
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url(f"**{register_url}")
    page.assert_accessible()
    assert "The import is done. Organisations: 4 new, 0 updated." in page.inner_text("main")
    expect(page.get_by_test_id("result-count")).to_have_text("4 organisations")
    assert _names_in_table(page) == [
        "Alvesta Folk High School",
        "Ljungby Football Club",
        "Red Cross Växjö",
        "Växjö Social Services",
    ]
    assert Organisation.objects.count() == 4
    assert Stakeholder.objects.filter(alliance=alliance).count() == 4
    red_cross = Stakeholder.objects.get(organisation__name="Red Cross Växjö")
    assert (red_cross.organisation.category, red_cross.organisation.sector) == ("ngo", "non_profit")
    assert (red_cross.impact, red_cross.interest, red_cross.status) == (3, 3, "contacted")
    assert Contact.objects.get(name="Sara Ek").email == "sara.ek@ljungby.example.org"

    # Keyboard: reach the Organisation column heading and sort by it, twice to reverse.
    heading = page.get_by_role("columnheader", name=re.compile("^Organisation"))
    expect(heading).to_have_attribute("aria-sort", "none")
    for sort, aria_sort in (("name", "ascending"), ("-name", "descending")):
        page.get_by_role("textbox", name="Search").focus()
        _tab_to(page, "el.closest('th') && el.textContent.trim().startsWith('Organisation')")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"[?&]sort={sort}(&|$)"))
        page.assert_accessible()
        expect(heading).to_have_attribute("aria-sort", aria_sort)
    assert _names_in_table(page) == [
        "Växjö Social Services",
        "Red Cross Växjö",
        "Ljungby Football Club",
        "Alvesta Folk High School",
    ]

    # Keyboard: search, open "More filters", tick NGO and apply, without the mouse.
    page.get_by_role("textbox", name="Search").focus()
    page.keyboard.type("Växjö")
    _tab_to(page, "el.tagName === 'SUMMARY'")
    page.keyboard.press("Enter")
    expect(page.locator("main form details")).to_have_attribute("open", "")
    ngo = page.get_by_role("checkbox", name="NGO", exact=True)
    _tab_to(page, "el.type === 'checkbox' && el.labels[0].textContent.trim() === 'NGO'")
    page.keyboard.press("Space")
    expect(ngo).to_be_checked()
    _tab_to(page, "el.textContent.trim() === 'Apply filters'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]category=ngo\b"))
    page.assert_accessible()
    expect(page.get_by_test_id("result-count")).to_have_text("1 organisation")
    assert _names_in_table(page) == ["Red Cross Växjö"]
    expect(page.get_by_role("textbox", name="Search")).to_have_value("Växjö")
    expect(ngo).to_be_checked()

    # The PDF holds the filtered selection only, on landscape pages.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Mapping tool (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "kronoberg-alliance-stakeholder-mapping.pdf"
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Red Cross Växjö" in text
    assert "anna.berg@redcross.example.org" in text
    assert "filtered selection" in text
    for filtered_out in ("Växjö Social Services", "Ljungby Football Club", "Alvesta"):
        assert filtered_out not in text
    for pdf_page in reader.pages:
        assert pdf_page.mediabox.width > pdf_page.mediabox.height
