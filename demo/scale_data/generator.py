"""Writes the benchmark data, alliance by alliance, with bulk inserts."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from actionplans import selectors as plan_selectors
from actionplans.models import Action as PlanAction
from actionplans.models import ActionPlan, Goal, PlanVersion, ProgressUpdate
from agreements.models import (
    Agreement,
    AgreementVersion,
    Signature,
    SignatureEvent,
    text_sha256,
)
from alliance_portal.canonical import canonical_sha256
from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership, User
from meetings import selectors as meeting_selectors
from meetings.models import (
    AgendaItem,
    Meeting,
    MinutesItem,
    MinutesRevision,
    Participant,
    StandingItem,
)
from meetings.models import Minutes as MeetingMinutes
from stakeholders.models import (
    Contact,
    EngagementStatus,
    Level,
    Organisation,
    Stakeholder,
)

from .sizes import (
    AGENDA_ITEMS,
    CONTACTS_PER_ORGANISATION,
    GOALS,
    PROGRESS_UPDATES,
    Sizes,
    Totals,
    plan_sizes,
)
from .vocabulary import (
    FIRST_NAMES,
    LAST_NAMES,
    MUNICIPALITIES,
    ORGANISATION_KINDS,
    USER_AGENT,
    WORDS,
)

# Every generated account logs in with this password; the data is for benchmarks only.
PASSWORD = "bench-alliance-2026"  # noqa: S105
EMAIL_DOMAIN = "bench.alliance.example"
LARGE_ALLIANCE_PREFIX = "Alliance 0001"


class Generator:
    """Writes the data alliance by alliance; one transaction per alliance keeps memory flat."""

    def __init__(self, *, seed: int, scale: float, today: date | None = None, log=None):
        # Reproducible text, not secrets: a seeded generator is the point.
        self.random = random.Random(seed)  # noqa: S311
        self.scale = scale
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        self.log = log or (lambda message: None)
        self.password_hash = make_password(PASSWORD)
        self.totals = Totals()
        self._user_number = 0
        self._organisation_number = 0
        self._contact_number = 0

    # Small pieces of text and identity -------------------------------------------------------

    def words(self, count: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(count))

    def sentence(self, count: int = 12) -> str:
        return self.words(count).capitalize() + "."

    def paragraph(self, sentences: int = 3) -> str:
        return " ".join(self.sentence(self.random.randint(8, 16)) for _ in range(sentences))

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def token(self) -> str:
        return f"{self.random.getrandbits(256):064x}"

    def moment(self, day: date, hour: int = 9) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour)))

    # The whole run ---------------------------------------------------------------------------

    def run(self) -> Totals:
        sizes = plan_sizes(self.scale)
        for number, alliance_sizes in enumerate(sizes, start=1):
            with transaction.atomic():
                self.alliance(number, alliance_sizes)
            if number % 50 == 0 or number == len(sizes):
                self.log(f"{number} of {len(sizes)} alliances written")
        # Bulk-loaded tables have no statistics until autovacuum comes by; without them the
        # planner guesses, and the first measurements would be of its guesses.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return self.totals

    def alliance(self, number: int, sizes: Sizes) -> Alliance:
        municipality = MUNICIPALITIES[(number - 1) % len(MUNICIPALITIES)]
        alliance = Alliance.objects.create(
            name=f"Alliance {number:04d} for community mediation in {municipality}",
            region=f"{municipality} and its neighbouring municipalities",
            purpose=self.paragraph(2),
            vision=self.paragraph(1),
            goals=self.paragraph(2),
            rules_of_operation=self.paragraph(3),
            public_profile=self.paragraph(2),
            period_start=self.today - timedelta(days=300),
            period_end=self.today + timedelta(days=240),
            status=Alliance.Status.ACTIVE,
        )
        organisations = self.organisations(sizes.stakeholders, municipality)
        contacts = self.contacts(alliance, organisations)
        self.stakeholders(alliance, organisations)
        memberships = self.memberships(alliance, sizes.members, organisations, contacts)
        chair = memberships[0].user
        items = self.meetings(alliance, sizes.meetings, memberships, chair)
        self.action_plan(alliance, sizes.actions, memberships, organisations, items, chair)
        self.agreement(alliance, memberships)
        self.totals.alliances += 1
        return alliance

    # The register ----------------------------------------------------------------------------

    def organisations(self, count: int, municipality: str) -> list[Organisation]:
        rows = []
        for _ in range(count):
            self._organisation_number += 1
            kind, category, sector = self.random.choice(ORGANISATION_KINDS)
            rows.append(
                Organisation(
                    name=f"{municipality} {kind} {self._organisation_number:06d}",
                    category=category,
                    sector=sector,
                    municipality=municipality,
                    website=f"https://org{self._organisation_number:06d}.example.org/",
                    address=f"Storgatan {self.random.randint(1, 99)}, {municipality}",
                )
            )
        self.totals.organisations += count
        return Organisation.objects.bulk_create(rows)

    def contacts(self, alliance: Alliance, organisations: list[Organisation]) -> dict[int, Contact]:
        rows = []
        for organisation in organisations:
            for _ in range(CONTACTS_PER_ORGANISATION):
                self._contact_number += 1
                rows.append(
                    Contact(
                        alliance=alliance,
                        organisation=organisation,
                        name=self.person_name(),
                        title=self.random.choice(("Coordinator", "Head of unit", "Chair")),
                        phone=f"+46 470 {self._contact_number:06d}",
                        email=f"contact{self._contact_number:07d}@{EMAIL_DOMAIN}",
                        preferred_language=self.random.choice(("sv", "en")),
                    )
                )
        self.totals.contacts += len(rows)
        created = Contact.objects.bulk_create(rows)
        # The first contact of each organisation is the one a member's seat links to.
        return {contact.organisation_id: contact for contact in reversed(created)}

    def stakeholders(self, alliance: Alliance, organisations: list[Organisation]) -> None:
        statuses = list(EngagementStatus)
        rows = [
            Stakeholder(
                alliance=alliance,
                organisation=organisation,
                contribution=self.sentence(),
                what_matters=self.sentence(),
                impact=self.random.choice(list(Level)),
                interest=self.random.choice(list(Level)),
                engagement_strategy=self.sentence(),
                notes=self.sentence(),
                status=self.random.choice(statuses),
            )
            for organisation in organisations
        ]
        Stakeholder.objects.bulk_create(rows)
        self.totals.stakeholders += len(rows)

    def person_name(self) -> str:
        return f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"

    def memberships(
        self,
        alliance: Alliance,
        count: int,
        organisations: list[Organisation],
        contacts: dict[int, Contact],
    ) -> list[Membership]:
        users = []
        for _ in range(count):
            self._user_number += 1
            first, last = self.person_name().split(" ", 1)
            users.append(
                User(
                    username=f"bench{self._user_number:07d}",
                    email=f"member{self._user_number:07d}@{EMAIL_DOMAIN}",
                    first_name=first,
                    last_name=last,
                    password=self.password_hash,
                    preferred_language=self.random.choice(("sv", "sv", "en")),
                )
            )
        users = User.objects.bulk_create(users)
        roles = [Role.CHAIR, Role.SECRETARY, Role.COORDINATOR, Role.OBSERVER]
        rows = []
        for index, user in enumerate(users):
            organisation = organisations[index % len(organisations)]
            rows.append(
                Membership(
                    alliance=alliance,
                    user=user,
                    role=roles[index] if index < len(roles) else Role.MEMBER,
                    organisation=organisation,
                    organisation_name=organisation.name,
                    contact=contacts.get(organisation.pk),
                    started_at=self.now - timedelta(days=300),
                )
            )
        self.totals.users += len(users)
        return Membership.objects.bulk_create(rows)

    # Meetings and minutes --------------------------------------------------------------------

    def meetings(
        self, alliance: Alliance, count: int, memberships: list[Membership], chair: User
    ) -> list[MinutesItem]:
        """Held meetings about a month apart, the latest one with its minutes still a draft."""
        meetings = []
        for number in range(1, count + 1):
            day = self.today - timedelta(days=7 + 30 * (count - number))
            starts_at = self.moment(day, 13)
            meetings.append(
                Meeting(
                    alliance=alliance,
                    number=number,
                    kind=Meeting.Kind.INITIAL_WORKSHOP if number == 1 else Meeting.Kind.PLENARY,
                    title=f"Meeting {number}: {self.words(3)}",
                    host_organisation=memberships[number % len(memberships)].organisation_name,
                    place="Town hall, room " + str(self.random.randint(1, 20)),
                    address=f"Storgatan {self.random.randint(1, 99)}",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=3),
                    status=Meeting.Status.HELD,
                    agenda_published_at=starts_at - timedelta(days=14),
                    ical_uid=self.uuid(),
                    created_by=memberships[1].user,
                )
            )
        meetings = Meeting.objects.bulk_create(meetings)
        self.agenda(meetings)
        self.participants(meetings, memberships)
        minutes_items = self.minutes(meetings, chair)
        self.totals.meetings += len(meetings)
        return minutes_items

    def agenda_rows(self) -> list[tuple[str, str, str]]:
        """(kind, title, description) of the guide's standing items around custom ones."""
        standing = list(StandingItem)
        rows = [(kind.value, str(kind.label), self.sentence()) for kind in standing[:3]]
        while len(rows) < AGENDA_ITEMS - 3:
            rows.append(("", self.words(4).capitalize(), self.paragraph(1)))
        rows += [(kind.value, str(kind.label), self.sentence()) for kind in standing[3:]]
        return rows[:AGENDA_ITEMS]

    def agenda(self, meetings: list[Meeting]) -> None:
        rows = []
        for meeting in meetings:
            for position, (kind, title, description) in enumerate(self.agenda_rows(), start=1):
                rows.append(
                    AgendaItem(
                        meeting=meeting,
                        position=position,
                        kind=kind,
                        title=title,
                        description=description,
                        presenter=self.person_name(),
                        duration_minutes=self.random.choice((5, 10, 15, 20)),
                    )
                )
        AgendaItem.objects.bulk_create(rows)
        self.totals.agenda_items += len(rows)

    def participants(self, meetings: list[Meeting], memberships: list[Membership]) -> None:
        attendance = (
            [Participant.Attendance.PRESENT] * 8
            + [Participant.Attendance.ABSENT]
            + [Participant.Attendance.EXCUSED]
        )
        rows = [
            Participant(
                meeting=meeting,
                user=membership.user,
                name=membership.user.get_full_name(),
                email=membership.user.email,
                organisation_name=membership.organisation_name,
                holds_seat=membership.role != Role.OBSERVER,
                response=Participant.Response.YES,
                responded_at=meeting.starts_at - timedelta(days=5),
                attendance=self.random.choice(attendance),
                response_key=self.token(),
                invited_at=meeting.agenda_published_at,
            )
            for meeting in meetings
            for membership in memberships
        ]
        Participant.objects.bulk_create(rows, batch_size=2000)
        self.totals.participants += len(rows)

    def minutes(self, meetings: list[Meeting], chair: User) -> list[MinutesItem]:
        latest = meetings[-1]
        minutes = MeetingMinutes.objects.bulk_create(
            MeetingMinutes(
                meeting=meeting,
                status=MeetingMinutes.Status.DRAFT,
                version=2,
            )
            for meeting in meetings
        )
        items = []
        for record in minutes:
            for position, (kind, title, description) in enumerate(self.agenda_rows(), start=1):
                items.append(
                    MinutesItem(
                        minutes=record,
                        position=position,
                        kind=kind,
                        title=title,
                        description=description,
                        comment_html=f"<p>{self.paragraph(2)}</p><ul><li>{self.sentence()}</li>"
                        f"<li>{self.sentence()}</li></ul>",
                    )
                )
        items = MinutesItem.objects.bulk_create(items, batch_size=2000)
        self.totals.minutes += len(minutes)
        self._minutes_to_approve = [
            (record, chair) for record in minutes if record.meeting_id != latest.pk
        ]
        self._minutes = minutes
        return items

    def minutes_revisions(self) -> None:
        """One revision per minutes, and the approval of all but the latest, with their hashes.

        Written after the plan, so that the hash covers the actions decided in each meeting.
        """
        approve = {record.pk: chair for record, chair in self._minutes_to_approve}
        # Read back, as the portal reads them: times come from the database in UTC, and the
        # hash covers their ISO text.
        self._minutes = list(
            MeetingMinutes.objects.filter(pk__in=[record.pk for record in self._minutes])
            .select_related("meeting__alliance", "meeting__created_by")
            .order_by("pk")
        )
        revisions = []
        for record in self._minutes:
            content = meeting_selectors.minutes_content(record)
            digest = canonical_sha256(content)
            saved_at = record.meeting.ends_at + timedelta(days=1)
            revisions.append(
                MinutesRevision(
                    minutes=record,
                    version=record.version,
                    author=record.meeting.created_by,
                    created_at=saved_at,
                    saved_at=saved_at,
                    content=content,
                    sha256=digest,
                )
            )
            chair = approve.get(record.pk)
            if chair is not None:
                record.status = MeetingMinutes.Status.APPROVED
                record.circulated_at = saved_at
                record.approved_at = saved_at + timedelta(days=10)
                record.approved_by = chair
                record.approved_sha256 = digest
        MinutesRevision.objects.bulk_create(revisions)
        MeetingMinutes.objects.bulk_update(
            self._minutes,
            ["status", "circulated_at", "approved_at", "approved_by", "approved_sha256"],
        )

    # The action plan -------------------------------------------------------------------------

    def action_plan(
        self,
        alliance: Alliance,
        count: int,
        memberships: list[Membership],
        organisations: list[Organisation],
        decided_in: list[MinutesItem],
        chair: User,
    ) -> ActionPlan:
        start = self.today - timedelta(days=200)
        plan = ActionPlan.objects.create(
            alliance=alliance,
            title="Regional action plan",
            period_start=start,
            period_end=start + timedelta(days=540),
            status=ActionPlan.Status.DRAFT,
            created_by=memberships[2].user,
        )
        goals = Goal.objects.bulk_create(
            Goal(
                plan=plan,
                number=number,
                title=f"Goal {number}: {self.words(5)}",
                target_value=Decimal(self.random.randint(5, 200)),
                unit=self.random.choice(("people", "workshops", "schools", "mediators")),
                current_value=Decimal(self.random.randint(0, 5)),
                relevance=self.sentence(),
                due_date=plan.period_end,
            )
            for number in range(1, GOALS + 1)
        )
        actions = self.actions(plan, count, memberships, organisations, decided_in)
        links = PlanAction.goals.through
        links.objects.bulk_create(
            links(action_id=action.pk, goal_id=goals[index % len(goals)].pk)
            for index, action in enumerate(actions)
        )
        self.progress(actions, memberships)
        self.minutes_revisions()
        content = plan_selectors.plan_content(plan)
        submitted_at = self.now - timedelta(days=150)
        PlanVersion.objects.create(
            plan=plan,
            number=1,
            snapshot=content,
            sha256=canonical_sha256(content),
            submitted_by=memberships[2].user,
            submitted_at=submitted_at,
            approved_by=chair,
            approved_at=submitted_at + timedelta(days=3),
        )
        ActionPlan.objects.filter(pk=plan.pk).update(status=ActionPlan.Status.APPROVED)
        return plan

    def actions(
        self,
        plan: ActionPlan,
        count: int,
        memberships: list[Membership],
        organisations: list[Organisation],
        decided_in: list[MinutesItem],
    ) -> list[PlanAction]:
        rows = []
        for number in range(1, count + 1):
            start = plan.period_start + timedelta(days=self.random.randint(0, 200))
            # One action in ten was decided in a meeting and then adopted into the plan.
            item = self.random.choice(decided_in) if number % 10 == 0 else None
            rows.append(
                PlanAction(
                    alliance=plan.alliance,
                    plan=plan,
                    number=number,
                    title=f"{self.words(6).capitalize()}",
                    local_problem=self.sentence(),
                    description=self.paragraph(2),
                    budget_amount=Decimal(self.random.randint(0, 500) * 1000),
                    resources=self.sentence(6),
                    responsible_member=self.random.choice(memberships),
                    responsible_organisation=self.random.choice(organisations),
                    start_date=start,
                    due_date=start + timedelta(days=self.random.randint(30, 300)),
                    obstacles=self.sentence(8),
                    obstacle_plan=self.sentence(8),
                    collaborators=self.sentence(5),
                    decided_in=item,
                    created_by=plan.created_by,
                )
            )
        self.totals.actions += count
        return PlanAction.objects.bulk_create(rows, batch_size=1000)

    def progress(self, actions: list[PlanAction], memberships: list[Membership]) -> None:
        updates = []
        for action in actions:
            percent = 0
            for step in range(PROGRESS_UPDATES):
                percent = min(100, percent + self.random.randint(0, 40))
                status = (
                    PlanAction.Status.DONE
                    if percent == 100
                    else self.random.choice(
                        (PlanAction.Status.IN_PROGRESS,) * 4 + (PlanAction.Status.BLOCKED,)
                    )
                )
                updates.append(
                    ProgressUpdate(
                        action=action,
                        date=min(self.today, action.start_date + timedelta(days=20 * (step + 1))),
                        note=self.sentence(),
                        percent=percent,
                        status=status,
                        author=action.responsible_member.user,
                    )
                )
            action.status, action.progress_percent = status, percent
        ProgressUpdate.objects.bulk_create(updates, batch_size=2000)
        PlanAction.objects.bulk_update(actions, ["status", "progress_percent"], batch_size=1000)
        self.totals.progress_updates += len(updates)

    # The commitment agreement ----------------------------------------------------------------

    def agreement(self, alliance: Alliance, memberships: list[Membership]) -> None:
        coordinator = memberships[2].user
        title = f"Commitment agreement of {alliance.name}"
        body = "\n\n".join(self.paragraph(4) for _ in range(6))
        agreement = Agreement.objects.create(
            alliance=alliance, title=title, body=body, language="en", updated_by=coordinator
        )
        published_at = self.now - timedelta(days=120)
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=1,
            title=title,
            body=body,
            language="en",
            sha256=text_sha256(title, body),
            published_by=coordinator,
            published_at=published_at,
        )
        signatures = [self.signature(version, membership) for membership in memberships]
        signatures = Signature.objects.bulk_create(signatures)
        SignatureEvent.objects.bulk_create(
            SignatureEvent(
                signature=signature,
                kind=SignatureEvent.Kind.SIGNED,
                at=signature.signed_at,
                actor=signature.membership.user,
                ip_address=signature.ip_address,
                user_agent=USER_AGENT,
            )
            for signature in signatures
            if signature.status == Signature.Status.SIGNED
        )
        self.totals.signatures += len(signatures)

    def signature(self, version: AgreementVersion, membership: Membership) -> Signature:
        """Most members signed; some declined and some have not answered yet."""
        roll = self.random.random()
        signature = Signature(
            version=version,
            membership=membership,
            public_id=self.uuid(),
            invited_at=version.published_at,
        )
        if roll < 0.85:
            signature.status = Signature.Status.SIGNED
            signature.typed_name = membership.user.get_full_name()
            signature.organisation = membership.organisation_name
            signature.contact = membership.user.email
            signature.language = "en"
            signature.signed_at = version.published_at + timedelta(days=self.random.randint(1, 30))
            signature.ip_address = f"192.0.2.{self.random.randint(1, 254)}"
            signature.user_agent = USER_AGENT
            signature.identity_method = Signature.Identity.LOGIN
        elif roll < 0.90:
            signature.status = Signature.Status.DECLINED
            signature.declined_at = version.published_at + timedelta(days=5)
            signature.decline_reason = self.sentence()
        return signature
