"""Every write on commitment agreements: validated, atomic, with a signer event and an audit entry.

Signing is deliberately strict: the text the member saw (its hash) must still be the text of the
current version, the consent must be ticked, and a version that has been replaced, a signature
already given or one withdrawn is refused with a reason.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from alliance_portal.client_address import client_ip
from alliance_portal.permissions import ROLE_CAPABILITIES, Capability
from alliance_portal.queue import enqueue_on_commit
from alliances.audit import audit_record
from alliances.models import Alliance, Membership, User
from alliances.selectors import content_language
from documents.services import document_store_when_committed

from .guide import guide_agreement
from .models import (
    MAX_USER_AGENT_CHARS,
    Agreement,
    AgreementTranslation,
    AgreementVersion,
    Signature,
    SignatureEvent,
    normalise_text,
    text_sha256,
)
from .selectors import displayed_text

CODE_DIGITS = 6
CODE_MAX_AGE = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_AFTER = timedelta(seconds=60)
# Roles that hold a seat and so sign; derived from the one capability table.
SIGNING_ROLES = tuple(
    role for role, caps in ROLE_CAPABILITIES.items() if Capability.SIGN_AGREEMENT in caps
)
AGREEMENT_FIELDS = ("title", "body", "language", "countersignature")

ERR_AGREEMENT_EXISTS = _("This alliance already has a commitment agreement.")
ERR_DRAFT_CHANGED = _(
    "The draft changed after you opened this page. Nothing was published; check the text and "
    "publish again."
)
ERR_NOTHING_TO_PUBLISH = _(
    "The draft is the same as the current version. Change the text before publishing a new version."
)
ERR_PLACEHOLDER_LEFT = _(
    "The text still asks for the alliance's vision and goals. Write them in before publishing."
)
ERR_EMPTY_TEXT = _("The agreement needs a title and a text.")
ERR_TEXT_CHANGED = _(
    "The text you read is no longer the text of this version. Nothing was signed; read the "
    "current text and sign again."
)
ERR_CONSENT = _("Tick the box to confirm that you sign this text.")
ERR_ORGANISATION_OR_PERSONAL = _(
    "Give the organisation you represent, or tick that you are a personal member."
)
ERR_CONTACT = _("Give the best way to contact you, e.g. an email address or a phone number.")
ERR_TYPED_NAME = _("Type your full name as your signature.")
ERR_NOT_A_SIGNER = _("Only members with a seat in the alliance sign its agreement.")
ERR_TRANSLATION_LANGUAGE = _("A translation must be in another language than the version.")
ERR_TRANSLATION_SIGNED = _(
    "Members have already signed this translation, so it can no longer change. Publish a new "
    "version to change the text."
)
ERR_CODE_TOO_SOON = _("A code was sent less than a minute ago. Check your inbox, then try again.")
ERR_CODE_EXPIRED = _("This code has expired or was never sent. Ask for a new code.")
ERR_CODE_WRONG = _("This code is not right. Check the latest email and try again.")
ERR_CODE_ATTEMPTS = _(
    "Too many wrong codes for this invitation. Log in to sign, or ask the coordinator to send "
    "you a new invitation."
)


@dataclass(frozen=True)
class RequestFacts:
    """Where a signer's request came from, as the evidence records it."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request) -> RequestFacts:
        return cls(
            ip_address=client_ip(request),
            # Recorded as sent, cut to the column's size: a browser's own string, not user input.
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT_CHARS],
        )


NO_REQUEST = RequestFacts()


# Drafting and publishing ----------------------------------------------------------------------


@transaction.atomic
def agreement_start(*, alliance: Alliance, actor: User, language: str | None = None) -> Agreement:
    """A new draft from the guide's text, with the alliance's vision and goals inserted; in the
    given language, else in the one the alliance writes in."""
    if Agreement.objects.filter(alliance=alliance).exists():
        raise ValidationError(ERR_AGREEMENT_EXISTS)
    language = language or content_language(alliance, actor)
    title, body = guide_agreement(alliance, language)
    agreement = Agreement(
        alliance=alliance, title=title, body=body, language=language, updated_by=actor
    )
    agreement.full_clean()
    agreement.save()
    audit_record(actor=actor, action="agreement.created", obj=agreement, alliance=alliance)
    return agreement


