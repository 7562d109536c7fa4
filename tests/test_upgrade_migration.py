"""Upgrading a database from before the features had apps of their own keeps every row.

The demo fills the test database, which then goes back to the last migrations before the move,
as a portal running that release would have it. (It is filled first: today's models have
columns the old release's tables lack, so they cannot write to them.) Migrating to today's head
must leave every moved table exactly as it was (row count and a hash of its rows), hand each
moved model's content type to its new app under the same id (so permissions and admin history
follow), and the portal must serve its key pages for that data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from actionplans.models import ActionPlan
from agreements.models import Agreement
from agreements.selectors import displayed_text
from alliances.models import User
from meetings.models import Meeting
from outreach.models import CommunicationEntry, InformationMaterial
from reminders.models import Delivery
from reminders.services import (
    reminder_preferences_update,
    reminder_settings_update,
    reminders_dispatch,
)
from reports.models import ArchiveExport
from sustainability.models import Evaluation, SustainabilityPlan, Swot
from sustainability.services import sustainability_save
from tests.demo_support import demo_alliance, seed_demo_data

# The heads before the move: the features' models still in alliances and actionplans, and the
# apps that hold them today not yet migrated.
BEFORE_THE_MOVE = [
    ("alliances", "0006_outreach_reports"),
    ("actionplans", "0004_sustainability"),
    ("agreements", None),
    ("outreach", None),
    ("reminders", None),
    ("reports", None),
    ("sustainability", None),
]

# Every moved table: (app that held the model before, app that holds it now, model name).
MOVED_TABLES = {
    "alliances_agreement": ("alliances", "agreements", "agreement"),
    "alliances_agreementversion": ("alliances", "agreements", "agreementversion"),
    "alliances_agreementtranslation": ("alliances", "agreements", "agreementtranslation"),
    "alliances_signature": ("alliances", "agreements", "signature"),
    "alliances_signatureevent": ("alliances", "agreements", "signatureevent"),
    "alliances_informationmaterial": ("alliances", "outreach", "informationmaterial"),
    "alliances_communicationplan": ("alliances", "outreach", "communicationplan"),
    "alliances_communicationentry": ("alliances", "outreach", "communicationentry"),
    "alliances_communicationlog": ("alliances", "outreach", "communicationlog"),
    "alliances_delivery": ("alliances", "reminders", "delivery"),
    "alliances_reminderoptout": ("alliances", "reminders", "reminderoptout"),
    "alliances_remindersettings": ("alliances", "reminders", "remindersettings"),
    "alliances_reminderrun": ("alliances", "reminders", "reminderrun"),
    "alliances_archiveexport": ("alliances", "reports", "archiveexport"),
    "actionplans_swot": ("actionplans", "sustainability", "swot"),
    "actionplans_evaluation": ("actionplans", "sustainability", "evaluation"),
    "actionplans_sustainabilityplan": ("actionplans", "sustainability", "sustainabilityplan"),
}

# What the demo leaves empty, and the test fills so that every moved table has rows to keep:
# nobody has opted out of reminders, the alliance keeps the default reminder schedule (its row
# is written on the first change), the scheduler has not run yet, no archive has been asked for,
# and the sustainability plan is the journey's next step, left to write.
EMPTY_IN_THE_DEMO = {
    "alliances_reminderoptout",
    "alliances_remindersettings",
    "alliances_reminderrun",
    "alliances_archiveexport",
    "actionplans_sustainabilityplan",
}

# Runs in one worker with the other tests that migrate the database.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("migrations")]


def _migrate(targets: Iterable[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))


def _to_latest() -> None:
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _comparable(value: object) -> object:
    # A binary column comes back as a memoryview, whose repr is its address, not its bytes.
    return bytes(value) if isinstance(value, memoryview) else value


def _columns() -> dict[str, list[str]]:
    """Each moved table's columns as they are now."""
    with connection.cursor() as cursor:
        return {
            table: [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            for table in MOVED_TABLES
        }


def _table_snapshot(columns: dict[str, list[str]] | None = None) -> dict[str, tuple[int, str]]:
    """Each moved table's row count and a SHA-256 over the repr of its rows, in id order; only
    the given columns, so that a column a later migration adds leaves the rows equal."""
    snapshot = {}
    with connection.cursor() as cursor:
        for table in MOVED_TABLES:
            names = (
                ", ".join(connection.ops.quote_name(name) for name in columns[table])
                if columns
                else "*"
            )
            # The table and column names are this module's constants and the database's own,
            # quoted: nothing comes from outside.
            cursor.execute(f"SELECT {names} FROM {connection.ops.quote_name(table)} ORDER BY id")  # noqa: S608
            digest = hashlib.sha256()
            count = 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(_comparable(value) for value in row)).encode())
                count += 1
            snapshot[table] = (count, digest.hexdigest())
    return snapshot


def _empty_tables() -> set[str]:
    return {table for table, (count, _digest) in _table_snapshot().items() if count == 0}


