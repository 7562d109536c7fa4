"""Every step-6 form answers hostile values with a form error, never a 500, keeps what was already
saved when it refuses them, and never prints script unescaped."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from alliance_portal.models import MAX_TEXT_CHARS
from sustainability import services
from sustainability.models import (
    ERR_DATE_IN_FUTURE,
    MAX_FINDINGS_CHARS,
    MAX_QUADRANT_CHARS,
    Evaluation,
    SustainabilityPlan,
    Swot,
)

from ..conftest import client_for
from ..factories import make_approved_plan
from ..hostile_support import NUL, SCRIPT, answered_safely, post_all
from .conftest import make_evaluation, make_swot, page, stored, url

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 23
# The longest id the URLs accept, and nothing of that number exists.
LONGEST_ID = "9" * 18
HOSTILE = [
    "NaN",
    "1e400",
    "\x00",
    NUL,
    SCRIPT,
    "-1",
    HUGE_ID,
    "1 OR 1=1",
    "2026-02-30",
    "99999-01-01",
    "'; DROP TABLE actionplans_swot; --",
]
IMPOSSIBLE_DATES = ["2026-02-30", "99999-01-01", "2027-13-01", "0000-01-01", "31/12", "tomorrow"]
FAR_FUTURE = ["9999-12-31", "2027-06-16", "3000-01-01"]
SWOT_FIELDS = ("title", "held_on", "strengths", "weaknesses", "opportunities", "threats")
EVALUATION_FIELDS = (
    "kind",
    "date",
    "evaluator_type",
    "evaluator",
    "swot",
    "method",
    "findings",
    "follow_up",
)
SUSTAINABILITY_FIELDS = ("what_continues", "carried_by", "resources", "committees", "decision_date")


def _swot_form(**fields) -> dict:
    return {
        "title": "Mid-term review",
        "held_on": "2027-06-01",
        "strengths": "Committed municipalities",
        "weaknesses": "Minutes reach members late",
        "opportunities": "The county's new health strategy",
        "threats": "Staff turnover",
        **fields,
    }


def _evaluation_form(**fields) -> dict:
    return {
        "kind": "evaluator",
        "date": "2027-06-01",
        "evaluator_type": "external",
        "evaluator": "Linnaeus University",
        "swot": "",
        "method": "Interviews.",
        "findings": "The mapping is trusted.",
        "follow_up": "",
        **fields,
    }


def _sustainability_form(**fields) -> dict:
    return {
        "what_continues": "The help desk.",
        "carried_by": "The municipality.",
        "resources": "The integration budget.",
        "committees": "",
        "decision_date": "2027-06-01",
        **fields,
    }


class Setting:
    """One record of each kind in the cast's alliance, and what another alliance has."""

    def __init__(self, cast):
        self.cast = cast
        self.swot = make_swot(cast.alliance, cast.coordinator)
        self.evaluation = make_evaluation(cast.alliance, cast.coordinator, swot=self.swot)
        self.plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=1)
        services.sustainability_save(
            plan=self.plan, actor=cast.coordinator, what_continues="The help desk."
        )
        self.foreign_swot = make_swot(cast.other_alliance, cast.other_chair)

    def posts(self, form: str, **fields) -> list:
        """(name, url, data) of each page with this form, the data changed by `fields`."""
        build, posts = {
            "swot": (_swot_form, self.swot_posts),
            "evaluation": (_evaluation_form, self.evaluation_posts),
            "sustainability": (_sustainability_form, self.sustainability_posts),
        }[form]
        return posts(build(**fields))

    def swot_posts(self, data: dict) -> list:
        alliance = self.cast.alliance
        return [
            ("swot create", url("swot_create", alliance), data),
            ("swot edit", url("swot_edit", alliance, self.swot.pk), data),
        ]

    def evaluation_posts(self, data: dict) -> list:
        alliance = self.cast.alliance
        return [
            ("evaluation create", url("evaluation_create", alliance), data),
            ("evaluation edit", url("evaluation_edit", alliance, self.evaluation.pk), data),
        ]

    def sustainability_posts(self, data: dict) -> list:
        return [("plan edit", url("plan_edit", self.cast.alliance, self.plan.pk), data)]


@pytest.fixture
def setting(cast) -> Setting:
    return Setting(cast)


# Every field at once ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE)
def test_every_form_refuses_hostile_values_in_every_field(setting, bad):
    before = stored()

    post_all(
        client_for(setting.cast.coordinator),
        [
            *setting.swot_posts(dict.fromkeys(SWOT_FIELDS, bad)),
            *setting.evaluation_posts(dict.fromkeys(EVALUATION_FIELDS, bad)),
            *setting.sustainability_posts(dict.fromkeys(SUSTAINABILITY_FIELDS, bad)),
        ],
        status=200,
    )

    assert stored() == before


# Script -----------------------------------------------------------------------------------------


