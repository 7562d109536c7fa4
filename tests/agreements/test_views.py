"""The agreement pages inside an alliance, through the test client: drafting, publishing, the
logged-in member's signing, declining and withdrawing, the status board, countersigning, the
signed PDF and translations."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from agreements import services
from agreements.models import (
    ERR_ALREADY_COUNTERSIGNED,
    ERR_ALREADY_SIGNED,
    Agreement,
    AgreementTranslation,
    AgreementVersion,
    Signature,
    SignatureEvent,
)
from agreements.services import (
    ERR_AGREEMENT_EXISTS,
    ERR_CONSENT,
    ERR_DRAFT_CHANGED,
    ERR_TRANSLATION_LANGUAGE,
)
from alliances.models import AuditEntry

from ..conftest import client_for
from ..factories import publish_agreement
from .conftest import FACTS, sign_as, sign_details

IP = "203.0.113.9"
BROWSER = "Mozilla/5.0 (Views test) Firefox/140.0"
VISION = "Everyone knows where to turn."
FIRST_PARAGRAPH = "As a member of the alliance I commit to attend meetings"


# Helpers, also used by the other files of this folder ------------------------------------------


def form_data(version, *, language: str = "", **overrides) -> dict:
    """What the signing form posts: sign_details as a browser sends them (ticked boxes "on",
    unticked ones left out)."""
    data = sign_details(version, language=language, **overrides)
    return {
        name: ("on" if value is True else value)
        for name, value in data.items()
        if value is not False and value is not None
    }


def page_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def text_of(response) -> str:
    return response.content.decode()


def url(name: str, *args) -> str:
    return reverse(name, args=list(args))


def browser_client(user=None, *, ip: str = IP, user_agent: str = BROWSER) -> Client:
    """A client whose every request comes from this address and browser."""
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent)
    if user is not None:
        client.force_login(user)
    return client


def signature_of(cast, version, user) -> Signature:
    return Signature.objects.get(version=version, membership=cast.membership(user))


# Drafting and publishing ------------------------------------------------------------------------


def test_the_coordinator_starts_the_draft_from_the_guide(cast):
    coordinator = client_for(cast.coordinator)
    detail = coordinator.get(url("agreements:detail", cast.alliance.pk))
    assert detail.status_code == 200
    assert "Start from the guide's text" in text_of(detail)

    response = coordinator.post(url("agreements:start", cast.alliance.pk), {"language": "en"})

    assert response.status_code == 302
    assert response["Location"] == url("agreements:edit", cast.alliance.pk)
    agreement = Agreement.objects.get(alliance=cast.alliance)
    assert agreement.title == "Commitment agreement of Kronoberg Alliance"
    assert VISION in agreement.body
    assert agreement.updated_by == cast.coordinator
    edit = coordinator.get(response["Location"])
    assert edit.status_code == 200
    assert edit.context["form"].initial["title"] == agreement.title


def test_starting_a_second_time_says_so_and_keeps_the_one_draft(cast, agreement):
    response = client_for(cast.coordinator).post(
        url("agreements:start", cast.alliance.pk), {"language": "sv"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("agreements:detail", cast.alliance.pk)
    assert page_messages(response) == [str(ERR_AGREEMENT_EXISTS)]
    assert Agreement.objects.filter(alliance=cast.alliance).count() == 1
    agreement.refresh_from_db()
    assert agreement.language == "en"


def test_the_coordinator_edits_the_draft(cast, agreement):
    response = client_for(cast.coordinator).post(
        url("agreements:edit", cast.alliance.pk),
        {"title": "Our commitment", "body": "We meet.\r\n\r\nWe help.", "language": "en"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("agreements:detail", cast.alliance.pk)
    agreement.refresh_from_db()
    assert (agreement.title, agreement.body) == ("Our commitment", "We meet.\n\nWe help.")
    assert AuditEntry.objects.filter(action="agreement.updated", alliance=cast.alliance).exists()


def test_a_refused_save_keeps_the_saved_draft_and_answers_400(cast, agreement):
    saved = (agreement.title, agreement.body, agreement.sha256)
    coordinator = client_for(cast.coordinator)

    response = coordinator.post(
        url("agreements:edit", cast.alliance.pk),
        {"title": "", "body": "A new text that must not be saved", "language": "en"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["title"] == ["This field is required."]
    assert "This field is required." in text_of(response)
    # The typed text is shown again for correcting, but the draft itself did not change.
    assert "A new text that must not be saved" in text_of(response)
    agreement.refresh_from_db()
    assert (agreement.title, agreement.body, agreement.sha256) == saved
    publish_page = coordinator.get(url("agreements:publish", cast.alliance.pk))
    assert publish_page.context["form"].initial["sha256"] == saved[2]


def test_an_overlong_body_is_refused_and_nothing_saved(cast, agreement):
    body = agreement.body
    response = client_for(cast.coordinator).post(
        url("agreements:edit", cast.alliance.pk),
        {"title": "Title", "body": "x" * 20_001, "language": "en"},
    )
    assert response.status_code == 400
    assert "body" in response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.body == body
    assert agreement.title != "Title"


def test_reset_asks_first_then_restores_the_guide_text(cast, agreement):
    guide_body = agreement.body
    services.agreement_update(
        agreement=agreement, actor=cast.coordinator, title="Edited", body="Edited text"
    )
    coordinator = client_for(cast.coordinator)

    confirm = coordinator.get(url("agreements:reset", cast.alliance.pk))
    assert confirm.status_code == 200
    assert "Start the draft again from the guide&#x27;s text?" in text_of(confirm)
    agreement.refresh_from_db()
    assert agreement.title == "Edited"

    response = coordinator.post(url("agreements:reset", cast.alliance.pk))
    assert response.status_code == 302
    assert response["Location"] == url("agreements:edit", cast.alliance.pk)
    agreement.refresh_from_db()
    assert agreement.title == "Commitment agreement of Kronoberg Alliance"
    assert agreement.body == guide_body
    assert AuditEntry.objects.filter(action="agreement.reset", alliance=cast.alliance).exists()


def test_the_coordinator_publishes_through_the_confirm_page(cast, agreement):
    coordinator = client_for(cast.coordinator)
    confirm = coordinator.get(url("agreements:publish", cast.alliance.pk))
    assert confirm.status_code == 200
    assert "Publish version 1?" in text_of(confirm)
    assert agreement.sha256 in text_of(confirm)
    shown = confirm.context["form"].initial["sha256"]
    assert shown == agreement.sha256

    response = coordinator.post(url("agreements:publish", cast.alliance.pk), {"sha256": shown})

    assert response.status_code == 302
    assert response["Location"] == url("agreements:detail", cast.alliance.pk)
    version = AgreementVersion.objects.get(agreement=agreement)
    assert (version.number, version.sha256, version.published_by) == (
        1,
        agreement.sha256,
        cast.coordinator,
    )
    assert page_messages(response) == [
        "Version 1 is published. Invite members from its status board when you are ready."
    ]
    # Published without invitations: requests exist, but nobody was invited.
    assert version.signatures.count() == 4
    assert not version.signatures.exclude(link_nonce="").exists()


def test_a_stale_sha256_publishes_nothing_and_says_why(cast, agreement):
    coordinator = client_for(cast.coordinator)
    shown = (
        coordinator.get(url("agreements:publish", cast.alliance.pk))
        .context["form"]
        .initial["sha256"]
    )
    services.agreement_update(agreement=agreement, actor=cast.chair, title="Changed meanwhile")

    response = coordinator.post(
        url("agreements:publish", cast.alliance.pk), {"sha256": shown, "invite": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == url("agreements:publish", cast.alliance.pk)
    assert page_messages(response) == [str(ERR_DRAFT_CHANGED)]
    assert not AgreementVersion.objects.exists()
    assert not SignatureEvent.objects.exists()


def test_a_malformed_sha256_publishes_nothing(cast, agreement):
    response = client_for(cast.coordinator).post(
        url("agreements:publish", cast.alliance.pk), {"sha256": "not a hash"}, follow=True
    )
    assert response.status_code == 200
    assert "The page was out of date. Reload it and try again." in text_of(response)
    assert not AgreementVersion.objects.exists()


def test_the_detail_page_shows_the_state_of_the_draft(cast, agreement):
    coordinator = client_for(cast.coordinator)
    member = client_for(cast.member)
    detail = url("agreements:detail", cast.alliance.pk)

    assert "Nothing is published yet." in text_of(coordinator.get(detail))
    member_page = text_of(member.get(detail))
    assert "The alliance has not published its commitment agreement yet." in member_page
    assert "Edit the draft" not in member_page

    version = publish_agreement(agreement, cast.coordinator)
    page = text_of(coordinator.get(detail))
    assert "The draft is the same as the current version." in page
    assert "Review and publish" not in page
    assert "Version 1, published" in text_of(member.get(detail))

    services.agreement_update(agreement=agreement, actor=cast.coordinator, title="New title")
    page = text_of(coordinator.get(detail))
    assert f"The draft differs from version {version.number}." in page
    assert url("agreements:publish", cast.alliance.pk) in page
    # Members read the published version, never the draft.
    member_page = text_of(member.get(detail))
    assert "New title" not in member_page
    assert version.title in member_page
    assert "Draft" not in member_page


# Signing, declining, withdrawing as a logged-in member -------------------------------------------


def test_the_member_signs_on_the_sign_page(cast, version):
    member = browser_client(cast.member)
    sign_url = url("agreements:sign", cast.alliance.pk)
    page = member.get(sign_url)
    assert page.status_code == 200
    assert FIRST_PARAGRAPH in text_of(page)
    assert version.sha256 in text_of(page)
    assert page.context["form"].initial["shown_sha256"] == version.sha256

    response = member.post(sign_url, form_data(version, typed_name="Mia Member"))

    assert response.status_code == 302
    assert response["Location"] == url("agreements:detail", cast.alliance.pk)
    signature = signature_of(cast, version, cast.member)
    assert signature.status == Signature.Status.SIGNED
    assert signature.identity_method == Signature.Identity.LOGIN
    assert signature.typed_name == "Mia Member"
    assert signature.ip_address == IP
    assert signature.user_agent == BROWSER
    assert signature.text_sha256 == version.sha256
    assert signature.language == "en"
    kinds = list(signature.events.values_list("kind", "ip_address", "user_agent"))
    assert kinds == [("viewed", IP, BROWSER), ("signed", IP, BROWSER)]
    assert AuditEntry.objects.filter(action="signature.signed", actor=cast.member).count() == 1
    detail = member.get(response["Location"])
    assert "You signed this version on" in text_of(detail)
    assert url("agreements:signature_pdf", cast.alliance.pk, signature.pk) in text_of(detail)


def test_a_refused_form_answers_400_and_keeps_the_typed_values(cast, version):
    member = client_for(cast.member)
    data = form_data(
        version,
        typed_name="Typed Name Kept",
        organisation="Organisation Kept",
        contact="kept@example.org",
        consent=False,
    )

    response = member.post(url("agreements:sign", cast.alliance.pk), data)

    assert response.status_code == 400
    page = text_of(response)
    assert escape(str(ERR_CONSENT)) in page
    for typed in ("Typed Name Kept", "Organisation Kept", "kept@example.org"):
        assert f'value="{typed}"' in page
    signature = signature_of(cast, version, cast.member)
    assert signature.status == Signature.Status.PENDING
    assert signature.typed_name == ""
    assert not signature.events.filter(kind="signed").exists()


def test_signing_twice_says_so_and_changes_nothing(cast, version):
    member = client_for(cast.member)
    sign_url = url("agreements:sign", cast.alliance.pk)
    assert member.post(sign_url, form_data(version, typed_name="First Name")).status_code == 302
    first = signature_of(cast, version, cast.member)
    events = first.events.count()

    response = member.post(sign_url, form_data(version, typed_name="Second Name"), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(url("agreements:detail", cast.alliance.pk), 302)]
    assert escape(str(ERR_ALREADY_SIGNED)) in text_of(response)
    again = signature_of(cast, version, cast.member)
    assert (again.typed_name, again.signed_at) == ("First Name", first.signed_at)
    assert again.events.count() == events


def test_the_member_declines_with_a_reason(cast, version):
    member = client_for(cast.member)
    decline_url = url("agreements:decline", cast.alliance.pk)
    page = member.get(decline_url)
    assert page.status_code == 200
    assert "Decline version 1 of the agreement?" in text_of(page)

    response = member.post(decline_url, {"reason": "We cannot attend the meetings."})

    assert response.status_code == 302
    signature = signature_of(cast, version, cast.member)
    assert signature.status == Signature.Status.DECLINED
    assert signature.decline_reason == "We cannot attend the meetings."
    assert signature.declined_at is not None
    assert page_messages(response) == ["You declined the agreement."]
    detail = text_of(member.get(url("agreements:detail", cast.alliance.pk)))
    assert "You declined this version on" in detail
    assert "You can still sign it." in detail


def test_the_member_withdraws_their_signature(cast, signed):
    member = client_for(cast.member)
    withdraw_url = url("agreements:withdraw", cast.alliance.pk, signed.pk)
    assert member.get(withdraw_url).status_code == 200

    response = member.post(withdraw_url, {"reason": "Our organisation left the network."})

    assert response.status_code == 302
    signed.refresh_from_db()
    assert signed.status == Signature.Status.WITHDRAWN
    assert signed.withdraw_reason == "Our organisation left the network."
    assert signed.signed_at is not None  # the record of the signature stays
    assert signed.events.filter(kind="withdrawn", actor=cast.member).count() == 1
    detail = text_of(member.get(url("agreements:detail", cast.alliance.pk)))
    assert "You withdrew your signature on" in detail


def test_nobody_else_withdraws_a_members_signature(cast, signed):
    response = client_for(cast.chair).post(
        url("agreements:withdraw", cast.alliance.pk, signed.pk), {"reason": "Chair's wish"}
    )
    assert response.status_code == 403
    signed.refresh_from_db()
    assert signed.status == Signature.Status.SIGNED


# The status board and countersigning ------------------------------------------------------------


def test_the_board_lists_every_member_with_a_seat_and_the_counts(cast, version):
    sign_as(cast, version, cast.member)
    services.signature_decline(
        signature=signature_of(cast, version, cast.secretary), facts=FACTS, reason="Too busy"
    )

    response = client_for(cast.coordinator).get(url("agreements:board", cast.alliance.pk, 1))

    assert response.status_code == 200
    rows = {row.membership.user: row.status for row in response.context["board"].rows}
    assert rows == {
        cast.chair: "pending",
        cast.secretary: "declined",
        cast.coordinator: "pending",
        cast.member: "signed",
    }
    page = text_of(response)
    for person in (cast.chair, cast.secretary, cast.coordinator, cast.member):
        assert escape(str(person)) in page
    assert escape(str(cast.observer)) not in page
    for count in ("Signed: 1", "Not signed yet: 2", "Declined: 1", "Withdrawn: 0"):
        assert count in page
    assert "Too busy" in page
    assert page.count('data-testid="board-row"') == 4


def _board_row_of(page: str, user) -> str:
    rows = re.findall(r'<tr data-testid="board-row">.*?</tr>', page, re.S)
    return next(row for row in rows if escape(str(user)) in row)


def test_the_board_offers_a_first_invitation_to_a_member_never_invited(cast, version):
    board_url = url("agreements:board", cast.alliance.pk, 1)
    coordinator = client_for(cast.coordinator)

    row = _board_row_of(text_of(coordinator.get(board_url)), cast.member)

    assert "Not invited yet" in row
    assert "Send the invitation<" in row
    assert "Send the invitation again" not in row

    services.signature_invite(signature=signature_of(cast, version, cast.member), actor=cast.chair)
    row = _board_row_of(text_of(coordinator.get(board_url)), cast.member)

    assert "Invited to sign" in row
    assert "Send the invitation again" in row
    assert "Not invited yet" not in row


def test_a_member_who_only_viewed_the_agreement_is_still_offered_a_first_invitation(cast, version):
    client_for(cast.member).get(url("agreements:sign", cast.alliance.pk))

    page = text_of(client_for(cast.coordinator).get(url("agreements:board", cast.alliance.pk, 1)))
    row = _board_row_of(page, cast.member)

    assert "Viewed the agreement" in row
    assert "Send the invitation<" in row
    assert "Send the invitation again" not in row


def test_the_chair_countersigns_a_signature(cast, countersigned_version):
    signature = sign_as(cast, countersigned_version, cast.member)
    chair = client_for(cast.chair, reauthenticated=True)
    countersign_url = url("agreements:countersign", cast.alliance.pk, signature.pk)
    board = text_of(chair.get(url("agreements:board", cast.alliance.pk, 1)))
    assert countersign_url in board
    page = chair.get(countersign_url)
    assert page.status_code == 200
    assert page.context["form"].initial["typed_name"] == cast.chair.get_full_name()

    refused = chair.post(countersign_url, {"typed_name": "Carla Chair"})
    assert refused.status_code == 400
    signature.refresh_from_db()
    assert signature.countersigned_at is None

    response = chair.post(countersign_url, {"typed_name": "Carla Chair", "consent": "on"})

    assert response.status_code == 302
    assert response["Location"] == url("agreements:board", cast.alliance.pk, 1)
    signature.refresh_from_db()
    assert signature.countersigned_by == cast.chair
    assert signature.countersigned_name == "Carla Chair"
    assert signature.countersigned_at is not None
    assert signature.events.filter(kind="countersigned", actor=cast.chair).count() == 1

    again = chair.post(countersign_url, {"typed_name": "Someone Else", "consent": "on"})
    assert again.status_code == 302
    assert page_messages(again)[-1] == str(ERR_ALREADY_COUNTERSIGNED)
    signature.refresh_from_db()
    assert signature.countersigned_name == "Carla Chair"


def test_the_coordinator_cannot_countersign(cast, countersigned_version):
    signature = sign_as(cast, countersigned_version, cast.member)
    response = client_for(cast.coordinator).post(
        url("agreements:countersign", cast.alliance.pk, signature.pk),
        {"typed_name": "Cora Coordinator", "consent": "on"},
    )
    assert response.status_code == 403
    signature.refresh_from_db()
    assert signature.countersigned_at is None


# The signed PDF ---------------------------------------------------------------------------------


def test_the_member_downloads_their_own_signed_pdf(cast, signed):
    response = client_for(cast.member).get(
        url("agreements:signature_pdf", cast.alliance.pk, signed.pk)
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment; filename=")


def test_a_member_cannot_download_someone_elses_pdf(cast, version):
    secretary_signature = sign_as(cast, version, cast.secretary)
    response = client_for(cast.member).get(
        url("agreements:signature_pdf", cast.alliance.pk, secretary_signature.pk)
    )
    assert response.status_code == 403


def test_an_unsigned_request_has_no_pdf(cast, version):
    own = signature_of(cast, version, cast.member)
    member = client_for(cast.member)
    assert member.get(url("agreements:signature", cast.alliance.pk, own.pk)).status_code == 200
    response = member.get(url("agreements:signature_pdf", cast.alliance.pk, own.pk))
    assert response.status_code == 404


# A new version, and translations ----------------------------------------------------------------


def test_a_member_who_signed_v1_is_asked_to_sign_v2(cast, agreement, signed):
    services.agreement_update(
        agreement=agreement, actor=cast.coordinator, body=agreement.body + "\n\nA new promise."
    )
    publish_agreement(agreement, cast.coordinator)

    page = text_of(client_for(cast.member).get(url("agreements:detail", cast.alliance.pk)))

    assert (
        "You signed version 1. The agreement has changed since; please read version 2 and sign "
        "it if you agree."
    ) in page
    assert url("agreements:sign", cast.alliance.pk) in page
    assert "A new promise." in page
    assert "Your answers to earlier versions" in page
    assert url("agreements:signature", cast.alliance.pk, signed.pk) in page


def test_a_swedish_translation_is_read_and_signed_in_swedish(cast, version):
    coordinator = client_for(cast.coordinator)
    translation_url = url("agreements:translation_edit", cast.alliance.pk, 1, "sv")
    assert coordinator.get(translation_url).status_code == 200

    response = coordinator.post(
        translation_url,
        {"title": "Överenskommelse om engagemang", "body": "Jag lovar att delta i mötena."},
    )

    assert response.status_code == 302
    assert response["Location"] == url("agreements:version", cast.alliance.pk, 1) + "?lang=sv"
    translation = AgreementTranslation.objects.get(version=version, language="sv")
    assert translation.added_by == cast.coordinator

    cast.member.preferred_language = "sv"
    cast.member.save(update_fields=["preferred_language"])
    member = client_for(cast.member)
    page = member.get(url("agreements:sign", cast.alliance.pk))
    assert page.status_code == 200
    assert "Jag lovar att delta i mötena." in text_of(page)
    assert FIRST_PARAGRAPH not in text_of(page)
    assert page.context["form"].initial["language"] == "sv"
    assert page.context["form"].initial["shown_sha256"] == translation.sha256

    signed = member.post(
        url("agreements:sign", cast.alliance.pk), form_data(version, language="sv")
    )

    assert signed.status_code == 302
    signature = signature_of(cast, version, cast.member)
    assert signature.status == Signature.Status.SIGNED
    assert signature.language == "sv"
    assert signature.text_sha256 == translation.sha256
    assert signature.version_sha256 == version.sha256


def test_a_translation_into_the_versions_own_language_is_refused(cast, version):
    response = client_for(cast.coordinator).post(
        url("agreements:translation_edit", cast.alliance.pk, 1, "en"),
        {"title": "Same language", "body": "Same language"},
    )
    assert response.status_code == 400
    assert escape(str(ERR_TRANSLATION_LANGUAGE)) in text_of(response)
    assert not AgreementTranslation.objects.exists()


def test_starting_in_a_language_the_portal_does_not_offer_says_so_and_creates_nothing(cast):

    response = client_for(cast.coordinator).post(
        reverse("agreements:start", args=[cast.alliance.pk]), {"language": "xx"}, follow=True
    )

    assert response.status_code == 200
    assert "Choose one of the languages offered for the text." in response.content.decode()
    assert not Agreement.objects.filter(alliance=cast.alliance).exists()
