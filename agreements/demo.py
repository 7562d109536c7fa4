"""Demo commitment agreement: version 1 published with a translation (Swedish in the Kronoberg
demo), most members signed, one declined, some still to answer, and the chair countersigning."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from alliances.models import Alliance, Membership, User

from . import services
from .guide import guide_agreement
from .models import Agreement, Signature
from .selectors import displayed_text

# The demo's requests come from a documentation address range, never a real client.
DEMO_FACTS = services.RequestFacts(ip_address="192.0.2.10", user_agent="Demo data")
DECLINE_REASON = "Our board meets in the spring and must approve the commitment first."


@dataclass(frozen=True)
class AgreementContent:
    """One demo alliance's agreement: the language it is published in, its translation, and
    who answers how (seats counted in the order the members joined)."""

    language: str
    translation_language: str
    decline_reason: str
    declining_seat: int = 6
    first_unanswered_seat: int = 7  # this seat and the ones after have not answered yet
    # The alliance's vision and goals in the translation's language; without them the
    # translation quotes the alliance's own.
    translated_vision: str = ""
    translated_goals: str = ""


KRONOBERG_AGREEMENT = AgreementContent(
    language="en", translation_language="sv", decline_reason=DECLINE_REASON
)


def has_agreement(alliance: Alliance) -> bool:
    return Agreement.objects.filter(alliance=alliance).exists()


def seed_agreement(
    *,
    alliance: Alliance,
    coordinator: User,
    chair: User,
    content: AgreementContent = KRONOBERG_AGREEMENT,
) -> None:
    agreement = services.agreement_start(
        alliance=alliance, actor=coordinator, language=content.language
    )
    services.agreement_update(agreement=agreement, actor=coordinator, countersignature=True)
    version = services.agreement_publish(
        agreement=agreement, actor=coordinator, shown_sha256=agreement.sha256, invite=False
    )
    translated = SimpleNamespace(
        name=alliance.name,
        vision=content.translated_vision or alliance.vision,
        goals=content.translated_goals or alliance.goals,
    )
    title, body = guide_agreement(translated, content.translation_language)
    services.translation_save(
        version=version,
        actor=coordinator,
        language=content.translation_language,
        title=title,
        body=body,
    )
    signatures = {
        signature.membership.user.email: signature
        for signature in version.signatures.select_related("membership__user")
    }
    members = Membership.objects.active().filter(alliance=alliance).select_related("user")
    for index, membership in enumerate(members.order_by("pk")):
        signature = signatures.get(membership.user.email)
        if signature is None:
            continue  # observers hold no seat and do not sign
        _answer(signature, membership, index, content)
    for signature in version.signatures.filter(status=Signature.Status.SIGNED)[:2]:
        services.signature_countersign(
            signature=signature, actor=chair, typed_name=chair.get_full_name(), facts=DEMO_FACTS
        )


def _answer(
    signature: Signature, membership: Membership, index: int, content: AgreementContent
) -> None:
    """Most sign in their own language where it has a text; one seat declines and the last
    ones have not answered yet."""
    if index == content.declining_seat:
        services.signature_decline(
            signature=signature, facts=DEMO_FACTS, reason=content.decline_reason
        )
        return
    if index >= content.first_unanswered_seat:
        return
    user = membership.user
    text = displayed_text(signature.version, user.preferred_language)
    services.signature_viewed(signature=signature, actor=user, facts=DEMO_FACTS)
    services.signature_sign(
        signature=signature,
        identity=Signature.Identity.LOGIN,
        facts=DEMO_FACTS,
        typed_name=user.get_full_name(),
        organisation=membership.organisation_name,
        personal_member=not membership.organisation_name,
        contact=user.email,
        consent=True,
        language=text.language,
        shown_sha256=text.sha256,
    )