@transaction.atomic
def agreement_update(*, agreement: Agreement, actor: User, **fields) -> Agreement:
    changes = {}
    for name, value in fields.items():
        if name not in AGREEMENT_FIELDS:
            raise ValueError(f"{name} is not an editable agreement field")
        if name in ("title", "body"):
            value = normalise_text(value)
        if getattr(agreement, name) != value:
            # The text itself can be long: the log says that it changed, the versions keep it.
            changes[name] = (
                "changed" if name == "body" else {"from": getattr(agreement, name), "to": value}
            )
            setattr(agreement, name, value)
    if not changes:
        return agreement
    _save_draft(agreement, actor)
    audit_record(
        actor=actor,
        action="agreement.updated",
        obj=agreement,
        alliance=agreement.alliance,
        changes=changes,
    )
    return agreement


@transaction.atomic
def agreement_reset(*, agreement: Agreement, actor: User) -> Agreement:
    """The guide's text again, with the alliance's vision and goals as they are now."""
    agreement.title, agreement.body = guide_agreement(agreement.alliance, agreement.language)
    _save_draft(agreement, actor)
    audit_record(actor=actor, action="agreement.reset", obj=agreement, alliance=agreement.alliance)
    return agreement


def _save_draft(agreement: Agreement, actor: User) -> None:
    agreement.updated_by = actor
    agreement.full_clean()
    agreement.save()


def _placeholders() -> set[str]:
    from django.conf import settings
    from django.utils import translation

    texts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(str(_("[Write the alliance's vision and goals here.]")))
    return texts


def _check_publishable(agreement: Agreement, current: AgreementVersion | None) -> None:
    if not agreement.title.strip() or not agreement.body.strip():
        raise ValidationError(ERR_EMPTY_TEXT)
    if any(placeholder in agreement.body for placeholder in _placeholders()):
        raise ValidationError(ERR_PLACEHOLDER_LEFT)
    unchanged = current is not None and (
        current.sha256 == agreement.sha256
        and current.language == agreement.language
        and current.countersignature == agreement.countersignature
    )
    if unchanged:
        raise ValidationError(ERR_NOTHING_TO_PUBLISH)


@transaction.atomic
def agreement_publish(
    *,
    agreement: Agreement,
    actor: User,
    shown_sha256: str,
    invite: bool,
    shown_settings: dict | None = None,
    facts: RequestFacts = NO_REQUEST,
) -> AgreementVersion:
    """Freeze the draft as the next version, replacing the current one. Everyone with a seat is
    asked to sign it, including those who signed an earlier version: their signatures stay bound
    to what they signed."""
    agreement = (
        Agreement.objects.select_for_update().select_related("alliance").get(pk=agreement.pk)
    )
    if not constant_time_compare(shown_sha256, agreement.sha256):
        raise ValidationError(ERR_DRAFT_CHANGED)
    # The page also showed the language and whether the chair countersigns: those must hold too.
    for name, shown in (shown_settings or {}).items():
        if getattr(agreement, name) != shown:
            raise ValidationError(ERR_DRAFT_CHANGED)
    current = agreement.versions.filter(superseded_at__isnull=True).first()
    _check_publishable(agreement, current)
    if current is not None:
        current.supersede()
        current.save(update_fields=["superseded_at"])
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=(current.number + 1) if current else 1,
        title=normalise_text(agreement.title),
        body=normalise_text(agreement.body),
        language=agreement.language,
        sha256=agreement.sha256,
        countersignature=agreement.countersignature,
        published_by=actor,
    )
    version.agreement = agreement
    audit_record(
        actor=actor,
        action="agreement.published",
        obj=version,
        alliance=agreement.alliance,
        changes={"version": version.number, "sha256": version.sha256},
    )
    signatures = _create_missing_signatures(version)
    if invite:
        for signature in signatures:
            _invite(signature, actor=actor, facts=facts)
    return version


