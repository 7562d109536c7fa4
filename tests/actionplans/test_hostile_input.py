"""Every action-plan form answers hostile values with a message, never a 500, keeps what was
already saved when it refuses them, and never prints script unescaped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from actionplans.models import (
    ERR_DUE_BEFORE_START,
    ERR_PLAN_PERIOD,
    ERR_STALE_HASH,
    Action,
    ActionPlan,
    Goal,
    PlanVersion,
    ProgressUpdate,
)
from actionplans.services import ERR_MOVE
from alliances.models import AuditEntry, Membership
from meetings import services as meeting_services
from meetings.models import StandingItem

from ..conftest import client_for
from ..factories import (
    TEST_PASSWORD,
    GapFactory,
    MembershipFactory,
    StakeholderFactory,
    make_action,
    make_approved_plan,
    make_goal,
    make_meeting,
    make_minutes,
    make_plan,
    make_submitted_plan,
)
from ..hostile_support import NUL, SCRIPT, answered_safely, page_text, post_all

pytestmark = pytest.mark.django_db

LONG = "x" * 6000
HUGE_ID = "9" * 23
HOSTILE = [
    "NaN",
    "sNaN",
    "1e400",
    "12,5e400",
    LONG,
    "\x00",
    NUL,
    SCRIPT,
    "-1",
    HUGE_ID,
    "1 OR 1=1",
    "2026-02-30",
    "99999-01-01",
    "'; DROP TABLE actionplans_action; --",
]
PLAN_FIELDS = ("title", "period_start", "period_end")
GOAL_FIELDS = ("title", "target_value", "unit", "current_value", "relevance", "due_date")
ACTION_TEXT_FIELDS = (
    "title",
    "local_problem",
    "description",
    "resources",
    "obstacles",
    "obstacle_plan",
    "collaborators",
)
ACTION_FIELDS = (
    *ACTION_TEXT_FIELDS,
    "budget_amount",
    "budget_currency",
    "responsible_organisation",
    "responsible_member",
    "start_date",
    "due_date",
)
LINKS = ("goals", "gaps")


# Helpers ----------------------------------------------------------------------------------------


def _url(name: str, plan: ActionPlan, *extra) -> str:
    return reverse(f"actionplans:{name}", args=[plan.alliance_id, plan.pk, *extra])


def _stored() -> tuple:
    """Every row the action-plan pages write, as stored."""
    return (
        list(ActionPlan.objects.order_by("pk").values()),
        list(Goal.objects.order_by("pk").values()),
        list(Action.objects.order_by("pk").values()),
        list(Action.goals.through.objects.order_by("pk").values()),
        list(Action.gaps.through.objects.order_by("pk").values()),
        list(ProgressUpdate.objects.order_by("pk").values()),
        list(PlanVersion.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def _plan_form(**fields) -> dict:
    return {
        "title": "Action plan 2027-2028",
        "period_start": "2027-01-01",
        "period_end": "2028-06-30",
        **fields,
    }


def _goal_form(**fields) -> dict:
    return {
        "title": "Families know where to turn",
        "target_value": "60",
        "unit": "%",
        "current_value": "20",
        "relevance": "The vision.",
        "due_date": "2028-01-31",
        **fields,
    }


def _action_form(**fields) -> dict:
    return {
        "title": "Open a weekly help desk",
        "local_problem": "Families do not know which office does what.",
        "description": "A desk at the library every Tuesday.",
        "budget_amount": "48000",
        "budget_currency": "SEK",
        "resources": "Municipal grant",
        "responsible_organisation": "",
        "responsible_member": "",
        "start_date": "2027-02-01",
        "due_date": "2027-12-15",
        "obstacles": "",
        "obstacle_plan": "",
        "collaborators": "",
        "goals": [],
        "gaps": [],
        **fields,
    }


def _progress_form(**fields) -> dict:
    return {
        "date": timezone.localdate().isoformat(),
        "status": Action.Status.IN_PROGRESS,
        "percent": "40",
        "note": "On track.",
        **fields,
    }


class Setting:
    """An approved plan of the cast's alliance, with what another alliance has of each kind."""

    def __init__(self, cast):
        self.cast = cast
        self.plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=2)
        self.goal = self.plan.goals.get()
        self.action = self.plan.actions.get(number=1)
        self.own_action = self.plan.actions.get(number=2)
        Action.objects.filter(pk=self.own_action.pk).update(
            responsible_member=cast.membership(cast.member)
        )
        self.organisation = StakeholderFactory(alliance=cast.alliance).organisation
        self.gap = GapFactory(alliance=cast.alliance)
        other_plan = make_plan(cast.other_alliance, cast.other_chair)
        self.other = {
            "responsible_organisation": StakeholderFactory(
                alliance=cast.other_alliance
            ).organisation.pk,
            "responsible_member": Membership.objects.get(
                alliance=cast.other_alliance, user=cast.other_chair
            ).pk,
            "goals": make_goal(other_plan, cast.other_chair).pk,
            "gaps": GapFactory(alliance=cast.other_alliance).pk,
        }

    def drafting_posts(self, plan_data: dict, goal_data: dict, action_data: dict) -> list:
        """(name, url, data) of every form that drafts the plan."""
        plan = self.plan
        return [
            (
                "plan create",
                reverse("actionplans:plan_create", args=[plan.alliance_id]),
                plan_data,
            ),
            ("plan edit", _url("plan_edit", plan), plan_data),
            ("goal add", _url("goal_add", plan), goal_data),
            ("goal edit", _url("goal_edit", plan, self.goal.pk), goal_data),
            ("action add", _url("action_add", plan), action_data),
            ("action edit", _url("action_edit", plan, self.action.pk), action_data),
        ]


