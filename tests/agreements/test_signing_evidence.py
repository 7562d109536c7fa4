"""What a signature records, which answers are refused, translations, countersigning and the
append-only event log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agreements import services
from agreements.models import (
    AgreementTranslation,
    Signature,
    SignatureEvent,
    text_sha256,
)
from agreements.services import (
    ERR_CONSENT,
    ERR_CONTACT,
    ERR_NOT_A_SIGNER,
    ERR_ORGANISATION_OR_PERSONAL,
    ERR_TEXT_CHANGED,
    ERR_TRANSLATION_LANGUAGE,
    ERR_TRANSLATION_SIGNED,
    ERR_TYPED_NAME,
    RequestFacts,
)
from alliance_portal.permissions import Role
from alliances import services as alliance_services
from alliances.models import AuditEntry

from ..factories import publish_agreement
from .conftest import FACTS, sign_as, sign_details

SV_TITLE = "Åtagande för Kronoberg Alliance"
SV_BODY = "Som medlem i alliansen åtar jag mig att delta i möten.\r\n\r\nVi arbetar tillsammans."
EVIDENCE_FIELDS = (
    "typed_name",
    "organisation",
    "personal_member",
    "contact",
    "language",
    "text_sha256",
    "version_sha256",
    "signed_at",
    "ip_address",
    "user_agent",
    "identity_method",
)


def request_for(cast, version, user) -> Signature:
    return services.signature_for_member(version=version, membership=cast.membership(user))


def kinds(signature) -> list[str]:
    return list(signature.events.order_by("at", "id").values_list("kind", flat=True))


def evidence_of(signature) -> dict:
    signature.refresh_from_db()
    return {name: getattr(signature, name) for name in EVIDENCE_FIELDS}


def assert_nothing_signed(signature) -> None:
    signature.refresh_from_db()
    assert signature.status == Signature.Status.PENDING
    assert signature.signed_at is None
    assert (signature.typed_name, signature.text_sha256, signature.ip_address) == ("", "", None)
    assert not signature.events.filter(kind="signed").exists()
    assert not AuditEntry.objects.filter(action="signature.signed").exists()


def add_swedish(cast, version, title=SV_TITLE, body=SV_BODY) -> AgreementTranslation:
    return services.translation_save(
        version=version, actor=cast.coordinator, language="sv", title=title, body=body
    )


# Evidence ---------------------------------------------------------------------------------------


def test_signing_records_the_evidence(cast, version):
    signature = request_for(cast, version, cast.member)
    facts = RequestFacts(ip_address="2001:db8::17", user_agent="Mozilla/5.0 (Evidence) Test/2.0")
    before = timezone.now()

    services.signature_sign(
        signature=signature,
        identity=Signature.Identity.EMAIL_CODE,
        facts=facts,
        **sign_details(
            version,
            typed_name="  Maria Example \n",
            organisation="  Växjö municipality ",
            contact=" +46 470 41 000 ",
        ),
    )

    signature.refresh_from_db()
    assert signature.status == Signature.Status.SIGNED
    assert signature.typed_name == "Maria Example"
    assert signature.organisation == "Växjö municipality"
    assert signature.personal_member is False
    assert signature.contact == "+46 470 41 000"
    assert signature.language == "en"
    assert signature.text_sha256 == version.sha256 == text_sha256(version.title, version.body)
    assert signature.version_sha256 == version.sha256
    assert signature.ip_address == "2001:db8::17"
    assert signature.user_agent == "Mozilla/5.0 (Evidence) Test/2.0"
    assert signature.identity_method == Signature.Identity.EMAIL_CODE
    assert signature.signed_at.utcoffset() == timedelta(0)
    assert before <= signature.signed_at <= timezone.now()
    assert signature.link_nonce == signature.code_hash == ""
    event = signature.events.get()
    assert event.kind == SignatureEvent.Kind.SIGNED
    assert event.actor == cast.member
    assert (event.ip_address, event.user_agent) == ("2001:db8::17", facts.user_agent)
    assert abs(event.at - signature.signed_at) < timedelta(seconds=5)
    entry = AuditEntry.objects.get(action="signature.signed")
    assert entry.alliance == cast.alliance
    assert entry.actor == cast.member
    assert entry.object_id == str(signature.pk)
    assert entry.changes == {
        "version": 1,
        "sha256": version.sha256,
        "identity": Signature.Identity.EMAIL_CODE,
    }


def test_a_personal_member_represents_no_organisation(cast, version):
    signature = sign_as(
        cast, version, cast.member, personal_member=True, organisation="Växjö municipality"
    )

    signature.refresh_from_db()
    assert signature.personal_member is True
    assert signature.organisation == ""
    assert signature.identity_method == Signature.Identity.LOGIN


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent": False}, "consent", ERR_CONSENT),
        ({"typed_name": "   "}, "typed_name", ERR_TYPED_NAME),
        ({"contact": ""}, "contact", ERR_CONTACT),
        (
            {"organisation": " ", "personal_member": False},
            "organisation",
            ERR_ORGANISATION_OR_PERSONAL,
        ),
    ],
)
def test_missing_details_are_field_errors(cast, version, overrides, field, message):
    signature = request_for(cast, version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        sign_as(cast, version, cast.member, **overrides)

    assert excinfo.value.message_dict == {field: [str(message)]}
    assert_nothing_signed(signature)


def test_all_missing_details_are_reported_together(cast, version):
    signature = request_for(cast, version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_sign(
            signature=signature,
            identity=Signature.Identity.LOGIN,
            facts=FACTS,
            shown_sha256=version.sha256,
        )

    assert set(excinfo.value.message_dict) == {"typed_name", "organisation", "contact", "consent"}
    assert_nothing_signed(signature)


def test_a_stale_text_hash_is_refused(cast, version):
    signature = request_for(cast, version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        sign_as(cast, version, cast.member, shown_sha256=text_sha256("Other", "text"))

    assert excinfo.value.messages == [str(ERR_TEXT_CHANGED)]
    assert_nothing_signed(signature)


def test_signing_twice_is_refused(cast, version, signed):
    first = evidence_of(signed)

    with pytest.raises(ValidationError) as excinfo:
        sign_as(cast, version, cast.member, typed_name="Someone Else")

    assert excinfo.value.code == "signed"
    assert evidence_of(signed) == first
    assert kinds(signed) == ["signed"]


# Declining and withdrawing ----------------------------------------------------------------------


def test_decline_then_sign_keeps_the_decline_in_the_log(cast, version):
    signature = request_for(cast, version, cast.member)
    services.signature_invite(signature=signature, actor=cast.coordinator)

    services.signature_decline(signature=signature, facts=FACTS, reason="  Not before we talk. ")

    signature.refresh_from_db()
    assert signature.status == Signature.Status.DECLINED
    assert signature.decline_reason == "Not before we talk."
    assert signature.declined_at is not None
    assert signature.link_nonce == ""
    declined = signature.events.get(kind="declined")
    assert declined.actor == cast.member
    assert declined.ip_address == FACTS.ip_address

    sign_as(cast, version, cast.member)

    signature.refresh_from_db()
    assert signature.status == Signature.Status.SIGNED
    assert signature.decline_reason == "Not before we talk."
    assert kinds(signature) == ["invited", "declined", "signed"]
    assert AuditEntry.objects.filter(action="signature.declined", object_id=str(signature.pk))


def test_declining_twice_is_refused(cast, version):
    signature = request_for(cast, version, cast.member)
    services.signature_decline(signature=signature, facts=FACTS, reason="No.")

    with pytest.raises(ValidationError) as excinfo:
        services.signature_decline(signature=signature, facts=FACTS, reason="Still no.")

    assert excinfo.value.code == "declined"
    signature.refresh_from_db()
    assert signature.decline_reason == "No."
    assert kinds(signature) == ["declined"]


def test_a_signed_agreement_cannot_be_declined(cast, version, signed):
    with pytest.raises(ValidationError) as excinfo:
        services.signature_decline(signature=signed, facts=FACTS)

    assert excinfo.value.code == "status"
    signed.refresh_from_db()
    assert signed.status == Signature.Status.SIGNED
    assert signed.declined_at is None


def test_an_unsigned_request_cannot_be_withdrawn(cast, version):
    signature = request_for(cast, version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_withdraw(signature=signature, facts=FACTS, reason="?")

    assert excinfo.value.code == "status"
    signature.refresh_from_db()
    assert signature.status == Signature.Status.PENDING
    assert signature.withdrawn_at is None
    assert not signature.events.exists()


def test_withdrawing_keeps_the_evidence(cast, version, signed):
    kept = evidence_of(signed)

    services.signature_withdraw(signature=signed, facts=FACTS, reason="  I left the board. ")

    assert evidence_of(signed) == kept
    assert signed.status == Signature.Status.WITHDRAWN
    assert signed.withdraw_reason == "I left the board."
    assert signed.withdrawn_at >= kept["signed_at"]
    assert kinds(signed) == ["signed", "withdrawn"]
    event = signed.events.get(kind="withdrawn")
    assert (event.actor, event.ip_address) == (cast.member, FACTS.ip_address)
    assert AuditEntry.objects.get(action="signature.withdrawn").alliance == cast.alliance


def test_a_withdrawn_signature_cannot_be_signed_again(cast, version, signed):
    services.signature_withdraw(signature=signed, facts=FACTS)

    with pytest.raises(ValidationError) as excinfo:
        sign_as(cast, version, cast.member)

    assert excinfo.value.code == "withdrawn"
    signed.refresh_from_db()
    assert signed.status == Signature.Status.WITHDRAWN
    assert kinds(signed) == ["signed", "withdrawn"]


def test_a_superseded_version_can_still_be_withdrawn_from(cast, agreement, version, signed):
    services.agreement_update(agreement=agreement, actor=cast.coordinator, body="New text.")
    publish_agreement(agreement, cast.coordinator)

    services.signature_withdraw(signature=signed, facts=FACTS, reason="Changed my mind.")

    signed.refresh_from_db()
    assert signed.status == Signature.Status.WITHDRAWN


# Who may sign -----------------------------------------------------------------------------------


def test_an_ended_membership_cannot_sign(cast, version):
    signature = request_for(cast, version, cast.member)
    alliance_services.membership_end(membership=cast.membership(cast.member), actor=cast.chair)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_sign(
            signature=signature,
            identity=Signature.Identity.LOGIN,
            facts=FACTS,
            **sign_details(version),
        )

    assert excinfo.value.messages == [str(ERR_NOT_A_SIGNER)]
    assert_nothing_signed(signature)
    signature.membership.refresh_from_db()
    with pytest.raises(ValidationError):
        services.signature_for_member(version=version, membership=signature.membership)


def test_an_observer_cannot_sign(cast, version):
    with pytest.raises(ValidationError) as excinfo:
        request_for(cast, version, cast.observer)
    assert excinfo.value.messages == [str(ERR_NOT_A_SIGNER)]
    assert not Signature.objects.filter(membership__user=cast.observer).exists()

    signature = request_for(cast, version, cast.member)
    alliance_services.membership_update(
        membership=cast.membership(cast.member), actor=cast.coordinator, role=Role.OBSERVER
    )
    with pytest.raises(ValidationError) as excinfo:
        services.signature_sign(
            signature=signature,
            identity=Signature.Identity.LOGIN,
            facts=FACTS,
            **sign_details(version),
        )
    assert excinfo.value.messages == [str(ERR_NOT_A_SIGNER)]
    assert_nothing_signed(signature)


# Translations -----------------------------------------------------------------------------------


def test_translation_of_the_current_version(cast, version):
    translation = add_swedish(cast, version)

    translation.refresh_from_db()
    assert translation.version == version
    assert translation.language == "sv"
    assert translation.body == SV_BODY.replace("\r\n", "\n")
    assert translation.sha256 == text_sha256(SV_TITLE, SV_BODY)
    assert translation.sha256 != version.sha256
    assert translation.added_by == cast.coordinator

    updated = add_swedish(cast, version, body="Ny text.")

    assert updated.pk == translation.pk
    assert updated.sha256 == text_sha256(SV_TITLE, "Ny text.")
    assert list(
        AuditEntry.objects.filter(action__startswith="agreement.translation")
        .order_by("created_at", "id")
        .values_list("action", "changes")
    ) == [
        ("agreement.translation_added", {"language": "sv", "sha256": translation.sha256}),
        ("agreement.translation_updated", {"language": "sv", "sha256": updated.sha256}),
    ]


def test_signing_the_translation_records_its_language_and_hash(cast, version):
    translation = add_swedish(cast, version)

    signature = sign_as(cast, version, cast.member, language="sv")

    signature.refresh_from_db()
    assert signature.language == "sv"
    assert signature.text_sha256 == translation.sha256
    assert signature.version_sha256 == version.sha256
    assert AuditEntry.objects.get(action="signature.signed").changes["sha256"] == (
        translation.sha256
    )


def test_the_translation_hash_must_match_what_was_read(cast, version):
    shown = add_swedish(cast, version).sha256
    add_swedish(cast, version, body="Ändrad text.")
    signature = request_for(cast, version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        sign_as(cast, version, cast.member, language="sv", shown_sha256=shown)

    assert excinfo.value.messages == [str(ERR_TEXT_CHANGED)]
    assert_nothing_signed(signature)


def test_a_signed_translation_can_no_longer_change(cast, version):
    translation = add_swedish(cast, version)
    sign_as(cast, version, cast.member, language="sv")

    with pytest.raises(ValidationError) as excinfo:
        add_swedish(cast, version, body="Ändrad text.")

    assert excinfo.value.messages == [str(ERR_TRANSLATION_SIGNED)]
    translation.refresh_from_db()
    assert translation.body == SV_BODY.replace("\r\n", "\n")
    assert translation.sha256 == text_sha256(SV_TITLE, SV_BODY)


def test_signing_the_original_does_not_lock_the_translation(cast, version):
    add_swedish(cast, version)
    sign_as(cast, version, cast.member)

    assert add_swedish(cast, version, body="Ändrad text.").body == "Ändrad text."


def test_a_translation_in_the_versions_own_language_is_refused(cast, version):
    with pytest.raises(ValidationError) as excinfo:
        services.translation_save(
            version=version, actor=cast.coordinator, language="en", title="T", body="B"
        )

    assert excinfo.value.message_dict == {"language": [str(ERR_TRANSLATION_LANGUAGE)]}
    assert not AgreementTranslation.objects.exists()


def test_a_superseded_version_gets_no_translation(cast, agreement, version):
    services.agreement_update(agreement=agreement, actor=cast.coordinator, body="New text.")
    publish_agreement(agreement, cast.coordinator)
    version.refresh_from_db()

    with pytest.raises(ValidationError) as excinfo:
        add_swedish(cast, version)

    assert excinfo.value.code == "superseded"
    assert not AgreementTranslation.objects.exists()


# Countersigning ---------------------------------------------------------------------------------


def test_the_chair_countersigns_a_signature(cast, countersigned_version):
    signature = sign_as(cast, countersigned_version, cast.member)
    assert signature.awaits_countersignature

    services.signature_countersign(
        signature=signature, actor=cast.chair, typed_name="  Carla Chair ", facts=FACTS
    )

    signature.refresh_from_db()
    assert signature.countersigned_by == cast.chair
    assert signature.countersigned_name == "Carla Chair"
    assert abs(timezone.now() - signature.countersigned_at) < timedelta(seconds=60)
    assert not signature.awaits_countersignature
    assert signature.status == Signature.Status.SIGNED
    event = signature.events.get(kind="countersigned")
    assert (event.actor, event.ip_address, event.user_agent) == (
        cast.chair,
        FACTS.ip_address,
        FACTS.user_agent,
    )
    entry = AuditEntry.objects.get(action="signature.countersigned")
    assert (entry.actor, entry.alliance) == (cast.chair, cast.alliance)


def test_countersigning_twice_is_refused(cast, countersigned_version):
    signature = sign_as(cast, countersigned_version, cast.member)
    services.signature_countersign(
        signature=signature, actor=cast.chair, typed_name="Carla Chair", facts=FACTS
    )

    with pytest.raises(ValidationError) as excinfo:
        services.signature_countersign(
            signature=signature, actor=cast.coordinator, typed_name="Other", facts=FACTS
        )

    assert excinfo.value.code == "countersigned"
    signature.refresh_from_db()
    assert (signature.countersigned_by, signature.countersigned_name) == (
        cast.chair,
        "Carla Chair",
    )
    assert kinds(signature) == ["signed", "countersigned"]


def test_only_a_signed_agreement_is_countersigned(cast, countersigned_version):
    signature = request_for(cast, countersigned_version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_countersign(
            signature=signature, actor=cast.chair, typed_name="Carla Chair", facts=FACTS
        )

    assert excinfo.value.code == "status"
    signature.refresh_from_db()
    assert signature.countersigned_at is None
    assert not signature.events.exists()


def test_countersigning_needs_a_typed_name(cast, countersigned_version):
    signature = sign_as(cast, countersigned_version, cast.member)

    with pytest.raises(ValidationError) as excinfo:
        services.signature_countersign(
            signature=signature, actor=cast.chair, typed_name="  ", facts=FACTS
        )

    assert excinfo.value.message_dict == {"typed_name": [str(ERR_TYPED_NAME)]}
    signature.refresh_from_db()
    assert signature.countersigned_at is None


def test_a_version_without_countersignature_is_not_countersigned(cast, version, signed):
    with pytest.raises(ValidationError) as excinfo:
        services.signature_countersign(
            signature=signed, actor=cast.chair, typed_name="Carla Chair", facts=FACTS
        )

    assert excinfo.value.code == "not_asked"
    signed.refresh_from_db()
    assert signed.countersigned_at is None
    assert kinds(signed) == ["signed"]


# The event log ----------------------------------------------------------------------------------


def test_events_are_append_only(cast, version, signed):
    event = signed.events.get()

    with pytest.raises(PermissionError):
        SignatureEvent.objects.filter(pk=event.pk).update(kind="declined")
    with pytest.raises(PermissionError):
        signed.events.update(ip_address="203.0.113.1")
    with pytest.raises(PermissionError):
        SignatureEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        event.delete()
    event.kind = "declined"
    with pytest.raises(PermissionError):
        event.save()

    stored = SignatureEvent.objects.get(pk=event.pk)
    assert (stored.kind, stored.ip_address) == ("signed", FACTS.ip_address)


def test_viewing_again_adds_no_event_until_something_else_happened(cast, version):
    signature = request_for(cast, version, cast.member)

    services.signature_viewed(signature=signature, actor=cast.member, facts=FACTS)
    services.signature_viewed(signature=signature, actor=cast.member, facts=FACTS)
    assert kinds(signature) == ["viewed"]

    services.signature_invite(signature=signature, actor=cast.coordinator)
    services.signature_viewed(signature=signature, actor=None, facts=FACTS)
    services.signature_viewed(signature=signature, actor=None, facts=FACTS)

    assert kinds(signature) == ["viewed", "invited", "viewed"]
    first, _invited, last = signature.events.order_by("at", "id")
    assert first.actor == cast.member
    assert last.actor is None
    assert last.ip_address == FACTS.ip_address
    assert AuditEntry.objects.filter(action="signature.viewed").count() == 2
