"""The commitment agreement: a draft, its published versions and translations, and signatures.

The coordinator edits one draft per alliance. Publishing freezes the draft as a version: its exact
text and the SHA-256 of that text. Each member's signature is bound to one version, with the
evidence a later reader needs (who, what text, when, from where, how identity was confirmed) and
an event log. Versions, signatures and events are never deleted; a later version supersedes an
earlier one, and the earlier signatures keep pointing at the text they signed.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.exceptions import InvalidTransition
from alliance_portal.models import AppendOnlyModel, AppendOnlyQuerySet, limited_text
from alliance_portal.permissions import Role

MAX_BODY_CHARS = 20_000
MAX_REASON_CHARS = 2_000
MAX_USER_AGENT_CHARS = 1_000

ERR_SUPERSEDED = _(
    "This version of the agreement has been replaced by a newer one. Read and sign the current "
    "version instead."
)
ERR_ALREADY_SIGNED = _("You have already signed this version of the agreement.")
ERR_SIGNATURE_WITHDRAWN = _(
    "You withdrew your signature from this version. It cannot be signed again; the next "
    "version of the agreement can be."
)
ERR_DECLINE_STATUS = _("Only an agreement you have not signed yet can be declined.")
ERR_ALREADY_DECLINED = _("You have already declined this version of the agreement.")
ERR_WITHDRAW_STATUS = _("Only a signature that has been given can be withdrawn.")
ERR_COUNTERSIGN_NOT_ASKED = _("This version of the agreement is not countersigned by the chair.")
ERR_COUNTERSIGN_STATUS = _("Only a signed agreement can be countersigned.")
ERR_ALREADY_COUNTERSIGNED = _("This signature has already been countersigned.")
ERR_EVENTS_APPEND_ONLY = "Signature events are append-only."


def normalise_text(text: str) -> str:
    """One way of writing a text: LF line endings and no surrounding blank space, so the hash
    of what people read does not depend on their browser's line endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def text_sha256(title: str, body: str) -> str:
    """SHA-256 of the text as shown: the title, a blank line, then the body, in UTF-8."""
    document = f"{normalise_text(title)}\n\n{normalise_text(body)}"
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def body_field(verbose_name) -> models.TextField:
    return models.TextField(
        verbose_name, max_length=MAX_BODY_CHARS, validators=[MaxLengthValidator(MAX_BODY_CHARS)]
    )