def _content_type_id(app_label: str, model: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM django_content_type WHERE app_label = %s AND model = %s",
            [app_label, model],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _permissions() -> dict[int, tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, content_type_id, codename FROM auth_permission")
        return {pk: (content_type_id, codename) for pk, content_type_id, codename in cursor}


def _assert_content_types_went_back() -> None:
    """Going back gave the content types back to the apps the models came from, as a database
    of the release before the move has them."""
    ContentType.objects.clear_cache()
    for old_app, new_app, model in MOVED_TABLES.values():
        assert _content_type_id(old_app, model) is not None, (old_app, model)
        assert _content_type_id(new_app, model) is None, (new_app, model)


def _fill_what_the_demo_leaves_empty(people: dict[str, User]) -> None:
    """A row in each table of EMPTY_IN_THE_DEMO, written the way the portal writes it."""
    alliance = demo_alliance()
    coordinator = people["coordinator"]
    reminder_preferences_update(user=people["member"], receive=[])
    reminder_settings_update(alliance=alliance, actor=coordinator, fields={"action_due_days": 5})
    reminders_dispatch()
    # A request waiting for the worker: building the archive would add seconds, not rows.
    ArchiveExport.objects.create(alliance=alliance, requested_by=coordinator, language="en")
    sustainability_save(
        plan=ActionPlan.objects.filter(alliance=alliance).order_by("pk").first(),
        actor=coordinator,
        what_continues="The community mediators' network, hosted by the region.",
        carried_by="Region Kronoberg, Public Health",
    )


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _assert_page(client: Client, url: str, *texts: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    for text in texts:
        assert escape(text) in page, (url, text)


def _assert_key_pages_served(people: dict[str, User]) -> None:
    """The key pages of each moved feature answer 200 and show the demo's rows."""
    alliance = demo_alliance()
    version = Agreement.objects.get(alliance=alliance).versions.order_by("-number").first()
    meeting = Meeting.objects.filter(alliance=alliance).order_by("pk").first()
    plan = ActionPlan.objects.filter(alliance=alliance).order_by("pk").first()
    entry = CommunicationEntry.objects.filter(plan__alliance=alliance).order_by("pk").first()
    swot = Swot.objects.filter(alliance=alliance).order_by("pk").first()
    evaluation = Evaluation.objects.filter(alliance=alliance).order_by("pk").first()
    sustainability = SustainabilityPlan.objects.get(plan__alliance=alliance)
    information = InformationMaterial.objects.get(alliance=alliance)
    failed = Delivery.objects.filter(alliance=alliance, status=Delivery.Status.FAILED).first()
    archive = ArchiveExport.objects.get(alliance=alliance)
    in_alliance = [alliance.pk]
    for role in ("chair", "coordinator"):
        user = people[role]
        client = _client_for(user)
        # Each person reads the agreement in their own language where a translation exists.
        agreement_title = displayed_text(version, user.preferred_language).title
        pages = {
            reverse("dashboard:alliance", args=in_alliance): [alliance.name],
            reverse("agreements:detail", args=in_alliance): [agreement_title],
            reverse("outreach:information", args=in_alliance): [information.target_group],
            reverse("outreach:communication", args=in_alliance): [entry.audience],
            reverse("sustainability:swots", args=in_alliance): [swot.title],
            reverse("sustainability:evaluations", args=in_alliance): [evaluation.method],
            reverse("sustainability:plans", args=in_alliance): [plan.title],
            reverse("sustainability:plan_edit", args=[alliance.pk, plan.pk]): [
                sustainability.what_continues
            ],
            reverse("reminders:alliance", args=in_alliance): [failed.last_error],
            reverse("reports:index", args=in_alliance): [alliance.name],
            reverse("reports:archives", args=in_alliance): [archive.requested_by.get_full_name()],
            reverse("meetings:detail", args=[alliance.pk, meeting.pk]): [meeting.title],
            reverse("actionplans:plan", args=[alliance.pk, plan.pk]): [plan.title],
        }
        for url, texts in pages.items():
            _assert_page(client, url, *texts)


def test_moving_the_features_to_their_own_apps_keeps_every_row_and_page():
    tables = set(connection.introspection.table_names())
    try:
        people = seed_demo_data()
        assert _empty_tables() == EMPTY_IN_THE_DEMO
        _fill_what_the_demo_leaves_empty(people)
        assert _empty_tables() == set()
        _migrate(BEFORE_THE_MOVE)
        # Going back only changes Django's record of the models: no table is created or dropped.
        assert set(connection.introspection.table_names()) == tables
        _assert_content_types_went_back()
        assert _empty_tables() == set()

        columns = _columns()
        before = _table_snapshot(columns)
        content_types = {
            (old_app, new_app, model): _content_type_id(old_app, model)
            for old_app, new_app, model in MOVED_TABLES.values()
        }
        permissions = _permissions()
        assert None not in content_types.values()
        with_permissions = {content_type_id for content_type_id, _codename in permissions.values()}
        assert set(content_types.values()) <= with_permissions

        _to_latest()

        assert set(connection.introspection.table_names()) == tables
        assert _table_snapshot(columns) == before
        for (old_app, new_app, model), content_type_id in content_types.items():
            assert _content_type_id(new_app, model) == content_type_id
            assert _content_type_id(old_app, model) is None
        # Same ids, same content types, same codenames: groups and users keep what they had.
        assert _permissions() == permissions
        _assert_key_pages_served(people)
    finally:
        _to_latest()
