"""Every outreach form answers hostile values with a message, never a 500, keeps what was already
saved when it refuses them, and prints script as text, never as markup."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from alliance_portal.models import MAX_TEXT_CHARS
from alliances import services as alliance_services
from alliances.models import AuditEntry
from outreach import services
from outreach.models import (
    MAX_MATERIAL_CHARS,
    CommunicationEntry,
    CommunicationLog,
    CommunicationPlan,
    InformationMaterial,
)

from ..conftest import client_for
from ..hostile_support import SCRIPT, post_all
from .conftest import COMPLETE_MATERIAL, add_entry, carried_out, write_material, write_profile

pytestmark = pytest.mark.django_db

HOSTILE = [
    "NaN",
    "1e400",
    "x" * 6000,
    "\x00",
    SCRIPT,
    "-1",
    "99999999999999999999999",
    "'; DROP TABLE outreach_communicationentry; --",
]
HUGE_ID = "9" * 18  # fits the id converter, so it reaches the database
HUGER_ID = "9" * 23  # does not fit a 64-bit id at all


def url(name: str, cast, *args) -> str:
    return reverse(f"outreach:{name}", args=[cast.alliance.pk, *args])


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def saved_state() -> tuple:
    return (
        list(InformationMaterial.objects.values_list(*COMPLETE_MATERIAL)),
        list(CommunicationPlan.objects.values_list("pk", "press_contact", "strategy")),
        list(
            CommunicationEntry.objects.order_by("pk").values_list(
                "pk", "position", "audience", "purpose", "message", "delivery", "frequency"
            )
        ),
        list(CommunicationLog.objects.order_by("pk").values_list("pk", "date", "note")),
    )


@pytest.fixture
def saved(cast):
    """Material, a plan with a press contact, and a row carried out once."""
    write_material(cast)
    services.communication_settings_save(
        alliance=cast.alliance,
        actor=cast.coordinator,
        press_contact=cast.membership(cast.coordinator),
        strategy="Kept strategy",
    )
    entry = add_entry(cast.alliance, cast.coordinator, audience="Kept audience")
    carried_out(entry, cast.coordinator, days_ago=3, note="Kept note")
    return entry


# Hostile values in every form -------------------------------------------------------------------


def _fits_the_material(value: str) -> bool:
    """Whether the material, which is all free text, takes the value in (and saves)."""
    return "\x00" not in value and len(value) <= MAX_TEXT_CHARS


def _posts(cast, entry, bad):
    return [
        (
            "information_edit",
            url("information_edit", cast),
            dict.fromkeys(COMPLETE_MATERIAL, bad),
            302 if _fits_the_material(bad) else 200,
        ),
        (
            "communication_settings",
            url("communication_settings", cast),
            {"press_contact": bad, "strategy": bad},
            200,
        ),
        (
            "entry_create",
            url("entry_create", cast),
            dict.fromkeys(services.ENTRY_FIELDS, bad),
            200,
        ),
        (
            "entry_edit",
            url("entry_edit", cast, entry.pk),
            dict.fromkeys(services.ENTRY_FIELDS, bad),
            200,
        ),
        (
            "entry_done",
            url("entry_done", cast, entry.pk),
            {f"done-{entry.pk}-date": bad, f"done-{entry.pk}-note": bad},
            400,
        ),
    ]


@pytest.mark.parametrize("bad", HOSTILE)
def test_forms_refuse_hostile_values_and_keep_what_was_saved(cast, saved, bad):
    client = client_for(cast.coordinator)
    before = saved_state()

    post_all(client, _posts(cast, saved, bad))

    # The other forms each have a field the value cannot fill (a frequency, a date, a choice),
    # so they take in nothing; the material is all free text and is either refused whole or
    # stored exactly as typed.
    after = saved_state()
    assert after[1:] == before[1:]
    assert after[0] in (before[0], [(bad,) * len(COMPLETE_MATERIAL)])


def test_material_longer_than_the_limit_gives_a_form_error_and_keeps_the_saved_text(cast):
    write_material(cast)
    before = saved_state()
    audit_count = AuditEntry.objects.count()

    response = client_for(cast.coordinator).post(
        url("information_edit", cast),
        {**COMPLETE_MATERIAL, "why_alliance": "x" * (MAX_MATERIAL_CHARS + 1), "contact": "New"},
    )

    assert response.status_code == 200
    assert f"at most {MAX_MATERIAL_CHARS} characters" in str(
        response.context["form"].errors["why_alliance"]
    )
    assert saved_state() == before
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("regional_situation", MAX_MATERIAL_CHARS),
        ("reasons_to_join", MAX_MATERIAL_CHARS),
        ("time_commitment", MAX_MATERIAL_CHARS),
        ("target_group", 300),
        ("registration", MAX_TEXT_CHARS),
        ("practical_details", MAX_TEXT_CHARS),
        ("contact", 300),
    ],
)
def test_each_material_field_refuses_one_character_too_many(cast, field, limit):
    write_material(cast)
    before = saved_state()

    response = client_for(cast.chair).post(
        url("information_edit", cast), {**COMPLETE_MATERIAL, field: "y" * (limit + 1)}
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert saved_state() == before


def test_a_first_material_that_is_too_long_saves_nothing(cast):
    response = client_for(cast.chair).post(
        url("information_edit", cast), {"reasons_to_join": "z" * (MAX_MATERIAL_CHARS + 1)}
    )

    assert response.status_code == 200
    assert not InformationMaterial.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="information.").exists()


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("audience", 200),
        ("purpose", MAX_TEXT_CHARS),
        ("message", MAX_TEXT_CHARS),
        ("delivery", MAX_TEXT_CHARS),
        ("timing", 200),
    ],
)
def test_rows_refuse_over_long_text_on_create_and_edit(cast, saved, field, limit):
    before = saved_state()
    data = {"audience": "New audience", "frequency": "weekly", field: "w" * (limit + 1)}
    client = client_for(cast.coordinator)

    created = client.post(url("entry_create", cast), data)
    edited = client.post(url("entry_edit", cast, saved.pk), data)

    for response in (created, edited):
        assert response.status_code == 200
        assert field in response.context["form"].errors
    assert saved_state() == before


def test_over_long_note_answers_400_and_records_nothing(cast, saved):
    before = saved_state()
    prefix = f"done-{saved.pk}"

    response = client_for(cast.coordinator).post(
        url("entry_done", cast, saved.pk),
        {f"{prefix}-date": "2026-01-05", f"{prefix}-note": "n" * (MAX_TEXT_CHARS + 1)},
    )

    assert response.status_code == 400
    assert "note" in response.context["form"].errors
    assert saved_state() == before


def test_over_long_strategy_is_refused_and_the_saved_one_kept(cast, saved):
    before = saved_state()

    response = client_for(cast.chair).post(
        url("communication_settings", cast), {"strategy": "s" * (MAX_TEXT_CHARS + 1)}
    )

    assert response.status_code == 200
    assert "strategy" in response.context["form"].errors
    assert saved_state() == before


# Script is text ---------------------------------------------------------------------------------


def test_script_in_the_material_is_stored_as_typed_and_escaped_on_the_page(cast):
    client = client_for(cast.coordinator)
    data = {**COMPLETE_MATERIAL, "reasons_to_join": "\n".join([SCRIPT] * 5)}
    data |= {"why_alliance": SCRIPT, "target_group": SCRIPT, "contact": SCRIPT}

    assert client.post(url("information_edit", cast), data).status_code == 302

    material = InformationMaterial.objects.get()
    assert (material.why_alliance, material.target_group) == (SCRIPT, SCRIPT)
    assert material.reasons == [SCRIPT] * 5
    page = client.get(url("information", cast)).content.decode()
    assert SCRIPT not in page
    assert page.count(escape(SCRIPT)) >= 8
    edit_form = client.get(url("information_edit", cast)).content.decode()
    assert SCRIPT not in edit_form and escape(SCRIPT) in edit_form


def test_script_in_the_material_and_the_name_is_printed_as_text_in_the_pdf(cast):
    alliance_services.alliance_update(
        alliance=cast.alliance, actor=cast.chair, name=f"Kronoberg {SCRIPT}"
    )
    write_material(cast, why_alliance=SCRIPT, reasons_to_join=f"- {SCRIPT}", registration=SCRIPT)

    response = client_for(cast.member).get(url("information_pdf", cast))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert f"Kronoberg {SCRIPT}" in text
    assert text.count(SCRIPT) >= 4  # the name, why the alliance, a reason, registration
    assert "&lt;" not in text


def test_script_in_the_communication_plan_is_escaped_everywhere_it_is_shown(cast):
    entry = add_entry(
        cast.alliance,
        cast.coordinator,
        audience=SCRIPT,
        purpose=SCRIPT,
        message=SCRIPT,
        delivery=SCRIPT,
        timing=SCRIPT,
    )
    carried_out(entry, cast.coordinator, days_ago=1, note=SCRIPT)
    services.communication_settings_save(
        alliance=cast.alliance, actor=cast.coordinator, press_contact=None, strategy=SCRIPT
    )
    client = client_for(cast.coordinator)
    prefix = f"done-{entry.pk}"

    pages = {
        "plan": client.get(url("communication", cast)),
        "edit": client.get(url("entry_edit", cast, entry.pk)),
        "confirm": client.get(url("entry_delete", cast, entry.pk)),
        "done form": client.get(url("entry_done", cast, entry.pk)),
        "refused": client.post(url("entry_done", cast, entry.pk), {f"{prefix}-note": SCRIPT}),
        "message": client.post(
            url("entry_done", cast, entry.pk),
            {f"{prefix}-date": "2026-01-05", f"{prefix}-note": SCRIPT},
            follow=True,
        ),
    }

    for name, response in pages.items():
        content = response.content.decode()
        assert SCRIPT not in content, name
        assert escape(SCRIPT) in content, name
    assert CommunicationEntry.objects.get().audience == SCRIPT
    assert set(CommunicationLog.objects.values_list("note", flat=True)) == {SCRIPT}


def test_script_in_the_public_profile_is_escaped(cast):
    alliance_services.alliance_update(
        alliance=cast.alliance, actor=cast.chair, name=f"Kronoberg {SCRIPT}", vision=SCRIPT
    )
    write_profile(cast.alliance, cast.chair, text=SCRIPT)
    membership = cast.membership(cast.member)
    membership.organisation_name = SCRIPT
    membership.save(update_fields=["organisation_name"])
    alliance = services.profile_publish(alliance=cast.alliance, actor=cast.chair)

    response = client_for(None).get(reverse("public:profile", args=[alliance.public_slug]))
    settings_page = client_for(cast.chair).get(url("profile", cast))

    assert alliance.public_slug == "kronoberg-scriptalert1script"
    for content in (response.content.decode(), settings_page.content.decode()):
        assert SCRIPT not in content
        assert escape(SCRIPT) in content


# Ids and addresses that do not exist ------------------------------------------------------------


@pytest.mark.parametrize("entry_id", [HUGE_ID, HUGER_ID, "0"])
@pytest.mark.parametrize("action", ["edit", "remove", "carried-out"])
def test_huge_or_unknown_row_ids_answer_404(cast, saved, entry_id, action):
    before = saved_state()
    target = f"/alliances/{cast.alliance.pk}/outreach/communication/rows/{entry_id}/{action}/"
    client = client_for(cast.chair)

    assert client.get(target).status_code == 404
    assert client.post(target, {"audience": "x", "frequency": "once"}).status_code == 404

    assert saved_state() == before


@pytest.mark.parametrize("alliance_id", [HUGE_ID, HUGER_ID])
@pytest.mark.parametrize(
    "path",
    [
        "information/",
        "information/edit/",
        "information/information.pdf",
        "communication/",
        "communication/rows/new/",
        "public-profile/",
        "public-profile/publish/",
    ],
)
def test_huge_alliance_ids_answer_404(cast, alliance_id, path):
    target = f"/alliances/{alliance_id}/outreach/{path}"
    client = client_for(cast.chair)

    if path != "public-profile/publish/":  # that one answers GET with 405 before any lookup
        assert client.get(target).status_code == 404
    # Where the address resolves (a HUGE_ID does, a HUGER_ID does not), pages that only show
    # answer POST with 405 before any lookup.
    shows_only = path in {
        "information/",
        "information/information.pdf",
        "communication/",
        "public-profile/",
    }
    refused = 405 if shows_only and alliance_id == HUGE_ID else 404
    assert client.post(target).status_code == refused


@pytest.mark.parametrize(
    "slug", ["x" * 300, "%00", "kronoberg-alliance%20", "..%2F..%2Fetc", "Kronoberg-Alliance"]
)
def test_hostile_public_addresses_answer_404(cast, slug):
    write_profile(cast.alliance, cast.chair)
    services.profile_publish(alliance=cast.alliance, actor=cast.chair)

    assert client_for(None).get(f"/profiles/{slug}/").status_code == 404


def test_a_huge_press_contact_id_is_a_form_error(cast, saved):
    before = saved_state()

    response = client_for(cast.chair).post(
        url("communication_settings", cast), {"press_contact": HUGER_ID, "strategy": "New"}
    )

    assert response.status_code == 200
    assert "press_contact" in response.context["form"].errors
    assert saved_state() == before
