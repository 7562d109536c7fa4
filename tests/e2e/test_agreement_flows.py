"""A member reads the published commitment agreement and signs it by keyboard; the sealed PDF
they download verifies as genuine on the public verify page, and a copy changed by one byte
does not. An invited member without a session signs through the emailed link and a code."""

from __future__ import annotations

import io
import re

from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from agreements import services
from agreements.models import Signature, text_sha256
from alliance_portal.permissions import Role
from tests.factories import AllianceFactory, MembershipFactory

from .flows import log_in, log_out, open_my_alliances, open_section

ALLIANCE = "Kronoberg Alliance"
TYPED_NAME = "Maria Elena Lindqvist"
ORGANISATION = "Växjö municipality"
NAME_LABEL = "Your full name, typed as your signature"
CONSENT_LABEL = "I have read the text above. I sign it with the name I typed"
SIGNED_MESSAGE = (
    "You signed version 1 of the agreement. You can download the signed PDF at any time."
)
# The order the signing form is reached in by Tab, from the typed name to the submit button.
TAB_ORDER = ["id_organisation", "id_personal_member", "id_contact", "id_consent"]


def _published_version(*, invite: bool):
    """An alliance with a coordinator and a member, and the coordinator's draft as version 1."""
    alliance = AllianceFactory(name=ALLIANCE)
    coordinator = MembershipFactory(
        alliance=alliance,
        role=Role.COORDINATOR,
        organisation_name="Region Kronoberg",
        user__first_name="Lina",
        user__last_name="Sund",
    ).user
    member = MembershipFactory(
        alliance=alliance,
        role=Role.MEMBER,
        organisation_name=ORGANISATION,
        user__first_name="Maria",
        user__last_name="Lindqvist",
    ).user
    agreement = services.agreement_start(alliance=alliance, actor=coordinator, language="en")
    version = services.agreement_publish(
        agreement=agreement, actor=coordinator, shown_sha256=agreement.sha256, invite=invite
    )
    assert version.number == 1
    return alliance, member, version


def _check_exact_text_and_hash(page, version) -> None:
    """The signing page shows the version's title and paragraphs word for word, and its hash;
    the text as the reader sees it hashes to that same value."""
    article = page.get_by_test_id("agreement-text")
    title = article.get_by_role("heading", level=2).inner_text()
    paragraphs = [p.inner_text() for p in article.locator("p").all()]
    assert title == version.title
    assert paragraphs == [part for part in version.body.split("\n\n") if part.strip()]
    shown_sha256 = page.get_by_test_id("text-sha256").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", shown_sha256)
    assert shown_sha256 == version.sha256
    assert text_sha256(title, "\n\n".join(paragraphs)) == shown_sha256


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def _sign_by_keyboard(page, typed_name: str) -> None:
    """Fills in and submits the signing form without the mouse."""
    page.get_by_label(NAME_LABEL).focus()
    assert _focused_id(page) == "id_typed_name"
    # The field starts with the member's name from their profile; it is replaced by typing.
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(typed_name)
    for expected in TAB_ORDER:
        page.keyboard.press("Tab")
        assert _focused_id(page) == expected
    consent = page.get_by_label(CONSENT_LABEL)
    expect(consent).not_to_be_checked()
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign the agreement"
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _download_pdf(page, tmp_path, filename: str) -> bytes:
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    target = tmp_path / filename
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF"), data[:200]
    return data


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _tampered(data: bytes) -> bytes:
    """The PDF with one character of its /Producer changed: a byte the seal covers, outside
    the /Contents hex string that holds the signature itself."""
    byte_range = [
        int(n) for n in re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", data).groups()
    ]
    start, first_length, second_start, second_length = byte_range
    assert start == 0 and second_start + second_length == len(data)
    offset = data.index(b"/Producer (") + len(b"/Producer (")
    assert offset < first_length, "the /Producer value is inside the signed part"
    changed = b"X" if data[offset : offset + 1] != b"X" else b"Y"
    tampered = data[:offset] + changed + data[offset + 1 :]
    assert len(tampered) == len(data)
    assert sum(a != b for a, b in zip(data, tampered, strict=True)) == 1
    return tampered


