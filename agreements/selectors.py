"""Reads for commitment agreements: the text a member sees, versions and the status board."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from alliances.models import Membership

from .models import Agreement, AgreementVersion, Signature, SignatureEvent, by_seated_members

PENDING = Signature.Status.PENDING
# A member who signed, declined or withdrew has answered the version; only a request still
# pending, or none made yet, waits for them.
ANSWERED = (Signature.Status.SIGNED, Signature.Status.DECLINED, Signature.Status.WITHDRAWN)


@dataclass(frozen=True)
class DisplayedText:
    """The text of a version in one language, exactly as shown and hashed."""

    title: str
    body: str
    language: str
    sha256: str
    is_translation: bool

    @property
    def paragraphs(self) -> list[str]:
        return [part for part in self.body.split("\n\n") if part.strip()]


def agreement_of(alliance) -> Agreement | None:
    agreement = Agreement.objects.filter(alliance=alliance).select_related("updated_by").first()
    if agreement is not None:
        agreement.alliance = alliance
    return agreement


def current_version(agreement: Agreement | None) -> AgreementVersion | None:
    if agreement is None:
        return None
    version = (
        agreement.versions.filter(superseded_at__isnull=True)
        .select_related("published_by")
        .prefetch_related("translations")
        .first()
    )
    if version is not None:
        version.agreement = agreement
    return version


def agreement_versions(agreement: Agreement) -> list[AgreementVersion]:
    """Every version, newest first, with its signature counts."""
    return list(
        agreement.versions.select_related("published_by")
        .prefetch_related("translations")
        .annotate(
            signed_count=Count("signatures", filter=Q(signatures__status=Signature.Status.SIGNED)),
            declined_count=Count(
                "signatures", filter=Q(signatures__status=Signature.Status.DECLINED)
            ),
            withdrawn_count=Count(
                "signatures", filter=Q(signatures__status=Signature.Status.WITHDRAWN)
            ),
        )
    )


def displayed_text(version: AgreementVersion, language: str) -> DisplayedText:
    """The version in the asked language where a translation exists, else its own text."""
    if language and language != version.language:
        for translation in version.translations.all():
            if translation.language == language:
                return DisplayedText(
                    translation.title,
                    translation.body,
                    translation.language,
                    translation.sha256,
                    is_translation=True,
                )
    return DisplayedText(
        version.title, version.body, version.language, version.sha256, is_translation=False
    )


def text_languages(version: AgreementVersion) -> list[str]:
    """The languages this version can be read in, its own first."""
    return [version.language, *(t.language for t in version.translations.all())]


def member_signature(version: AgreementVersion | None, membership) -> Signature | None:
    if version is None or membership is None:
        return None
    signature = Signature.objects.filter(version=version, membership=membership).first()
    if signature is not None:
        signature.version, signature.membership = version, membership
    return signature


def earlier_signature(agreement: Agreement, membership) -> Signature | None:
    """The member's signature on the newest replaced version they signed, if any."""
    return (
        Signature.objects.filter(
            version__agreement=agreement,
            version__superseded_at__isnull=False,
            membership=membership,
            status=Signature.Status.SIGNED,
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


def member_signatures(agreement: Agreement, membership) -> list[Signature]:
    """All of a member's answers on this agreement, newest version first."""
    return list(
        Signature.objects.filter(version__agreement=agreement, membership=membership)
        .select_related("version")
        .order_by("-version__number")
    )


@dataclass
class BoardRow:
    membership: Membership
    signature: Signature | None

    @property
    def status(self) -> str:
        return self.signature.status if self.signature else Signature.Status.PENDING

    @property
    def last_event(self) -> SignatureEvent | None:
        if self.signature is None:
            return None
        events = list(self.signature.events.all())  # prefetched, oldest first
        return events[-1] if events else None

    @property
    def invited(self) -> bool:
        """Whether an invitation to sign this version was ever sent to them."""
        return self.signature is not None and self.signature.invited_at is not None

    @property
    def left_alliance(self) -> bool:
        return self.membership.ended_at is not None


@dataclass
class StatusBoard:
    version: AgreementVersion
    rows: list[BoardRow]
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(1 for row in self.rows if not row.left_alliance)

    def count(self, status: str) -> int:
        return self.counts[status]


def status_board(version: AgreementVersion, *, signing_roles) -> StatusBoard:
    """Everyone with a seat now, and anyone who answered this version before leaving, with
    their answer. Events come along so the last one can be shown without a query per row."""
    signatures = {
        signature.membership_id: signature
        for signature in version.signatures.select_related(
            "membership__user", "countersigned_by"
        ).prefetch_related(Prefetch("events", queryset=SignatureEvent.objects.order_by("at", "id")))
    }
    answered = [pk for pk, signature in signatures.items() if signature.status != PENDING]
    seats = Membership.objects.filter(alliance=version.agreement.alliance).filter(
        Q(ended_at__isnull=True, role__in=signing_roles) | Q(pk__in=answered)
    )
    rows = []
    for membership in seats.select_related("user").order_by(
        "user__first_name", "user__last_name", "pk"
    ):
        signature = signatures.get(membership.pk)
        if signature is not None:
            signature.version = version
        rows.append(BoardRow(membership=membership, signature=signature))
    counts = Counter(row.status for row in rows)
    return StatusBoard(version=version, rows=rows, counts=counts)


def signature_events(signature: Signature) -> list[SignatureEvent]:
    return list(signature.events.select_related("actor").order_by("at", "id"))


# The alliance overview --------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCounts:
    """Where the current version's signatures stand among the members who hold a seat now."""

    version: AgreementVersion
    signed: int
    declined: int
    seats: int

    @property
    def waiting(self) -> int:
        """Seated members who have not answered: never asked, asked, or withdrawn since."""
        return max(self.seats - self.signed - self.declined, 0)


def signature_counts(*, alliance, signing_roles) -> SignatureCounts | None:
    """The current version's signed / declined / waiting counts, in one query; None while no
    version is published. Only members who still hold a seat count, as on the status board."""
    seated = by_seated_members("signatures__")
    seats = (
        Membership.objects.active()
        .filter(alliance=OuterRef("agreement__alliance"), role__in=signing_roles)
        .order_by()
        .values("alliance")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    version = (
        AgreementVersion.objects.current()
        .filter(agreement__alliance=alliance)
        .annotate(
            signed_count=Count(
                "signatures", filter=Q(signatures__status=Signature.Status.SIGNED) & seated
            ),
            declined_count=Count(
                "signatures", filter=Q(signatures__status=Signature.Status.DECLINED) & seated
            ),
            seat_count=Coalesce(Subquery(seats, output_field=IntegerField()), 0),
        )
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    return SignatureCounts(
        version=version,
        signed=version.signed_count,
        declined=version.declined_count,
        seats=version.seat_count,
    )


def versions_awaiting_signature(*, user, alliance_ids) -> QuerySet[AgreementVersion]:
    """The current versions of the given alliances' agreements that `user` has not answered.
    `alliance_ids` are the alliances where they sign (the agreement page's "Read and sign")."""
    answered = Signature.objects.filter(
        version=OuterRef("pk"), membership__user=user, status__in=ANSWERED
    )
    return (
        AgreementVersion.objects.current()
        .filter(agreement__alliance__in=alliance_ids)
        .exclude(Exists(answered))
        .select_related("agreement__alliance")
        .order_by("published_at", "pk")
    )