@pytest.fixture
def setting(cast) -> Setting:
    return Setting(cast)


# The drafting forms -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE)
def test_every_drafting_form_refuses_hostile_values_in_every_field(setting, bad):
    before = _stored()
    every_action_field = {**dict.fromkeys(ACTION_FIELDS, bad), **{name: [bad] for name in LINKS}}

    post_all(
        client_for(setting.cast.coordinator),
        setting.drafting_posts(
            dict.fromkeys(PLAN_FIELDS, bad), dict.fromkeys(GOAL_FIELDS, bad), every_action_field
        ),
        status=200,
    )

    assert _stored() == before


@pytest.mark.parametrize(
    "budget",
    ["12,5e400", "NaN", "sNaN", "-NaN", "Infinity", "1e10", "1e400", "-5", "abc", "0.001"],
)
def test_a_hostile_budget_is_refused(setting, budget):
    before = _stored()
    posts = setting.drafting_posts({}, {}, _action_form(budget_amount=budget))[4:]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert "budget_amount" in response.context["form"].errors, name

    assert _stored() == before


@pytest.mark.parametrize(
    "number", ["12,5e400", "NaN", "sNaN", "Infinity", "1e11", "1e400", "-5", "abc", "0.001"]
)
@pytest.mark.parametrize("field", ["target_value", "current_value"])
def test_a_hostile_goal_number_is_refused(setting, field, number):
    before = _stored()
    posts = setting.drafting_posts({}, _goal_form(**{field: number}), {})[2:4]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert field in response.context["form"].errors, name

    assert _stored() == before


@pytest.mark.parametrize("value", [HUGE_ID, "1 OR 1=1", "-1", "0", "1.0", "other alliance"])
@pytest.mark.parametrize("field", ["responsible_member", "responsible_organisation", *LINKS])
def test_hostile_or_foreign_ids_are_refused(setting, field, value):
    if value == "other alliance":
        value = setting.other[field]
    data = _action_form(**{field: [value] if field in LINKS else value})
    before = _stored()
    posts = setting.drafting_posts({}, {}, data)[4:]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert field in response.context["form"].errors, name

    assert _stored() == before


def test_an_inactive_member_cannot_be_made_responsible(setting):
    former = MembershipFactory(alliance=setting.cast.alliance, ended_at=timezone.now())
    before = _stored()
    posts = setting.drafting_posts({}, {}, _action_form(responsible_member=former.pk))[4:]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert "responsible_member" in response.context["form"].errors, name

    assert _stored() == before