def test_script_in_a_swot_is_shown_escaped_on_every_page(setting):
    cast = setting.cast
    client = client_for(cast.coordinator)
    client.post(
        url("swot_edit", cast.alliance, setting.swot.pk),
        _swot_form(title=SCRIPT, strengths=f"- {SCRIPT}\nTrust", threats=SCRIPT),
    )
    make_swot(cast.alliance, cast.coordinator, title="Earlier", strengths="Trust")
    setting.swot.refresh_from_db()
    assert setting.swot.title == SCRIPT

    for address in (
        url("swots", cast.alliance),
        url("swot", cast.alliance, setting.swot.pk),
        url("swot_edit", cast.alliance, setting.swot.pk),
        url("swot_delete", cast.alliance, setting.swot.pk),
        url("swot_compare", cast.alliance),
        url("evaluations", cast.alliance),
        url("evaluation_edit", cast.alliance, setting.evaluation.pk),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert SCRIPT not in page(response), address
        assert escape(SCRIPT) in page(response), address


def test_script_in_an_evaluation_is_shown_escaped(setting):
    cast = setting.cast
    client = client_for(cast.coordinator)
    response = client.post(
        url("evaluation_edit", cast.alliance, setting.evaluation.pk),
        _evaluation_form(evaluator=SCRIPT, method=SCRIPT, findings=SCRIPT, follow_up=SCRIPT),
    )
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=setting.evaluation.pk).findings == SCRIPT

    for address in (
        url("evaluations", cast.alliance),
        url("evaluation_edit", cast.alliance, setting.evaluation.pk),
    ):
        response = client.get(address)
        assert SCRIPT not in page(response), address
        assert escape(SCRIPT) in page(response), address


def test_script_in_a_sustainability_plan_and_its_action_plan_is_shown_escaped(setting):
    cast = setting.cast
    type(setting.plan).objects.filter(pk=setting.plan.pk).update(title=SCRIPT)
    client = client_for(cast.coordinator)
    response = client.post(
        url("plan_edit", cast.alliance, setting.plan.pk),
        _sustainability_form(what_continues=SCRIPT, committees=SCRIPT),
    )
    assert response.status_code == 302

    for address in (
        url("plans", cast.alliance),
        url("plan_edit", cast.alliance, setting.plan.pk),
    ):
        response = client.get(address)
        assert SCRIPT not in page(response), address
        assert escape(SCRIPT) in page(response), address


# Over-long text and NUL bytes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "field", "limit"),
    [
        ("swot", "title", 200),
        *(("swot", quadrant, MAX_QUADRANT_CHARS) for quadrant in SWOT_FIELDS[2:]),
        ("evaluation", "evaluator", 200),
        ("evaluation", "method", MAX_TEXT_CHARS),
        ("evaluation", "findings", MAX_FINDINGS_CHARS),
        ("evaluation", "follow_up", MAX_FINDINGS_CHARS),
        ("sustainability", "what_continues", MAX_FINDINGS_CHARS),
        ("sustainability", "carried_by", MAX_TEXT_CHARS),
        ("sustainability", "resources", MAX_TEXT_CHARS),
        ("sustainability", "committees", MAX_TEXT_CHARS),
    ],
)
def test_overlong_text_is_refused_with_a_form_error_and_saved_data_kept(
    setting, form, field, limit
):
    before = stored()

    posts = setting.posts(form, **{field: "x" * (limit + 1)})
    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert field in response.context["form"].errors, name

    assert stored() == before


@pytest.mark.parametrize(
    ("form", "field", "limit", "model"),
    [
        ("swot", "strengths", MAX_QUADRANT_CHARS, Swot),
        ("evaluation", "findings", MAX_FINDINGS_CHARS, Evaluation),
        ("sustainability", "what_continues", MAX_FINDINGS_CHARS, SustainabilityPlan),
    ],
)
def test_text_of_exactly_the_limit_is_saved(setting, form, field, limit, model):
    name, address, data = setting.posts(form, **{field: "x" * limit})[-1]

    response = client_for(setting.cast.coordinator).post(address, data)

    assert response.status_code == 302, name
    assert model.objects.filter(**{field: "x" * limit}).count() == 1


@pytest.mark.parametrize("text", [NUL, "\x00"], ids=["nul-inside", "nul"])
def test_nul_bytes_are_refused(setting, text):
    before = stored()
    posts = [
        *setting.posts("swot", title=text),
        *setting.posts("swot", strengths=text),
        *setting.posts("evaluation", findings=text),
        *setting.posts("evaluation", evaluator=text),
        *setting.posts("sustainability", what_continues=text),
    ]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert response.context["form"].errors, name

    assert stored() == before


# Dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", IMPOSSIBLE_DATES)
def test_impossible_dates_are_form_errors(setting, day):
    before = stored()
    posts = [
        *setting.posts("swot", held_on=day),
        *setting.posts("evaluation", date=day),
        *setting.posts("sustainability", decision_date=day),
    ]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        form = response.context["form"]
        assert set(form.errors) & {"held_on", "date", "decision_date"}, name

    assert stored() == before


