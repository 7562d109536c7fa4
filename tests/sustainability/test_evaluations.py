"""Evaluations of the guide's three kinds: the services and their audit entries, the rules for an
evaluator, the SWOT analysis used (only this alliance's), and the pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from alliances.models import AuditEntry
from sustainability import services
from sustainability.models import (
    ERR_DATE_IN_FUTURE,
    ERR_EVALUATOR_NAME,
    ERR_EVALUATOR_TYPE,
    ERR_SWOT_ELSEWHERE,
    Evaluation,
    Swot,
)

from ..conftest import client_for
from .conftest import TODAY, make_evaluation, make_swot, page, stored, url


def _evaluation_form(**fields) -> dict:
    return {
        "kind": "self",
        "date": "2027-06-01",
        "evaluator_type": "",
        "evaluator": "",
        "swot": "",
        "method": "A SWOT analysis at the plenary, in four groups.",
        "findings": "The mapping is trusted.",
        "follow_up": "Invite business before the next plenary.",
        **fields,
    }


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# Services ---------------------------------------------------------------------------------------


def test_recording_an_evaluation_saves_it_and_writes_an_audit_entry(cast):
    evaluation = make_evaluation(cast.alliance, cast.secretary)

    assert Evaluation.objects.get().pk == evaluation.pk
    assert (evaluation.alliance, evaluation.created_by) == (cast.alliance, cast.secretary)
    [entry] = _entries("evaluation.created")
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.secretary,
        cast.alliance,
        str(evaluation.pk),
    )


def test_updating_an_evaluation_audits_the_changed_fields(cast):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)

    services.evaluation_save(
        alliance=cast.alliance,
        actor=cast.chair,
        evaluation=evaluation,
        findings="Business joined in May.",
        follow_up="",
    )

    evaluation.refresh_from_db()
    assert (evaluation.findings, evaluation.follow_up) == ("Business joined in May.", "")
    [entry] = _entries("evaluation.updated")
    assert entry.actor == cast.chair
    assert entry.changes == {"fields": "findings, follow_up"}


def test_deleting_an_evaluation_removes_it_and_audits_it(cast):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)
    evaluation_id = evaluation.pk

    services.evaluation_delete(evaluation=evaluation, actor=cast.secretary)

    assert not Evaluation.objects.exists()
    [entry] = _entries("evaluation.deleted")
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.secretary,
        cast.alliance,
        str(evaluation_id),
    )


def test_an_evaluators_evaluation_needs_the_evaluator_type_and_name(cast):
    with pytest.raises(ValidationError) as refused:
        make_evaluation(
            cast.alliance, cast.coordinator, kind=Evaluation.Kind.EVALUATOR, evaluator="  "
        )

    assert refused.value.message_dict == {
        "evaluator_type": [str(ERR_EVALUATOR_TYPE)],
        "evaluator": [str(ERR_EVALUATOR_NAME)],
    }
    assert not Evaluation.objects.exists()
    assert _entries("evaluation.created") == []


def test_an_external_evaluator_is_recorded(cast):
    evaluation = make_evaluation(
        cast.alliance,
        cast.coordinator,
        kind=Evaluation.Kind.EVALUATOR,
        evaluator_type=Evaluation.EvaluatorType.EXTERNAL,
        evaluator="Linnaeus University",
    )

    evaluation.refresh_from_db()
    assert (evaluation.evaluator_type, evaluation.evaluator) == ("external", "Linnaeus University")


def test_only_an_evaluators_evaluation_keeps_an_evaluator_type(cast):
    evaluation = make_evaluation(
        cast.alliance,
        cast.coordinator,
        kind=Evaluation.Kind.JOINT,
        evaluator_type=Evaluation.EvaluatorType.INTERNAL,
    )

    evaluation.refresh_from_db()
    assert evaluation.evaluator_type == ""


def test_an_evaluation_needs_findings(cast):
    with pytest.raises(ValidationError) as refused:
        make_evaluation(cast.alliance, cast.coordinator, findings="")

    assert "findings" in refused.value.message_dict
    assert not Evaluation.objects.exists()


def test_an_evaluation_dated_in_the_future_is_refused(cast):
    with pytest.raises(ValidationError) as refused:
        make_evaluation(cast.alliance, cast.coordinator, date=TODAY + timedelta(days=1))

    assert refused.value.message_dict["date"] == [str(ERR_DATE_IN_FUTURE)]
    assert not Evaluation.objects.exists()


def test_an_evaluation_may_name_a_swot_of_its_own_alliance(cast):
    swot = make_swot(cast.alliance, cast.coordinator)

    evaluation = make_evaluation(cast.alliance, cast.coordinator, kind="self", swot=swot)

    assert Evaluation.objects.get(pk=evaluation.pk).swot == swot


def test_the_service_refuses_a_swot_of_another_alliance(cast):
    foreign = make_swot(cast.other_alliance, cast.other_chair)

    with pytest.raises(ValidationError) as refused:
        make_evaluation(cast.alliance, cast.coordinator, swot=foreign)

    assert refused.value.message_dict["swot"] == [str(ERR_SWOT_ELSEWHERE)]
    assert not Evaluation.objects.exists()
    assert _entries("evaluation.created") == []


def test_the_service_refuses_to_move_an_evaluation_onto_another_alliances_swot(cast):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)
    foreign = make_swot(cast.other_alliance, cast.other_chair)
    before = stored()

    with pytest.raises(ValidationError) as refused:
        services.evaluation_save(
            alliance=cast.alliance, actor=cast.chair, evaluation=evaluation, swot=foreign
        )

    assert refused.value.message_dict["swot"] == [str(ERR_SWOT_ELSEWHERE)]
    assert stored() == before
    assert Evaluation.objects.get(pk=evaluation.pk).swot is None


def test_the_model_itself_refuses_a_swot_of_another_alliance(cast):
    foreign = make_swot(cast.other_alliance, cast.other_chair)
    evaluation = Evaluation(
        alliance=cast.alliance,
        created_by=cast.chair,
        kind=Evaluation.Kind.SELF,
        date=TODAY,
        findings="Good.",
        swot=foreign,
    )

    with pytest.raises(ValidationError) as refused:
        evaluation.full_clean()

    assert refused.value.message_dict["swot"] == [str(ERR_SWOT_ELSEWHERE)]


def test_deleting_the_swot_keeps_the_evaluation_that_used_it(cast):
    swot = make_swot(cast.alliance, cast.coordinator)
    evaluation = make_evaluation(cast.alliance, cast.coordinator, swot=swot)

    services.swot_delete(swot=swot, actor=cast.chair)

    assert Evaluation.objects.get(pk=evaluation.pk).swot is None


# Pages ------------------------------------------------------------------------------------------


def test_member_reads_this_alliances_evaluations(cast):
    swot = make_swot(cast.alliance, cast.coordinator, title="Spring SWOT")
    make_evaluation(cast.alliance, cast.coordinator, kind="self", swot=swot, date=date(2027, 5, 1))
    make_evaluation(
        cast.alliance,
        cast.coordinator,
        kind="evaluator",
        evaluator_type="external",
        evaluator="Linnaeus University",
        date=date(2027, 6, 1),
    )
    make_evaluation(cast.other_alliance, cast.other_chair, findings="Skåne findings")

    response = client_for(cast.member).get(url("evaluations", cast.alliance))

    assert response.status_code == 200
    kinds = [evaluation.kind for evaluation in response.context["page"].object_list]
    assert kinds == ["evaluator", "self"]
    text = page(response)
    assert "Linnaeus University (External (an independent evaluator))" in text
    assert url("swot", cast.alliance, swot.pk) in text
    assert "Spring SWOT" in text
    assert "Skåne findings" not in text
    assert url("evaluation_create", cast.alliance) not in text


def test_the_list_offers_recording_to_those_who_manage_evaluation(cast):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)

    text = page(client_for(cast.coordinator).get(url("evaluations", cast.alliance)))

    assert url("evaluation_create", cast.alliance) in text
    assert url("evaluation_edit", cast.alliance, evaluation.pk) in text
    assert url("evaluation_delete", cast.alliance, evaluation.pk) in text


def test_an_empty_list_says_so(cast):
    text = page(client_for(cast.member).get(url("evaluations", cast.alliance)))

    assert "No evaluation is recorded yet." in text


def test_the_evaluation_list_needs_the_same_queries_for_few_and_many(
    cast, django_assert_max_num_queries
):
    swot = make_swot(cast.alliance, cast.coordinator)
    make_evaluation(cast.alliance, cast.coordinator, swot=swot)
    client = client_for(cast.member)
    with CaptureQueriesContext(connection) as few:
        client.get(url("evaluations", cast.alliance))
    for number in range(12):
        other_swot = make_swot(cast.alliance, cast.secretary, title=f"SWOT {number}")
        make_evaluation(cast.alliance, cast.secretary, swot=other_swot)

    with django_assert_max_num_queries(len(few)):
        response = client.get(url("evaluations", cast.alliance))

    assert len(response.context["page"].object_list) == 13


def test_recording_through_the_page_with_this_alliances_swot(cast):
    swot = make_swot(cast.alliance, cast.coordinator)

    response = client_for(cast.secretary).post(
        url("evaluation_create", cast.alliance), _evaluation_form(swot=swot.pk)
    )

    assert response.status_code == 302
    assert response.url == url("evaluations", cast.alliance)
    evaluation = Evaluation.objects.get()
    assert (evaluation.alliance, evaluation.swot, evaluation.created_by) == (
        cast.alliance,
        swot,
        cast.secretary,
    )
    assert evaluation.date == date(2027, 6, 1)
    assert [entry.actor for entry in _entries("evaluation.created")] == [cast.secretary]


def test_the_form_offers_only_this_alliances_swots(cast):
    own = make_swot(cast.alliance, cast.coordinator, title="Our SWOT")
    make_swot(cast.other_alliance, cast.other_chair, title="Skåne SWOT")

    response = client_for(cast.coordinator).get(url("evaluation_create", cast.alliance))

    assert list(response.context["form"].fields["swot"].queryset) == [own]
    text = page(response)
    assert "Our SWOT" in text
    assert "Skåne SWOT" not in text
    assert response.context["form"]["date"].value() == TODAY


def test_a_swot_of_another_alliance_posted_in_the_form_is_refused_and_nothing_saved(cast):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)
    foreign = make_swot(cast.other_alliance, cast.other_chair)
    client = client_for(cast.chair)
    before = stored()

    for address in (
        url("evaluation_create", cast.alliance),
        url("evaluation_edit", cast.alliance, evaluation.pk),
    ):
        response = client.post(address, _evaluation_form(swot=foreign.pk))

        assert response.status_code == 200, address
        assert "swot" in response.context["form"].errors, address

    assert stored() == before


def test_an_evaluator_without_type_or_name_is_explained_on_the_page(cast):
    response = client_for(cast.coordinator).post(
        url("evaluation_create", cast.alliance), _evaluation_form(kind="evaluator")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["evaluator_type"] == [str(ERR_EVALUATOR_TYPE)]
    assert errors["evaluator"] == [str(ERR_EVALUATOR_NAME)]
    assert escape(str(ERR_EVALUATOR_NAME)) in page(response)
    assert not Evaluation.objects.exists()


def test_findings_are_required_on_the_page(cast):
    response = client_for(cast.coordinator).post(
        url("evaluation_create", cast.alliance), _evaluation_form(findings="")
    )

    assert response.status_code == 200
    assert "findings" in response.context["form"].errors
    assert not Evaluation.objects.exists()


def test_a_future_date_on_the_page_is_explained(cast):
    response = client_for(cast.coordinator).post(
        url("evaluation_create", cast.alliance), _evaluation_form(date="2027-06-16")
    )

    assert response.context["form"].errors["date"] == [str(ERR_DATE_IN_FUTURE)]
    assert not Evaluation.objects.exists()


def test_editing_through_the_page_changes_the_evaluation_and_audits_it(cast):
    swot = make_swot(cast.alliance, cast.coordinator)
    evaluation = make_evaluation(cast.alliance, cast.coordinator, kind="self", swot=swot)
    client = client_for(cast.chair)

    form = client.get(url("evaluation_edit", cast.alliance, evaluation.pk))
    assert form.context["form"]["swot"].value() == swot.pk
    response = client.post(
        url("evaluation_edit", cast.alliance, evaluation.pk),
        _evaluation_form(swot=swot.pk, findings="Better than expected."),
    )

    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.findings, evaluation.swot) == ("Better than expected.", swot)
    [entry] = _entries("evaluation.updated")
    assert entry.actor == cast.chair
    assert "findings" in entry.changes["fields"]


def test_the_delete_page_asks_first_and_deletes_nothing_on_get(cast):
    evaluation = make_evaluation(cast.alliance, cast.coordinator, date=date(2027, 5, 20))
    before = stored()

    response = client_for(cast.coordinator).get(
        url("evaluation_delete", cast.alliance, evaluation.pk)
    )

    assert response.status_code == 200
    assert "Delete the evaluation of 2027-05-20?" in page(response)
    assert stored() == before


def test_posting_the_delete_page_deletes_the_evaluation_and_keeps_its_swot(cast):
    swot = make_swot(cast.alliance, cast.coordinator)
    evaluation = make_evaluation(cast.alliance, cast.coordinator, swot=swot)

    response = client_for(cast.secretary).post(
        url("evaluation_delete", cast.alliance, evaluation.pk)
    )

    assert response.status_code == 302
    assert response.url == url("evaluations", cast.alliance)
    assert not Evaluation.objects.exists()
    assert Swot.objects.filter(pk=swot.pk).exists()
    assert [entry.actor for entry in _entries("evaluation.deleted")] == [cast.secretary]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("name", ["evaluation_create", "evaluation_edit", "evaluation_delete"])
def test_managing_pages_answer_only_get_and_post(cast, name, method):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)
    args = () if name == "evaluation_create" else (evaluation.pk,)
    before = stored()

    response = getattr(client_for(cast.chair), method)(url(name, cast.alliance, *args))

    assert response.status_code == 405
    assert stored() == before


# Who may do what --------------------------------------------------------------------------------


def _manage_urls(cast, evaluation) -> list[str]:
    return [
        url("evaluation_create", cast.alliance),
        url("evaluation_edit", cast.alliance, evaluation.pk),
        url("evaluation_delete", cast.alliance, evaluation.pk),
    ]


@pytest.mark.parametrize("role", ["chair", "secretary", "coordinator"])
def test_those_who_manage_evaluation_open_the_managing_pages(cast, role):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)
    client = client_for(cast.user(role))

    for address in _manage_urls(cast, evaluation):
        assert client.get(address).status_code == 200, address


@pytest.mark.parametrize("role", ["member", "observer"])
def test_members_and_observers_get_403_on_managing_pages_and_change_nothing(cast, role):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)
    client = client_for(cast.user(role))
    before = stored()

    for address in _manage_urls(cast, evaluation):
        assert client.get(address).status_code == 403, address
        assert client.post(address, _evaluation_form()).status_code == 403, address

    assert client.get(url("evaluations", cast.alliance)).status_code == 200
    assert stored() == before


@pytest.mark.parametrize("role", ["outsider", "other_chair"])
def test_people_outside_the_alliance_get_404_everywhere(cast, role):
    evaluation = make_evaluation(cast.alliance, cast.coordinator)
    client = client_for(cast.user(role))
    before = stored()

    listing = url("evaluations", cast.alliance)
    for address in (listing, *_manage_urls(cast, evaluation)):
        # The list only shows: it refuses a POST from anyone, before asking who they are.
        expected_post = 405 if address == listing else 404
        assert client.get(address).status_code == 404, address
        assert client.post(address, _evaluation_form()).status_code == expected_post, address

    assert stored() == before


def test_another_alliances_evaluation_answers_404_through_this_alliance(cast):
    foreign = make_evaluation(cast.other_alliance, cast.other_chair, findings="Skåne findings")
    client = client_for(cast.chair)
    before = stored()

    for name in ("evaluation_edit", "evaluation_delete"):
        address = url(name, cast.alliance, foreign.pk)
        assert client.get(address).status_code == 404, name
        assert client.post(address, _evaluation_form()).status_code == 404, name

    assert stored() == before
    assert Evaluation.objects.get(pk=foreign.pk).findings == "Skåne findings"
