"""An alliance's main language, currency and time zone: who may set them, how the form checks
them, what a new alliance starts with, and the language new content from the guide is written in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from agreements import services as agreement_services
from alliance_portal.permissions import Role
from alliances import services
from alliances.models import Alliance, AuditEntry
from alliances.selectors import content_language
from meetings.models import StandingItem
from tests.conftest import client_for
from tests.factories import UserFactory, make_meeting

pytestmark = pytest.mark.django_db


def _settings_form(alliance: Alliance, **fields) -> dict:
    return {
        "name": alliance.name,
        "region": alliance.region,
        "timezone": alliance.timezone,
        "currency": alliance.currency,
        "language": alliance.language,
        "quorum_percent": alliance.quorum_percent,
        **fields,
    }


def _edit_url(alliance: Alliance) -> str:
    return reverse("alliances:edit", args=[alliance.pk])


@pytest.mark.parametrize("role", ["chair", "coordinator"])
def test_the_chair_or_coordinator_saves_language_currency_and_time_zone(cast, role):
    alliance = cast.alliance
    response = client_for(getattr(cast, role)).post(
        _edit_url(alliance),
        _settings_form(alliance, language="fr", currency="EUR", timezone="Europe/Paris"),
    )

    assert response.status_code == 302
    alliance.refresh_from_db()
    assert (alliance.language, alliance.currency, alliance.timezone) == (
        "fr",
        "EUR",
        "Europe/Paris",
    )
    entry = AuditEntry.objects.get(action="alliance.updated", object_id=str(alliance.pk))
    assert entry.changes["currency"] == {"from": "SEK", "to": "EUR"}
    assert entry.changes["language"] == {"from": "", "to": "fr"}
    assert entry.changes["timezone"] == {"from": "Europe/Stockholm", "to": "Europe/Paris"}


@pytest.mark.parametrize("code", ["XYZ1", "sek<script>", "ZZZ", ""])
def test_a_bad_currency_is_refused_with_a_message_and_nothing_is_saved(cast, code):
    alliance = cast.alliance
    response = client_for(cast.chair).post(
        _edit_url(alliance),
        _settings_form(alliance, name="Renamed", currency=code, timezone="Europe/Paris"),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" in page
    assert "sek<script>" not in page
    if code:
        assert f"{escape(code)} is not one of the available choices" in page
    alliance.refresh_from_db()
    assert (alliance.name, alliance.currency, alliance.timezone) == (
        "Kronoberg Alliance",
        "SEK",
        "Europe/Stockholm",
    )


def test_the_model_refuses_a_code_that_is_not_three_capitals(cast):
    with pytest.raises(Exception) as refused:
        services.alliance_update(alliance=cast.alliance, actor=cast.chair, currency="sek")
    assert "currency" in refused.value.message_dict
    cast.alliance.refresh_from_db()
    assert cast.alliance.currency == "SEK"


@pytest.mark.parametrize(("role", "status"), [("secretary", 403), ("member", 403)])
def test_other_roles_may_not_change_the_settings(cast, role, status):
    response = client_for(getattr(cast, role)).post(
        _edit_url(cast.alliance), _settings_form(cast.alliance, currency="EUR", language="fr")
    )

    assert response.status_code == status
    cast.alliance.refresh_from_db()
    assert (cast.alliance.currency, cast.alliance.language) == ("SEK", "")


def test_another_alliances_chair_gets_404(cast):
    response = client_for(cast.other_chair).post(
        _edit_url(cast.alliance), _settings_form(cast.alliance, currency="EUR")
    )

    assert response.status_code == 404
    cast.alliance.refresh_from_db()
    assert cast.alliance.currency == "SEK"


def test_the_form_names_each_currency_in_the_readers_language(cast):
    cast.chair.preferred_language = "fr"
    cast.chair.save(update_fields=["preferred_language"])

    page = client_for(cast.chair).get(_edit_url(cast.alliance)).content.decode()

    assert '<option value="SEK" selected>couronne suédoise (SEK)</option>' in page
    assert '<option value="DKK">couronne danoise (DKK)</option>' in page
    with translation.override("fr"):
        blank = escape(str(translation.gettext("Each person's own language")))
    assert (
        f'<option value="">{blank}</option>' in page or f'<option value="" selected>{blank}' in page
    )


@pytest.mark.parametrize(
    ("language", "currency"), [("sv", "SEK"), ("da", "DKK"), ("fr", "EUR"), ("en", "SEK")]
)
def test_a_new_alliance_starts_in_its_creators_language_and_that_languages_currency(
    language, currency
):
    creator = UserFactory(preferred_language=language)

    alliance = services.alliance_create(actor=creator, name="New alliance", region="Region")

    assert (alliance.language, alliance.currency) == (language, currency)


def test_the_create_form_proposes_the_creators_language_and_currency(cast):
    cast.coordinator.preferred_language = "da"
    cast.coordinator.save(update_fields=["preferred_language"])
    client = client_for(cast.coordinator)

    page = client.get(reverse("alliances:create")).content.decode()

    assert '<option value="da" selected>' in page
    assert '<option value="DKK" selected>' in page
    response = client.post(
        reverse("alliances:create"),
        {
            "creator_role": Role.COORDINATOR,
            "name": "Aarhus Alliance",
            "region": "Aarhus",
            "timezone": "Europe/Copenhagen",
            "quorum_percent": 50,
            "language": "",
            "currency": "DKK",
        },
    )
    assert response.status_code == 302
    alliance = Alliance.objects.get(name="Aarhus Alliance")
    # An explicit "each person's own language" is kept, not replaced by the default.
    assert (alliance.language, alliance.currency) == ("", "DKK")


# The language new content from the guide is written in ------------------------------------------


def _standing_titles(meeting) -> list[str]:
    return [item.title for item in meeting.agenda_items.order_by("position")]


def _labels_in(language: str) -> list[str]:
    with translation.override(language):
        return [str(kind.label) for kind in StandingItem]


def test_content_language_is_the_alliances_else_the_creators(cast):
    cast.secretary.preferred_language = "da"
    assert content_language(cast.alliance, cast.secretary) == "da"
    cast.alliance.language = "fr"
    assert content_language(cast.alliance, cast.secretary) == "fr"


def test_a_new_meetings_standing_items_are_in_the_alliances_language(cast):
    cast.alliance.language = "fr"
    cast.alliance.save(update_fields=["language"])

    meeting = make_meeting(cast.alliance, cast.secretary)

    titles = _standing_titles(meeting)
    assert titles == _labels_in("fr")[: len(titles)]
    assert titles != _labels_in("en")[: len(titles)]


def test_without_a_main_language_the_standing_items_are_in_the_creators_language(cast):
    cast.secretary.preferred_language = "da"
    cast.secretary.save(update_fields=["preferred_language"])

    response = client_for(cast.secretary).post(
        reverse("meetings:create", args=[cast.alliance.pk]),
        {
            "kind": "plenary",
            "title": "Plenum",
            "host_organisation": "",
            "place": "",
            "address": "",
            "online_link": "",
            "starts_at": "2027-03-04T09:00",
            "ends_at": "2027-03-04T11:00",
        },
    )

    assert response.status_code == 302
    meeting = cast.alliance.meetings.get()
    titles = _standing_titles(meeting)
    assert titles == _labels_in("da")[: len(titles)]


def test_the_agreement_starts_in_the_alliances_language(cast):
    cast.alliance.language = "nl"
    cast.alliance.save(update_fields=["language"])

    page = (
        client_for(cast.chair)
        .get(reverse("agreements:detail", args=[cast.alliance.pk]))
        .content.decode()
    )
    agreement = agreement_services.agreement_start(alliance=cast.alliance, actor=cast.chair)

    assert '<option value="nl" selected>' in page
    assert agreement.language == "nl"
    with translation.override("nl"):
        title = translation.gettext("Commitment agreement of %(alliance)s") % {
            "alliance": cast.alliance.name
        }
    assert agreement.title == title != f"Commitment agreement of {cast.alliance.name}"