@transaction.atomic
def translation_save(
    *, version: AgreementVersion, actor: User, language: str, title: str, body: str
) -> AgreementTranslation:
    version.ensure_current()
    if language == version.language:
        raise ValidationError({"language": ERR_TRANSLATION_LANGUAGE})
    signed = Signature.objects.filter(version=version, language=language).exclude(
        signed_at__isnull=True
    )
    if signed.exists():
        raise ValidationError(ERR_TRANSLATION_SIGNED)
    title, body = normalise_text(title), normalise_text(body)
    translation = AgreementTranslation.objects.filter(version=version, language=language).first()
    created = translation is None
    translation = translation or AgreementTranslation(
        version=version, language=language, added_by=actor
    )
    translation.title, translation.body = title, body
    translation.sha256 = text_sha256(title, body)
    translation.full_clean()
    translation.save()
    audit_record(
        actor=actor,
        action="agreement.translation_added" if created else "agreement.translation_updated",
        obj=version,
        alliance=version.agreement.alliance,
        changes={"language": language, "sha256": translation.sha256},
    )
    return translation


# Invitations ------------------------------------------------------------------------------------


def _signing_memberships(alliance: Alliance):
    return Membership.objects.active().filter(alliance=alliance, role__in=SIGNING_ROLES)


def _create_missing_signatures(version: AgreementVersion) -> list[Signature]:
    """A signature request for every member with a seat who has none for this version yet."""
    alliance = version.agreement.alliance
    existing = set(version.signatures.values_list("membership_id", flat=True))
    created = Signature.objects.bulk_create(
        Signature(version=version, membership=membership)
        for membership in _signing_memberships(alliance).select_related("user")
        if membership.pk not in existing
    )
    return list(
        version.signatures.filter(pk__in=[s.pk for s in created]).select_related(
            "membership__user", "version__agreement__alliance"
        )
    )


@transaction.atomic
def signature_for_member(*, version: AgreementVersion, membership: Membership) -> Signature:
    """The member's signature request on this version, created if they joined after it was
    published."""
    same_alliance = membership.alliance_id == version.agreement.alliance_id
    if not same_alliance or not is_signer(membership):
        raise ValidationError(ERR_NOT_A_SIGNER)
    signature, _created = Signature.objects.get_or_create(version=version, membership=membership)
    signature.version, signature.membership = version, membership
    return signature


def _record(signature: Signature, kind: str, *, actor, facts: RequestFacts, changes=None) -> None:
    SignatureEvent.objects.create(
        signature=signature,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
    )
    audit_record(
        actor=actor,
        action=f"signature.{kind}",
        obj=signature,
        alliance=signature.version.agreement.alliance,
        changes={"version": signature.version.number, **(changes or {})},
    )


def _invite(signature: Signature, *, actor: User, facts: RequestFacts) -> None:
    from .tasks import send_signing_invitation

    nonce = signature.issue_link()
    # Wrong codes are counted per invitation, not per code, so asking for new codes does not
    # buy more guesses; a new invitation starts the count again.
    signature.code_attempts = 0
    signature.save(update_fields=["link_nonce", "invited_at", "code_attempts"])
    _record(signature, SignatureEvent.Kind.INVITED, actor=actor, facts=facts)
    enqueue_on_commit(send_signing_invitation, signature.pk, nonce)


@transaction.atomic
def signature_invite(
    *, signature: Signature, actor: User, facts: RequestFacts = NO_REQUEST
) -> Signature:
    """A new invitation email; the previous link stops working."""
    signature = _locked(signature)
    _check_signer(signature)
    _invite(signature, actor=actor, facts=facts)
    return signature


@transaction.atomic
def signatures_invite_unsigned(
    *, version: AgreementVersion, actor: User, facts: RequestFacts = NO_REQUEST
) -> int:
    """Invite every member with a seat who has neither signed nor declined this version."""
    version.ensure_current()
    _create_missing_signatures(version)
    waiting = version.signatures.filter(
        status=Signature.Status.PENDING,
        membership__ended_at__isnull=True,
        membership__role__in=SIGNING_ROLES,
    ).select_related("membership__user", "version__agreement__alliance")
    count = 0
    for signature in waiting.select_for_update(of=("self",)):
        _invite(signature, actor=actor, facts=facts)
        count += 1
    return count