@pytest.mark.parametrize("text", [NUL, "\x00", LONG], ids=["nul-inside", "nul", "6000-chars"])
@pytest.mark.parametrize(
    ("form", "field"),
    [
        ("plan", "title"),
        ("goal", "title"),
        ("goal", "unit"),
        ("goal", "relevance"),
        *(("action", name) for name in (*ACTION_TEXT_FIELDS, "budget_currency")),
    ],
)
def test_nul_bytes_and_overlong_text_are_refused(setting, form, field, text):
    data = {"plan": _plan_form, "goal": _goal_form, "action": _action_form}[form](**{field: text})
    posts = {
        "plan": setting.drafting_posts(data, {}, {})[:2],
        "goal": setting.drafting_posts({}, data, {})[2:4],
        "action": setting.drafting_posts({}, {}, data)[4:],
    }[form]
    before = _stored()

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert field in response.context["form"].errors, name

    assert _stored() == before


@pytest.mark.parametrize("day", ["2026-02-30", "99999-01-01", "2026-13-01", "0000-01-01", "31/12"])
def test_impossible_dates_are_refused(setting, day):
    before = _stored()
    posts = [
        *setting.drafting_posts(_plan_form(period_start=day), {}, {})[:2],
        *setting.drafting_posts(_plan_form(period_end=day), {}, {})[:2],
        *setting.drafting_posts({}, _goal_form(due_date=day), {})[2:4],
        *setting.drafting_posts({}, {}, _action_form(start_date=day))[4:],
        *setting.drafting_posts({}, {}, _action_form(due_date=day))[4:],
    ]

    for name, response in post_all(client_for(setting.cast.coordinator), posts, status=200):
        assert response.context["form"].errors, name

    assert _stored() == before


def test_a_due_date_before_the_start_date_is_explained_and_refused(setting):
    before = _stored()
    data = _action_form(start_date="2027-06-01", due_date="2027-05-31")

    responses = post_all(
        client_for(setting.cast.coordinator),
        setting.drafting_posts({}, {}, data)[4:],
        status=200,
    )

    for name, response in responses:
        assert escape(str(ERR_DUE_BEFORE_START)) in page_text(response), name
    assert _stored() == before


def test_a_plan_period_ending_before_it_starts_is_explained_and_refused(setting):
    before = _stored()
    data = _plan_form(period_start="2028-01-01", period_end="2027-01-01")

    responses = post_all(
        client_for(setting.cast.coordinator), setting.drafting_posts(data, {}, {})[:2], status=200
    )

    for name, response in responses:
        assert escape(str(ERR_PLAN_PERIOD)) in page_text(response), name
    assert _stored() == before


def test_the_extremes_of_the_calendar_are_stored_and_every_page_still_renders(setting):
    cast, plan = setting.cast, setting.plan
    client = client_for(cast.coordinator)
    client.post(
        _url("action_edit", plan, setting.action.pk),
        _action_form(start_date="0001-01-01", due_date="9999-12-31", goals=[setting.goal.pk]),
    )
    client.post(_url("goal_add", plan), _goal_form(due_date="9999-12-31"))
    client.post(
        _url("plan_edit", plan), _plan_form(period_start="0001-01-01", period_end="9999-12-31")
    )
    client.post(_url("progress_add", plan, setting.action.pk), _progress_form(date="0001-01-01"))
    setting.action.refresh_from_db()
    assert (setting.action.start_date.year, setting.action.due_date.year) == (1, 9999)
    assert setting.action.progress_updates.get().date.year == 1
    client.post(_url("plan_submit", plan))
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (ActionPlan.Status.SUBMITTED, 2)

    for name, user, extra in [
        ("plan", cast.coordinator, ()),
        ("board", cast.coordinator, ()),
        ("action", cast.coordinator, (setting.action.pk,)),
        ("versions", cast.coordinator, ()),
        ("version", cast.coordinator, (2,)),
        ("diff", cast.coordinator, ()),
        ("plan_review", cast.chair, ()),
    ]:
        response = client_for(user).get(_url(name, plan, *extra))
        assert response.status_code == 200, name


# Script in titles -------------------------------------------------------------------------------