@pytest.mark.parametrize("day", FAR_FUTURE)
def test_future_dates_are_refused_as_in_the_future(setting, day):
    before = stored()
    posts = [
        *setting.posts("swot", held_on=day),
        *setting.posts("evaluation", date=day),
        *setting.posts("sustainability", decision_date=day),
    ]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        errors = response.context["form"].errors
        field = next(iter({"held_on", "date", "decision_date"} & set(errors)))
        assert errors[field] == [str(ERR_DATE_IN_FUTURE)], name

    assert stored() == before


def test_the_earliest_date_is_stored_and_the_pages_still_render(setting):
    cast = setting.cast
    client = client_for(cast.coordinator)
    posts = [
        *setting.posts("swot", held_on="0001-01-01")[1:],
        *setting.posts("evaluation", date="0001-01-01")[1:],
        *setting.posts("sustainability", decision_date="0001-01-01"),
    ]

    post_all(client, posts, status=302)

    setting.swot.refresh_from_db()
    assert setting.swot.held_on.year == 1
    for name in ("swots", "swot_compare", "evaluations", "plans"):
        assert client.get(url(name, cast.alliance)).status_code == 200, name


# Choices and ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [HUGE_ID, LONGEST_ID, "1 OR 1=1", "-1", "0", "1.0", "foreign"])
def test_hostile_or_foreign_swot_ids_in_the_evaluation_form_are_refused(setting, value):
    if value == "foreign":
        value = setting.foreign_swot.pk
    before = stored()

    posts = setting.posts("evaluation", swot=value)
    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert "swot" in response.context["form"].errors, name

    assert stored() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "admin"), ("kind", ""), ("evaluator_type", "secret"), ("evaluator_type", "1")],
)
def test_unknown_choices_are_refused(setting, field, value):
    before = stored()

    posts = setting.posts("evaluation", **{field: value})
    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert field in response.context["form"].errors, name

    assert stored() == before


@pytest.mark.parametrize(
    "query",
    [
        {"earlier": HUGE_ID, "later": "1"},
        {"earlier": LONGEST_ID, "later": LONGEST_ID},
        {"earlier": "1 OR 1=1", "later": "-1"},
        {"earlier": SCRIPT, "later": NUL},
        {"earlier": "", "later": ""},
        {"earlier": "foreign", "later": "own"},
    ],
)
def test_hostile_comparison_choices_answer_400_with_form_errors(setting, query):
    make_swot(setting.cast.alliance, setting.cast.coordinator, title="Second")
    ids = {"foreign": setting.foreign_swot.pk, "own": setting.swot.pk}
    query = {key: ids.get(value, value) for key, value in query.items()}

    response = client_for(setting.cast.member).get(
        url("swot_compare", setting.cast.alliance), query
    )

    assert response.status_code == 400
    assert response.context["form"].errors
    assert response.context["comparison"] == []
    assert SCRIPT not in page(response)


@pytest.mark.parametrize("bad_id", [HUGE_ID, LONGEST_ID, "-1", "abc"])
def test_huge_or_malformed_ids_in_addresses_answer_404(setting, bad_id):
    cast = setting.cast
    client = client_for(cast.chair)
    alliance = f"/alliances/{cast.alliance.pk}/evaluation"
    before = stored()
    shows_only = {
        f"{alliance}/swot/{bad_id}/",
        f"/alliances/{bad_id}/evaluation/swot/",
        f"/alliances/{bad_id}/evaluation/sustainability/",
    }

    for address in (
        f"{alliance}/swot/{bad_id}/",
        f"{alliance}/swot/{bad_id}/edit/",
        f"{alliance}/swot/{bad_id}/delete/",
        f"{alliance}/evaluations/{bad_id}/edit/",
        f"{alliance}/evaluations/{bad_id}/delete/",
        f"{alliance}/sustainability/{bad_id}/",
        f"/alliances/{bad_id}/evaluation/swot/",
        f"/alliances/{bad_id}/evaluation/sustainability/",
    ):
        assert client.get(address).status_code == 404, address
        # Where the address resolves, a page that only shows refuses a POST before any lookup.
        refused = 405 if address in shows_only and bad_id == LONGEST_ID else 404
        assert client.post(address, _swot_form()).status_code == refused, address

    assert stored() == before


def test_the_addresses_used_above_are_the_real_ones(setting):
    cast = setting.cast
    alliance = f"/alliances/{cast.alliance.pk}/evaluation"

    assert url("swot", cast.alliance, 7) == f"{alliance}/swot/7/"
    assert url("evaluation_delete", cast.alliance, 7) == f"{alliance}/evaluations/7/delete/"
    assert url("plan_edit", cast.alliance, 7) == f"{alliance}/sustainability/7/"
    assert url("plans", cast.alliance) == f"{alliance}/sustainability/"


@pytest.mark.parametrize("number", ["-1", "0", "abc", HUGE_ID, SCRIPT, "1e400"])
def test_hostile_page_numbers_answer_a_page(setting, number):
    client = client_for(setting.cast.member)

    for name in ("swots", "evaluations"):
        response = client.get(url(name, setting.cast.alliance), {"page": number})
        answered_safely(response, name, 200)
        assert len(response.context["page"].object_list) == 1, name