class Agreement(models.Model):
    """The alliance's working draft. Members read and sign published versions, never this."""

    alliance = models.OneToOneField(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="agreement",
        verbose_name=_("alliance"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = body_field(_("text"))
    language = models.CharField(_("language of the text"), max_length=8, choices=settings.LANGUAGES)
    countersignature = models.BooleanField(
        _("the chair countersigns each signature"),
        default=False,
        help_text=_("The chair confirms each member's signature with their own."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_agreement"
        verbose_name = _("commitment agreement")
        verbose_name_plural = _("commitment agreements")

    def __str__(self) -> str:
        return self.title

    @property
    def sha256(self) -> str:
        return text_sha256(self.title, self.body)


class AgreementVersionQuerySet(models.QuerySet):
    def current(self) -> AgreementVersionQuerySet:
        """The versions no later one has replaced (`is_current`): one for each agreement."""
        return self.filter(superseded_at__isnull=True)


class AgreementVersion(models.Model):
    """A published version: the exact text members sign, frozen with its hash."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="versions", verbose_name=_("agreement")
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = body_field(_("text"))
    language = models.CharField(_("language of the text"), max_length=8, choices=settings.LANGUAGES)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    countersignature = models.BooleanField(_("countersigned by the chair"), default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    objects = AgreementVersionQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_agreementversion"
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return str(
            _("%(title)s, version %(number)d") % {"title": self.title, "number": self.number}
        )

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def ensure_current(self) -> None:
        if not self.is_current:
            raise InvalidTransition(ERR_SUPERSEDED, code="superseded")

    def supersede(self) -> None:
        self.ensure_current()
        self.superseded_at = timezone.now()


class AgreementTranslation(models.Model):
    """The same version in another language, with the hash of that text."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="translations",
        verbose_name=_("version"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = body_field(_("text"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_agreementtranslation"
        ordering = ["version", "language"]
        verbose_name = _("agreement translation")
        verbose_name_plural = _("agreement translations")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="agreement_translation_unique_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.language})"


def by_seated_members(prefix: str = "") -> Q:
    """Signatures that count for the alliance: by a member who still holds a seat (the
    membership has not ended and is not an observer's). `prefix` reaches signatures from
    another model, e.g. "signatures__" from a version."""
    return Q(**{f"{prefix}membership__ended_at__isnull": True}) & ~Q(
        **{f"{prefix}membership__role": Role.OBSERVER}
    )


class SignatureQuerySet(models.QuerySet):
    def by_seated_members(self) -> SignatureQuerySet:
        return self.filter(by_seated_members())


class Signature(models.Model):
    """One member's answer to one version: asked, signed, declined or withdrawn.

    The evidence fields are written once, when the member signs, and never change afterwards;
    declining and withdrawing add their own fields and events and keep the rest.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Not signed yet")
        SIGNED = "signed", _("Signed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Identity(models.TextChoices):
        LOGIN = "login", _("Logged in to the portal with their password")
        EMAIL_CODE = "email_code", _("Entered a one-time code sent to their email address")

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("version"),
    )
    membership = models.ForeignKey(
        "alliances.Membership",
        on_delete=models.PROTECT,
        related_name="agreement_signatures",
        verbose_name=_("member"),
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    # The emailed link carries this nonce; a new invitation replaces it and signing clears it,
    # so an old or used link stops working.
    link_nonce = models.CharField(max_length=32, blank=True)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    # The one-time code, stored only as a keyed hash.
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)

    typed_name = models.CharField(_("name typed as signature"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    personal_member = models.BooleanField(_("personal member"), default=False)
    contact = models.CharField(_("best way to be contacted"), max_length=254, blank=True)
    language = models.CharField(_("language signed in"), max_length=8, blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the text signed"), max_length=64, blank=True)
    version_sha256 = models.CharField(_("SHA-256 of the version"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=MAX_USER_AGENT_CHARS, blank=True)
    identity_method = models.CharField(
        _("identity confirmed by"), max_length=16, choices=Identity.choices, blank=True
    )

    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    decline_reason = limited_text(_("reason for declining"), MAX_REASON_CHARS)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdraw_reason = limited_text(_("reason for withdrawing"), MAX_REASON_CHARS)

    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("countersigned by"),
    )
    countersigned_name = models.CharField(_("countersigned as"), max_length=200, blank=True)
    countersigned_at = models.DateTimeField(_("countersigned"), null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_signature"
        ordering = ["version", "membership__user__first_name", "membership__user__last_name"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "membership"], name="one_signature_per_member_and_version"
            )
        ]

    def __str__(self) -> str:
        return str(
            _("%(member)s on %(version)s") % {"member": self.signer, "version": self.version}
        )

    @property
    def signer(self):
        return self.membership.user

    @property
    def alliance(self):
        return self.version.agreement.alliance

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def awaits_countersignature(self) -> bool:
        return self.is_signed and self.version.countersignature and not self.countersigned_at

    def ensure_signable(self) -> None:
        """Raises InvalidTransition with the reason this signature cannot be given now."""
        self.version.ensure_current()
        if self.status == self.Status.SIGNED:
            raise InvalidTransition(ERR_ALREADY_SIGNED, code="signed")
        if self.status == self.Status.WITHDRAWN:
            raise InvalidTransition(ERR_SIGNATURE_WITHDRAWN, code="withdrawn")

    def issue_link(self) -> str:
        """A fresh nonce for a new invitation link; earlier links stop working."""
        self.ensure_signable()
        self.link_nonce = uuid.uuid4().hex
        self.invited_at = timezone.now()
        return self.link_nonce

    def sign(self, *, evidence: dict) -> None:
        """Record the signature. A member who declined may still change their mind and sign."""
        self.ensure_signable()
        for name, value in evidence.items():
            setattr(self, name, value)
        self.status = self.Status.SIGNED
        self.signed_at = timezone.now()
        self.link_nonce = ""
        self.code_hash = ""

    def decline(self, *, reason: str) -> None:
        self.version.ensure_current()
        if self.status == self.Status.DECLINED:
            raise InvalidTransition(ERR_ALREADY_DECLINED, code="declined")
        if self.status != self.Status.PENDING:
            raise InvalidTransition(ERR_DECLINE_STATUS, code="status")
        self.status = self.Status.DECLINED
        self.declined_at = timezone.now()
        self.decline_reason = reason
        self.link_nonce = ""

    def withdraw(self, *, reason: str) -> None:
        """Withdrawing is possible on any version signed, superseded or not: it is the member's
        word, and the record of the signature stays."""
        if self.status != self.Status.SIGNED:
            raise InvalidTransition(ERR_WITHDRAW_STATUS, code="status")
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = timezone.now()
        self.withdraw_reason = reason

    def countersign(self, *, by, typed_name: str) -> None:
        if not self.version.countersignature:
            raise InvalidTransition(ERR_COUNTERSIGN_NOT_ASKED, code="not_asked")
        if self.status != self.Status.SIGNED:
            raise InvalidTransition(ERR_COUNTERSIGN_STATUS, code="status")
        if self.countersigned_at is not None:
            raise InvalidTransition(ERR_ALREADY_COUNTERSIGNED, code="countersigned")
        self.countersigned_by = by
        self.countersigned_name = typed_name
        self.countersigned_at = timezone.now()


class SignatureEvent(AppendOnlyModel):
    """One step in a signer's history, with the time (UTC) and where the request came from."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("Invited to sign")
        EMAIL_SENT = "email_sent", _("Invitation email sent")
        VIEWED = "viewed", _("Viewed the agreement")
        CODE_SENT = "code_sent", _("One-time code sent")
        IDENTITY_CONFIRMED = "identity_confirmed", _("Email address confirmed with the code")
        SIGNED = "signed", _("Signed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrew the signature")
        COUNTERSIGNED = "countersigned", _("Countersigned by the chair")

    signature = models.ForeignKey(
        Signature, on_delete=models.PROTECT, related_name="events", verbose_name=_("signature")
    )
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=MAX_USER_AGENT_CHARS, blank=True)

    APPEND_ONLY_MESSAGE = ERR_EVENTS_APPEND_ONLY
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_signatureevent"
        ordering = ["signature", "at", "id"]
        verbose_name = _("signature event")
        verbose_name_plural = _("signature events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}"