def test_script_in_titles_and_texts_is_always_printed_escaped(setting):
    cast, plan = setting.cast, setting.plan
    organisation = StakeholderFactory(alliance=cast.alliance, organisation__name=SCRIPT)
    coordinator = client_for(cast.coordinator)
    posts = [
        (_url("plan_edit", plan), _plan_form(title=SCRIPT)),
        (_url("goal_add", plan), _goal_form(title=SCRIPT, unit=SCRIPT, relevance=SCRIPT)),
        (
            _url("action_add", plan),
            _action_form(
                title=SCRIPT,
                local_problem=SCRIPT,
                description=SCRIPT,
                responsible_organisation=organisation.organisation.pk,
                start_date=(timezone.localdate() - timedelta(days=30)).isoformat(),
                due_date=(timezone.localdate() + timedelta(days=3)).isoformat(),
            ),
        ),
    ]
    for url, data in posts:
        assert coordinator.post(url, data).status_code == 302, url
    action = plan.actions.get(title=SCRIPT)
    coordinator.post(_url("progress_add", plan, action.pk), _progress_form(note=SCRIPT))
    assert ProgressUpdate.objects.filter(action=action, note=SCRIPT).exists()
    coordinator.post(_url("plan_submit", plan))
    plan.refresh_from_db()
    assert (plan.title, plan.status, plan.version) == (SCRIPT, ActionPlan.Status.SUBMITTED, 2)
    chair = client_for(cast.chair)
    review = chair.get(_url("plan_review", plan))
    shown = plan.versions.get(number=2).sha256
    chair.post(_url("plan_return", plan), {"sha256": shown, "comments": SCRIPT})
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.RETURNED

    pages = {
        "review": review,
        "plan": coordinator.get(_url("plan", plan)),
        "board": coordinator.get(_url("board", plan)),
        "version": coordinator.get(_url("version", plan, 2)),
        "versions": coordinator.get(_url("versions", plan)),
        "diff": coordinator.get(_url("diff", plan), {"from": "1", "to": "2"}),
        "action": coordinator.get(_url("action", plan, action.pk)),
        "actions": coordinator.get(reverse("actionplans:actions", args=[cast.alliance.pk])),
        "plans": coordinator.get(reverse("actionplans:plans", args=[cast.alliance.pk])),
        "edit": coordinator.get(_url("action_edit", plan, action.pk)),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert SCRIPT not in page_text(response), name
    for name in ("plan", "board", "version", "review", "action", "diff"):
        assert escape(SCRIPT) in page_text(pages[name]), name


# Progress ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("percent", "101"),
        ("percent", "-1"),
        ("percent", "x"),
        ("percent", "1e400"),
        ("percent", "NaN"),
        ("percent", HUGE_ID),
        ("percent", ""),
        ("status", "sideways"),
        ("status", SCRIPT),
        ("status", ""),
        ("date", "2026-02-30"),
        ("date", "99999-01-01"),
        ("date", "tomorrow"),
        ("note", NUL),
        ("note", LONG),
    ],
)
def test_progress_refuses_hostile_values(setting, field, value):
    cast, plan = setting.cast, setting.plan
    if value == "tomorrow":
        value = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = _stored()
    posts = [
        (cast.coordinator, setting.action),
        (cast.member, setting.own_action),
    ]

    for user, action in posts:
        response = client_for(user).post(
            _url("progress_add", plan, action.pk), _progress_form(**{field: value})
        )
        answered_safely(response, field, 400)
        assert field in response.context["form"].errors

    assert _stored() == before


# The chair's decision ---------------------------------------------------------------------------


def _submitted(cast) -> ActionPlan:
    return make_submitted_plan(cast.alliance, cast.coordinator)


@pytest.mark.parametrize("sha256", ["f" * 10_000, "\x00" * 64, SCRIPT, HUGE_ID, ""])
def test_a_hostile_hash_decides_nothing(cast, sha256):
    plan = _submitted(cast)
    before = _stored()
    chair = client_for(cast.chair)

    approve = chair.post(_url("plan_approve", plan), {"sha256": sha256, "password": TEST_PASSWORD})
    send_back = chair.post(_url("plan_return", plan), {"sha256": sha256, "comments": "Fix it."})

    for name, response in (("approve", approve), ("return", send_back)):
        answered_safely(response, name, 302)
        assert response["Location"] == _url("plan_review", plan)
    assert escape(str(ERR_STALE_HASH)) in page_text(chair.get(_url("plan_review", plan)))
    assert _stored() == before


