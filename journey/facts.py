"""What the journey's rules look at, read in a fixed number of queries, whatever the size of
the alliance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from actionplans.models import PlanVersion
from agreements.models import AgreementVersion, Signature, by_seated_members
from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership
from alliances.selectors import alliance_today
from meetings.models import Meeting
from outreach.models import CommunicationEntry, CommunicationPlan, InformationMaterial
from stakeholders.models import Gap, Stakeholder, SupportProgramme
from sustainability.models import Evaluation, Swot
from sustainability.rules import sustainability_months

# How many missing names a check lists before it says "and N more".
NAMES_SHOWN = 3
# A stakeholder's assessment says how they can contribute and how to engage them.
ASSESSED = ~Q(contribution="") & ~Q(engagement_strategy="")


# The facts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkshopFact:
    held: bool
    agenda_published: bool


@dataclass(frozen=True)
class EntryFact:
    audience: str
    frequency: str
    last_done: date | None
    entry: CommunicationEntry


@dataclass
class JourneyFacts:
    alliance: Alliance
    today: date
    now: datetime
    roles: list[str] = field(default_factory=list)
    material: InformationMaterial | None = None
    workshops: list[WorkshopFact] = field(default_factory=list)
    stakeholders: int = 0
    unassessed: list[str] = field(default_factory=list)  # the first few names
    unassessed_count: int = 0
    programmes: int = 0
    gaps: int = 0
    approved_version: object | None = None  # the latest-ending plan's newest approved version
    agreement_version: object | None = None
    signed: int = 0
    communication: CommunicationPlan | None = None
    entries: list[EntryFact] = field(default_factory=list)
    evaluations: int = 0
    complete_swots: int = 0
    sustainability: object | None = None
    sustainability_months: int = 0

    @property
    def seats(self) -> int:
        """Members who hold a seat: everyone but observers."""
        return sum(role != Role.OBSERVER for role in self.roles)


def _count(queryset) -> Coalesce:
    """A subquery counting the rows of `queryset` (filtered by alliance=OuterRef("pk"))."""
    counted = queryset.order_by().values("alliance").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _alliance_with_counts(alliance: Alliance) -> Alliance:
    """The alliance again, with its one-to-one records and every count the rules need, in one
    query."""

    mine = OuterRef("pk")
    stakeholders = Stakeholder.objects.filter(alliance=mine)
    return (
        Alliance.objects.filter(pk=alliance.pk)
        # The reminder settings hold the alliance's sustainability months: loaded here, asking
        # for them costs no query.
        .select_related(
            "information_material", "communication_plan__press_contact__user", "reminder_settings"
        )
        .annotate(
            stakeholder_count=_count(stakeholders),
            unassessed_count=_count(stakeholders.exclude(ASSESSED)),
            programme_count=_count(SupportProgramme.objects.filter(alliance=mine)),
            gap_count=_count(Gap.objects.filter(alliance=mine)),
            evaluation_count=_count(Evaluation.objects.filter(alliance=mine)),
            complete_swot_count=_count(Swot.objects.complete().filter(alliance=mine)),
        )
        .get()
    )


def _related(obj, name: str):
    """A reverse one-to-one loaded with select_related, or None when there is none."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def journey_facts(
    alliance: Alliance, *, now: datetime | None = None, roles: list[str] | None = None
) -> JourneyFacts:
    """Everything the rules look at, in a fixed number of queries (five to seven). `roles` are
    the active members' roles when the caller has them already."""

    now = now or timezone.now()
    loaded = _alliance_with_counts(alliance)
    facts = JourneyFacts(
        alliance=alliance,
        now=now,
        today=alliance_today(alliance, now=now),
    )
    facts.roles = (
        roles
        if roles is not None
        else list(
            Membership.objects.active().filter(alliance=alliance).values_list("role", flat=True)
        )
    )
    facts.material = _related(loaded, "information_material")
    facts.workshops = _workshops(alliance, now)
    facts.stakeholders = loaded.stakeholder_count
    facts.unassessed_count = loaded.unassessed_count
    if facts.unassessed_count:
        facts.unassessed = _unassessed_names(alliance)
    facts.programmes = loaded.programme_count
    facts.gaps = loaded.gap_count
    facts.evaluations = loaded.evaluation_count
    facts.complete_swots = loaded.complete_swot_count
    facts.approved_version = (
        PlanVersion.objects.approved()
        .filter(plan__alliance=alliance)
        .select_related("plan__sustainability_plan")
        .order_by("-plan__period_end", "-number")
        .first()
    )
    _load_agreement(facts)
    _load_communication(facts, _related(loaded, "communication_plan"))
    if facts.approved_version is not None:
        facts.sustainability = _related(facts.approved_version.plan, "sustainability_plan")
    facts.sustainability_months = sustainability_months(loaded)
    return facts


def _workshops(alliance: Alliance, now: datetime) -> list[WorkshopFact]:
    rows = (
        Meeting.objects.filter(alliance=alliance, kind=Meeting.Kind.INITIAL_WORKSHOP)
        .exclude(status=Meeting.Status.CANCELLED)
        .with_held(now)
        .values_list("is_held", "agenda_published_at")
    )
    return [WorkshopFact(held, published is not None) for held, published in rows]


def _unassessed_names(alliance: Alliance) -> list[str]:
    return list(
        Stakeholder.objects.filter(alliance=alliance)
        .exclude(ASSESSED)
        .order_by("organisation__name")
        .values_list("organisation__name", flat=True)[:NAMES_SHOWN]
    )


def _load_agreement(facts: JourneyFacts) -> None:
    """The current version with the signatures that count: members who still hold a seat."""

    counted = Q(signatures__status=Signature.Status.SIGNED) & by_seated_members("signatures__")
    version = (
        AgreementVersion.objects.current()
        .filter(agreement__alliance=facts.alliance)
        # Whether there is one, and its count: the text would only be carried and grouped by.
        .defer("body")
        .annotate(signed_count=Count("signatures", filter=counted))
        .order_by("-number")
        .first()
    )
    facts.agreement_version = version
    facts.signed = version.signed_count if version is not None else 0


def _load_communication(facts: JourneyFacts, plan: CommunicationPlan | None) -> None:
    facts.communication = plan
    if plan is None:
        return
    entries = plan.entries.annotate(last_done=Max("logs__date")).order_by("position", "pk")
    facts.entries = [
        EntryFact(entry.audience, entry.frequency, entry.last_done, entry) for entry in entries
    ]