def _verify(page, data: bytes) -> int:
    """Uploads the file on the verify page; returns the HTTP status of the answer."""
    page.get_by_label("The signed agreement (PDF)").set_input_files(
        {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    with page.expect_response(lambda r: r.request.method == "POST") as response_info:
        page.get_by_role("button", name="Check the document").click()
    page.wait_for_load_state("load")
    page.assert_accessible()
    return response_info.value.status


def test_member_signs_by_keyboard_downloads_the_pdf_and_verifies_it(a11y_page, tmp_path):
    alliance, member, version = _published_version(invite=False)
    page = a11y_page

    # 1. The member finds the agreement through the alliance's menu ----------------------------
    log_in(page, member.email)
    open_my_alliances(page)
    page.get_by_role("link", name=re.compile(ALLIANCE)).first.click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/")
    page.assert_accessible()
    open_section(page, "Agreement")
    page.wait_for_url(f"**/alliances/{alliance.pk}/agreement/")
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commitment agreement")
    expect(page.get_by_test_id("text-sha256")).to_have_text(version.sha256)

    # 2. Read and sign, by keyboard only ------------------------------------------------------
    page.get_by_role("link", name="Read and sign", exact=True).click()
    page.wait_for_url(f"**/alliances/{alliance.pk}/agreement/sign/")
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign version 1 of the agreement")
    _check_exact_text_and_hash(page, version)
    expect(page.get_by_label(NAME_LABEL)).to_have_value("Maria Lindqvist")
    expect(page.get_by_label("Organisation you represent")).to_have_value(ORGANISATION)
    _sign_by_keyboard(page, TYPED_NAME)
    page.wait_for_url(re.compile(rf"/alliances/{alliance.pk}/agreement/$"))
    page.assert_accessible()
    main = page.get_by_role("main")
    expect(main).to_contain_text(SIGNED_MESSAGE)
    expect(main).to_contain_text("You signed this version on ")

    signature = Signature.objects.get(version=version, membership__user=member)
    assert signature.status == Signature.Status.SIGNED
    assert signature.identity_method == Signature.Identity.LOGIN
    assert signature.typed_name == TYPED_NAME
    assert signature.organisation == ORGANISATION
    assert signature.personal_member is False
    assert signature.contact == member.email
    assert signature.text_sha256 == version.sha256
    assert signature.version_sha256 == version.sha256
    assert signature.signed_at is not None

    # 3. The signed PDF -------------------------------------------------------------------------
    pdf = _download_pdf(page, tmp_path, "signed.pdf")
    text = _pdf_text(pdf)
    assert TYPED_NAME in text
    assert version.title in text

    # 4. Logged out, anyone can check the PDF on the verify page ----------------------------------
    log_out(page)
    page.goto("/verify/")
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a signed agreement")
    assert _verify(page, pdf) == 200
    result = page.get_by_test_id("verify-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Genuine and unchanged")
    facts = dict(
        zip(
            result.locator("dt").all_inner_texts(),
            result.locator("dd").all_inner_texts(),
            strict=True,
        )
    )
    assert facts == {
        "Alliance": ALLIANCE,
        "Agreement version": "1",
        "Signed by": TYPED_NAME,
    }

    # 5. One byte changed inside the sealed part: not verified ------------------------------------
    tampered = _tampered(pdf)
    assert _verify(page, tampered) == 422
    result = page.get_by_test_id("verify-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Not verified")
    expect(result).to_contain_text("This PDF has been changed since the portal sealed it")
    expect(result).not_to_contain_text(TYPED_NAME)
    expect(page.get_by_text("Genuine and unchanged")).to_have_count(0)


def test_invited_member_signs_through_the_emailed_link_with_a_code(a11y_page, tmp_path):
    alliance, member, version = _published_version(invite=True)
    invitations = [m for m in mail.outbox if m.to == [member.email]]
    assert len(invitations) == 1
    link = re.search(r"https?://\S+?(/sign/[^/\s]+/)", invitations[0].body).group(1)
    mail.outbox.clear()
    page = a11y_page

    # Without a session the link first asks who you are.
    page.goto(link)
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm who you are")
    expect(page.get_by_role("main")).to_contain_text(f"This invitation was sent to {member.email}.")
    page.get_by_role("button", name="Email me a code").click()
    page.wait_for_url(f"**{link}")
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text(
        f"A 6-digit code is on its way to {member.email}."
    )
    assert [m.to for m in mail.outbox] == [[member.email]]
    code = re.search(r"^\s*(\d{6})\s*$", mail.outbox[0].body, re.MULTILINE).group(1)

    code_field = page.get_by_label("The 6-digit code from the email")
    code_field.focus()
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**{link}")
    page.assert_accessible()
    expect(page.get_by_role("main")).to_contain_text("Thank you: your email address is confirmed.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign version 1 of the agreement")
    _check_exact_text_and_hash(page, version)

    _sign_by_keyboard(page, TYPED_NAME)
    signature = Signature.objects.get(version=version, membership__user=member)
    page.wait_for_url(f"**/signed/{signature.public_id}/")
    page.assert_accessible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answer")
    main = page.get_by_role("main")
    expect(main).to_contain_text(SIGNED_MESSAGE)
    expect(main).to_contain_text(f"Commitment agreement of {ALLIANCE}, version 1")
    expect(main).to_contain_text("You signed on ")

    signature.refresh_from_db()
    assert signature.status == Signature.Status.SIGNED
    assert signature.identity_method == Signature.Identity.EMAIL_CODE
    assert signature.typed_name == TYPED_NAME
    assert signature.text_sha256 == version.sha256

    pdf = _download_pdf(page, tmp_path, "signed-by-link.pdf")
    text = _pdf_text(pdf)
    assert TYPED_NAME in text
    assert alliance.name in text