@pytest.mark.parametrize("password", ["", "\x00", NUL, "p" * 6000, SCRIPT, " " + TEST_PASSWORD])
def test_a_hostile_password_approves_nothing(cast, password):
    plan = _submitted(cast)
    sha256 = plan.versions.get().sha256
    before = _stored()

    response = client_for(cast.chair).post(
        _url("plan_approve", plan), {"sha256": sha256, "password": password}
    )

    answered_safely(response, "approve", 400)
    assert _stored() == before


@pytest.mark.parametrize("comments", ["", "\x00", NUL, LONG])
def test_hostile_comments_return_nothing(cast, comments):
    plan = _submitted(cast)
    sha256 = plan.versions.get().sha256
    before = _stored()

    response = client_for(cast.chair).post(
        _url("plan_return", plan), {"sha256": sha256, "comments": comments}
    )

    answered_safely(response, "return", 400)
    assert _stored() == before


# Moving and adopting ----------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["sideways", "", SCRIPT, "\x00", "up\x00", "UP", "-1", LONG])
def test_a_hostile_direction_moves_nothing(setting, direction):
    plan = make_plan(setting.cast.alliance, setting.cast.coordinator, title="Second plan")
    middle = [make_action(plan, setting.cast.coordinator, title=f"Row {n}") for n in range(3)][1]
    before = _stored()
    client = client_for(setting.cast.coordinator)

    response = client.post(_url("action_move", plan, middle.pk), {"direction": direction})

    answered_safely(response, "move", 302)
    assert escape(str(ERR_MOVE)) in page_text(client.get(response["Location"]))
    assert _stored() == before


def test_actions_of_another_alliance_or_another_plan_cannot_be_adopted(setting):
    cast, plan = setting.cast, setting.plan
    meeting = make_meeting(cast.other_alliance, cast.other_chair)
    item = make_minutes(meeting, cast.other_chair).items.get(kind=StandingItem.UPDATES)
    foreign = meeting_services.decided_action_add(item=item, actor=cast.other_chair, title="Theirs")
    before = _stored()
    client = client_for(cast.coordinator)

    for action_id in (foreign.pk, setting.action.pk):
        response = client.post(_url("action_adopt", plan, action_id))
        answered_safely(response, "adopt", 404)

    assert _stored() == before


@pytest.mark.parametrize("value", [HUGE_ID, "1 OR 1=1", "-1", "x", SCRIPT, "0", "\x00"])
def test_hostile_diff_and_page_parameters_answer_without_error(setting, value):
    plan = setting.plan
    client = client_for(setting.cast.member)
    answers = [
        client.get(_url("diff", plan), {"from": value}),
        client.get(_url("diff", plan), {"to": value}),
        client.get(reverse("actionplans:plans", args=[plan.alliance_id]), {"page": value}),
        client.get(reverse("actionplans:actions", args=[plan.alliance_id]), {"page": value}),
    ]
    for response, status in zip(answers, (404, 404, 200, 200), strict=True):
        answered_safely(response, value, status)


# Methods ----------------------------------------------------------------------------------------


def test_post_only_urls_answer_405_to_get(setting):
    cast, plan = setting.cast, setting.plan
    decided_item = make_minutes(make_meeting(cast.alliance, cast.secretary), cast.secretary)
    decided = meeting_services.decided_action_add(
        item=decided_item.items.get(kind=StandingItem.UPDATES),
        actor=cast.secretary,
        title="Decided",
    )
    before = _stored()
    urls = [
        (cast.coordinator, _url("action_move", plan, setting.action.pk)),
        (cast.coordinator, _url("plan_renumber", plan)),
        (cast.coordinator, _url("action_adopt", plan, decided.pk)),
        (cast.coordinator, _url("plan_withdraw", plan)),
        (cast.chair, _url("plan_approve", plan)),
        (cast.chair, _url("plan_return", plan)),
        (cast.coordinator, _url("progress_add", plan, setting.action.pk)),
        (cast.member, _url("progress_add", plan, setting.own_action.pk)),
    ]

    for user, url in urls:
        assert client_for(user).get(url).status_code == 405, url

    assert _stored() == before
