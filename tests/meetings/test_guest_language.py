"""A meeting guest invited by address reads their mails in the language picked for them."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from meetings import services
from meetings.emails import mail_language
from meetings.models import Participant
from tests.conftest import client_for
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def _in(language: str, message: str, **values) -> str:
    with translation.override(language):
        return gettext(message) % values


def _invite_guest(client, meeting, **fields):
    data = {
        "guest-name": "Sanne de Vries",
        "guest-email": "sanne@example.org",
        "guest-organisation_name": "Stichting Nieuwe Buren",
        **fields,
    }
    return client.post(
        reverse("meetings:guest_invite", args=[meeting.alliance_id, meeting.pk]), data
    )


def _published_meeting(cast, django_capture_on_commit_callbacks):
    meeting = make_meeting(cast.alliance, cast.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_publish(meeting=meeting, actor=cast.secretary)
    mail.outbox.clear()
    return meeting


def _selected_language(page: str) -> str:
    select = re.search(r'<select[^>]*id="id_guest-language"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    (chosen,) = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))
    return chosen


def test_guest_form_offers_the_alliances_main_language_first(cast):
    cast.alliance.language = "fr"
    cast.alliance.save()
    meeting = make_meeting(cast.alliance, cast.secretary)

    page = client_for(cast.secretary).get(
        reverse("meetings:participants", args=[cast.alliance.pk, meeting.pk])
    )

    assert _selected_language(page.content.decode()) == "fr"


def test_guest_form_offers_the_inviters_language_when_the_alliance_has_none(cast):
    cast.secretary.preferred_language = "sv"
    cast.secretary.save()
    meeting = make_meeting(cast.alliance, cast.secretary)

    page = client_for(cast.secretary).get(
        reverse("meetings:participants", args=[cast.alliance.pk, meeting.pk])
    )

    assert _selected_language(page.content.decode()) == "sv"


def test_guest_invited_in_dutch_gets_the_agenda_in_dutch(cast, django_capture_on_commit_callbacks):
    meeting = _published_meeting(cast, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite_guest(client_for(cast.secretary), meeting, **{"guest-language": "nl"})

    assert response.status_code == 302
    assert meeting.participants.get(is_guest=True).language == "nl"
    (message,) = mail.outbox
    assert message.to == ["sanne@example.org"]
    invited = _in("nl", "You are invited to a meeting of %(alliance)s.", alliance=cast.alliance)
    assert invited != _in("en", "You are invited to a meeting of %(alliance)s.", alliance="")
    assert invited in message.body
    assert _in("nl", "Hello %(name)s,", name="Sanne de Vries") in message.body
    html = message.alternatives[0][0]
    assert escape(invited) in html
    assert re.search(r'<html[^>]*\blang="nl"', html), html[:200]
    assert cast.alliance.name in message.subject
    with translation.override("nl"):
        subject = gettext("%(alliance)s: %(title)s on %(date)s, agenda")
    # The subject's own words (between its placeholders) are the Dutch catalogue's.
    for words in re.split(r"%\(\w+\)s", subject):
        assert words in message.subject
    assert " on " not in message.subject


def test_guest_invited_before_the_agenda_gets_it_in_their_language_when_published(
    cast, django_capture_on_commit_callbacks
):
    meeting = make_meeting(cast.alliance, cast.secretary)
    _invite_guest(client_for(cast.secretary), meeting, **{"guest-language": "nl"})
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_publish(meeting=meeting, actor=cast.secretary)

    (message,) = [m for m in mail.outbox if m.to == ["sanne@example.org"]]
    invited = _in("nl", "You are invited to a meeting of %(alliance)s.", alliance=cast.alliance)
    assert invited in message.body


@pytest.mark.parametrize("hostile", ["xx", "<script>alert(1)</script>"])
def test_a_language_the_portal_does_not_offer_is_refused_and_nothing_is_sent(
    cast, hostile, django_capture_on_commit_callbacks
):
    meeting = _published_meeting(cast, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite_guest(client_for(cast.secretary), meeting, **{"guest-language": hostile})

    assert response.status_code == 400
    page = response.content.decode()
    error = _in(
        "en", "Select a valid choice. %(value)s is not one of the available choices.", value=hostile
    )
    assert escape(error) in page
    assert "<script>alert(1)</script>" not in page
    assert not meeting.participants.filter(is_guest=True).exists()
    assert mail.outbox == []


def _guest(cast, *, language: str = "") -> Participant:
    meeting = make_meeting(cast.alliance, cast.secretary)
    return services.guest_invite(
        meeting=meeting,
        actor=cast.secretary,
        name="Guest",
        email="guest@example.org",
        language=language,
    )


def test_a_guests_own_language_wins(cast):
    cast.alliance.language = "fr"
    cast.alliance.save()
    assert mail_language(_guest(cast, language="nl")) == "nl"


def test_a_guest_without_a_language_reads_the_alliances_main_language(cast):
    cast.alliance.language = "fr"
    cast.alliance.save()
    assert mail_language(_guest(cast)) == "fr"


def test_without_either_a_guest_reads_the_language_of_whoever_planned_the_meeting(cast):
    cast.secretary.preferred_language = "da"
    cast.secretary.save()
    assert mail_language(_guest(cast)) == "da"


def test_a_member_reads_their_own_language_whatever_the_alliances(cast):
    cast.alliance.language = "fr"
    cast.alliance.save()
    cast.member.preferred_language = "ar"
    cast.member.save()
    meeting = make_meeting(cast.alliance, cast.secretary)
    services.agenda_publish(meeting=meeting, actor=cast.secretary)

    member = meeting.participants.get(user=cast.member)

    assert mail_language(member) == "ar"


def test_a_guest_who_came_is_asked_no_language(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    page = (
        client_for(cast.secretary)
        .get(reverse("meetings:participants", args=[cast.alliance.pk, meeting.pk]))
        .content.decode()
    )
    assert 'id="id_guest-language"' in page
    assert 'id="id_spot-language"' not in page
