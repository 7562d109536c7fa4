"""Reads for commitment agreements: the text a member sees, versions and the status board."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

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
        events = list(self.signature.events.all())  # prefetched: the newest only
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
    """The rows shown (a page of the board, or all of it) and the counts of the whole board."""

    version: AgreementVersion
    rows: list[BoardRow]
    counts: Counter = field(default_factory=Counter)
    # Members on the whole board who still hold a seat (those who left after answering do not).
    seated: int = 0

    @property
    def total(self) -> int:
        return self.seated

    def count(self, status: str) -> int:
        return self.counts[status]


def board_members(version: AgreementVersion, *, signing_roles) -> QuerySet[Membership]:
    """Everyone with a seat now, and anyone who answered this version before leaving, in name
    order, each with `board_status`: their answer, "pending" when they have no signature yet."""
    answer = FilteredRelation(
        "agreement_signatures", condition=Q(agreement_signatures__version=version)
    )
    return (
        Membership.objects.filter(alliance_id=version.agreement.alliance_id)
        .alias(answer=answer)
        .filter(Q(ended_at__isnull=True, role__in=signing_roles) | Q(answer__status__in=ANSWERED))
        .annotate(board_status=Coalesce(F("answer__status"), Value(PENDING)))
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def _board_counts(members: QuerySet[Membership]) -> tuple[Counter, int]:
    """Each answer's count and the seats held, over every member of the board, in one query."""
    totals = members.order_by().aggregate(
        seated=Count("pk", filter=Q(ended_at__isnull=True)),
        **{
            status: Count("pk", filter=Q(board_status=status)) for status in Signature.Status.values
        },
    )
    seated = totals.pop("seated")
    return Counter(totals), seated


def _last_events() -> QuerySet[SignatureEvent]:
    """Only the newest event of each signature: the board shows no other."""
    return SignatureEvent.objects.annotate(
        newest=Window(
            RowNumber(), partition_by=F("signature_id"), order_by=[F("at").desc(), F("pk").desc()]
        )
    ).filter(newest=1)


def status_board(
    version: AgreementVersion, *, signing_roles, members: Iterable[Membership] | None = None
) -> StatusBoard:
    """Rows for `members` (a page of `board_members`; the whole board when None) with their
    signatures and last events, and the counts of the whole board: a fixed number of queries,
    however many members the alliance has."""
    board = board_members(version, signing_roles=signing_roles)
    counts, seated = _board_counts(board)
    memberships = list(board if members is None else members)
    signatures = {
        signature.membership_id: signature
        for signature in version.signatures.filter(
            membership_id__in=[membership.pk for membership in memberships]
        )
        .select_related("countersigned_by")
        .prefetch_related(Prefetch("events", queryset=_last_events()))
    }
    rows = []
    for membership in memberships:
        signature = signatures.get(membership.pk)
        if signature is not None:
            signature.version, signature.membership = version, membership
        rows.append(BoardRow(membership=membership, signature=signature))
    return StatusBoard(version=version, rows=rows, counts=counts, seated=seated)


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
        .defer("body")  # counted, not read: the text would only be carried and grouped by
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