@transaction.atomic
def signature_email_sent(*, signature: Signature) -> None:
    _record(signature, SignatureEvent.Kind.EMAIL_SENT, actor=None, facts=NO_REQUEST)


@transaction.atomic
def signature_viewed(*, signature: Signature, actor, facts: RequestFacts) -> None:
    """One "viewed" event per visit: reloading the page does not add another."""
    last = signature.events.order_by("-at", "-id").first()
    if last is not None and last.kind == SignatureEvent.Kind.VIEWED:
        return
    _record(signature, SignatureEvent.Kind.VIEWED, actor=actor, facts=facts)


# One-time codes -----------------------------------------------------------------------------------


def _code_hash(signature: Signature, code: str) -> str:
    return salted_hmac(
        "alliances.agreement.code", f"{signature.pk}:{code}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def signature_code_send(*, signature: Signature, facts: RequestFacts) -> None:
    """A fresh code to the member's own address. Sent straight away rather than through the
    queue, so the code is never stored anywhere but in the mail."""
    from .emails import signing_code_email_send

    signature = _locked(signature)
    _check_signer(signature)
    signature.ensure_signable()
    now = timezone.now()
    if signature.code_attempts >= CODE_MAX_ATTEMPTS:
        raise ValidationError(ERR_CODE_ATTEMPTS)
    if signature.code_sent_at and now - signature.code_sent_at < CODE_RESEND_AFTER:
        raise ValidationError(ERR_CODE_TOO_SOON)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    signature.code_hash = _code_hash(signature, code)
    signature.code_sent_at = now
    signature.save(update_fields=["code_hash", "code_sent_at"])
    _record(signature, SignatureEvent.Kind.CODE_SENT, actor=None, facts=facts)
    transaction.on_commit(lambda: signing_code_email_send(signature=signature, code=code))


def signature_code_confirm(*, signature: Signature, code: str, facts: RequestFacts) -> None:
    """Raises ValidationError unless the code is the latest one sent, in time.

    Every check first takes an attempt with one UPDATE that also tests the limit, so requests
    sent at the same moment cannot all pass the test before any of them counts: at most
    CODE_MAX_ATTEMPTS codes are ever compared per invitation. A wrong code keeps its attempt
    (saved outside the refusal, which raises); the right one gives it back.
    """
    signature.refresh_from_db(fields=["code_hash", "code_sent_at"])
    expired = not signature.code_hash or (timezone.now() - signature.code_sent_at > CODE_MAX_AGE)
    if expired:
        raise ValidationError(ERR_CODE_EXPIRED)
    attempt_taken = Signature.objects.filter(
        pk=signature.pk, code_attempts__lt=CODE_MAX_ATTEMPTS
    ).update(code_attempts=F("code_attempts") + 1)
    if not attempt_taken:
        raise ValidationError(ERR_CODE_ATTEMPTS)
    if not constant_time_compare(_code_hash(signature, code.strip()), signature.code_hash):
        raise ValidationError(ERR_CODE_WRONG)
    with transaction.atomic():
        # Only one request can use the code: a second one finds it gone.
        used = Signature.objects.filter(pk=signature.pk, code_hash=signature.code_hash).update(
            code_hash="", code_attempts=F("code_attempts") - 1
        )
        if not used:
            raise ValidationError(ERR_CODE_EXPIRED)
        _record(
            signature,
            SignatureEvent.Kind.IDENTITY_CONFIRMED,
            actor=signature.membership.user,
            facts=facts,
        )


# Signing, declining, withdrawing, countersigning ------------------------------------------------


def _locked(signature: Signature) -> Signature:
    """The signature re-read under a row lock, so two submissions cannot both pass."""
    locked = (
        Signature.objects.select_for_update(of=("self",))
        .select_related("version__agreement__alliance", "membership__user")
        .get(pk=signature.pk)
    )
    return locked


def is_signer(membership: Membership) -> bool:
    """Whether this seat signs now: an active membership in a role that holds a seat."""
    return membership.is_active and membership.role in SIGNING_ROLES


def _check_signer(signature: Signature) -> None:
    if not is_signer(signature.membership):
        raise ValidationError(ERR_NOT_A_SIGNER)


def _sign_evidence(signature: Signature, details: dict, facts: RequestFacts, identity: str):
    """What a signature records, checked field by field."""
    errors = {}
    typed_name = details.get("typed_name", "").strip()
    organisation = details.get("organisation", "").strip()
    personal = bool(details.get("personal_member"))
    contact = details.get("contact", "").strip()
    if not typed_name:
        errors["typed_name"] = ERR_TYPED_NAME
    if not personal and not organisation:
        errors["organisation"] = ERR_ORGANISATION_OR_PERSONAL
    if not contact:
        errors["contact"] = ERR_CONTACT
    if not details.get("consent"):
        errors["consent"] = ERR_CONSENT
    if errors:
        raise ValidationError(errors)
    shown = displayed_text(signature.version, details.get("language", ""))
    if not constant_time_compare(details.get("shown_sha256", ""), shown.sha256):
        raise ValidationError(ERR_TEXT_CHANGED)
    return {
        "typed_name": typed_name,
        "organisation": "" if personal else organisation,
        "personal_member": personal,
        "contact": contact,
        "language": shown.language,
        "text_sha256": shown.sha256,
        "version_sha256": signature.version.sha256,
        "ip_address": facts.ip_address,
        "user_agent": facts.user_agent,
        "identity_method": identity,
    }


@transaction.atomic
def signature_sign(
    *, signature: Signature, identity: str, facts: RequestFacts, **details
) -> Signature:
    """Sign as the member the request belongs to. `details`: typed_name, organisation,
    personal_member, contact, consent, language (of the text shown), shown_sha256."""
    signature = _locked(signature)
    _check_signer(signature)
    signature.ensure_signable()
    signature.sign(evidence=_sign_evidence(signature, details, facts, identity))
    signature.full_clean()
    signature.save()
    _record(
        signature,
        SignatureEvent.Kind.SIGNED,
        actor=signature.membership.user,
        facts=facts,
        changes={"sha256": signature.text_sha256, "identity": identity},
    )
    document_store_when_committed("signature", signature)
    return signature


@transaction.atomic
def signature_decline(*, signature: Signature, facts: RequestFacts, reason: str = "") -> Signature:
    signature = _locked(signature)
    _check_signer(signature)
    signature.decline(reason=reason.strip())
    signature.full_clean()
    signature.save()
    _record(signature, SignatureEvent.Kind.DECLINED, actor=signature.membership.user, facts=facts)
    return signature


@transaction.atomic
def signature_withdraw(*, signature: Signature, facts: RequestFacts, reason: str = "") -> Signature:
    signature = _locked(signature)
    signature.withdraw(reason=reason.strip())
    signature.full_clean()
    signature.save()
    _record(signature, SignatureEvent.Kind.WITHDRAWN, actor=signature.membership.user, facts=facts)
    document_store_when_committed("signature", signature)
    return signature


@transaction.atomic
def signature_countersign(
    *,
    signature: Signature,
    actor: User,
    typed_name: str,
    facts: RequestFacts,
    confirmed_by: str = "",
) -> Signature:
    """The chair's countersignature; `confirmed_by` is how they proved it was them just before
    (alliances.signin), kept in the audit log."""
    signature = _locked(signature)
    if not typed_name.strip():
        raise ValidationError({"typed_name": ERR_TYPED_NAME})
    signature.countersign(by=actor, typed_name=typed_name.strip())
    signature.full_clean()
    signature.save()
    _record(
        signature,
        SignatureEvent.Kind.COUNTERSIGNED,
        actor=actor,
        facts=facts,
        changes={"confirmed_by": confirmed_by} if confirmed_by else None,
    )
    document_store_when_committed("signature", signature)
    return signature
