"""Who may open which URL: every URL pattern of the project, for every role of the cast.

A URL without an entry in MATRIX fails test_every_url_is_in_the_matrix, so no page can be added
without saying who may use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from agreements import services as agreement_services
from agreements.models import Signature, SignatureEvent
from agreements.tokens import signing_link_token
from alliance_portal.permissions import Role
from alliances.models import Membership
from alliances.tokens import invitation_token
from outreach.models import CommunicationEntry, CommunicationLog
from reminders.models import Delivery, ReminderKind
from reminders.tokens import stop_token
from reports.models import ArchiveExport
from stakeholders.models import Contact, Organisation, Stakeholder
from sustainability.models import Evaluation, SustainabilityPlan, Swot

from .conftest import CAST_ROLES, Cast, client_for
from .factories import (
    ContactFactory,
    GapFactory,
    InvitationFactory,
    MembershipFactory,
    StakeholderFactory,
    SupportProgrammeFactory,
    UserFactory,
    make_action,
    make_goal,
    make_meeting,
    make_minutes,
    make_plan,
    make_published_agreement,
    make_submitted_plan,
    publish_agreement,
    sign_agreement,
    start_agreement,
)

LOGIN = "login-redirect"
# The admin site guards itself (staff only); tests/alliances/test_admin.py checks it.
SELF_GUARDED_NAMESPACES = ("admin:",)


def _codes(**codes) -> dict[str, Any]:
    assert set(codes) == set(CAST_ROLES), f"missing roles: {set(CAST_ROLES) - set(codes)}"
    return codes


def everyone(code=200):
    return _codes(**dict.fromkeys(CAST_ROLES, code))


def logged_in(code=200):
    return {**everyone(code), "anonymous": LOGIN}


def alliance_members(code=200):
    return {**logged_in(code), "outsider": 404, "other_chair": 404}


def alliance_leaders(code=200):
    return {**alliance_members(code), "observer": 403, "member": 403, "secretary": 403}


def contact_readers(code=200):
    """Chair, coordinators and secretaries: the roles that see contact people's details."""
    return {**alliance_leaders(code), "secretary": code}


def alliance_chair(code=200):
    return {**alliance_leaders(code), "coordinator": 403}


@dataclass
class Case:
    expect: dict[str, Any]
    args: Callable[[Cast], list] = lambda cast: []
    method: str = "get"
    data: Callable[[Cast], dict] = lambda cast: {}
    extra: dict = field(default_factory=dict)


def _alliance(cast):
    return [cast.alliance.pk]


def _pending_invitation(cast):
    return InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)


def _stakeholder(cast):
    return StakeholderFactory(alliance=cast.alliance)


def _with_stakeholder(cast):
    return [cast.alliance.pk, _stakeholder(cast).pk]


def _with_contact(cast):
    contact = ContactFactory(organisation=_stakeholder(cast).organisation)
    return [cast.alliance.pk, contact.pk]


def _with_programme(cast):
    return [cast.alliance.pk, SupportProgrammeFactory(alliance=cast.alliance).pk]


def _with_gap(cast):
    return [cast.alliance.pk, GapFactory(alliance=cast.alliance).pk]


def meeting_organisers(code=200):
    """Chair, coordinators and secretaries: the roles that organise meetings and keep minutes."""
    return contact_readers(code)


def _meeting(cast):
    return make_meeting(cast.alliance, cast.secretary)


def _with_meeting(cast):
    return [cast.alliance.pk, _meeting(cast).pk]


def _with_agenda_item(cast):
    meeting = _meeting(cast)
    return [cast.alliance.pk, meeting.pk, meeting.agenda_items.first().pk]


def _minutes(cast, *, status=None):
    from meetings import services

    minutes = make_minutes(_meeting(cast), cast.secretary)
    if status in ("circulated", "approved"):
        services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    if status == "approved":
        services.minutes_approve(minutes=minutes, actor=cast.chair)
    return minutes


def _with_minutes(status=None):
    def args(cast):
        return [cast.alliance.pk, _minutes(cast, status=status).meeting_id]

    return args


def _with_minutes_item(status=None, kind=""):
    def args(cast):
        minutes = _minutes(cast, status=status)
        item = minutes.items.filter(kind=kind).first() if kind else minutes.items.first()
        return [cast.alliance.pk, minutes.meeting_id, item.pk]

    return args


def _with_decided_action(cast):
    from meetings import services

    minutes = _minutes(cast)
    action = services.decided_action_add(
        item=minutes.items.first(), actor=cast.secretary, title="Book the hall"
    )
    return [cast.alliance.pk, minutes.meeting_id, action.pk]


def _with_revision(cast):
    minutes = _minutes(cast, status="circulated")
    return [cast.alliance.pk, minutes.meeting_id, minutes.revisions.first().pk]


def _participant_key(cast):
    meeting = _meeting(cast)
    return [meeting.participants.get(user=cast.member).response_key]


def _feed_token(cast):
    from meetings import services

    return [services.calendar_feed_renew(user=cast.member).token]


def plan_drafters(code=200):
    """Coordinators and secretaries draft action plans; the chair signs them off."""
    return {**alliance_members(code), "observer": 403, "member": 403, "chair": 403}


def _plan(cast):
    plan = make_plan(cast.alliance, cast.coordinator)
    make_action(plan, cast.coordinator, goals=[make_goal(plan, cast.coordinator)])
    return plan


def _with_plan(cast):
    return [cast.alliance.pk, _plan(cast).pk]


def _with_submitted_plan(cast):
    return [cast.alliance.pk, make_submitted_plan(cast.alliance, cast.coordinator).pk]


def _with_version(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    return [cast.alliance.pk, plan.pk, plan.version]


def _with_goal(cast):
    plan = _plan(cast)
    return [cast.alliance.pk, plan.pk, plan.goals.first().pk]


def _with_plan_action(cast):
    plan = _plan(cast)
    return [cast.alliance.pk, plan.pk, plan.actions.first().pk]


def _with_adoptable_action(cast):
    from meetings import services

    minutes = _minutes(cast)
    action = services.decided_action_add(
        item=minutes.items.first(), actor=cast.secretary, title="Book the hall"
    )
    return [cast.alliance.pk, _plan(cast).pk, action.pk]


def agreement_signers(code=200):
    """Members with a seat sign the commitment agreement; observers hold no seat."""
    return {**alliance_members(code), "observer": 403}


def _someone_elses_signature(cast, *, sign=True, countersignature=False):
    """The signature of a member who is none of the cast: nobody's own signature."""
    version = make_published_agreement(
        cast.alliance, cast.coordinator, countersignature=countersignature
    )
    membership = MembershipFactory(alliance=cast.alliance, role=Role.MEMBER)
    if not sign:
        return agreement_services.signature_for_member(version=version, membership=membership)
    return sign_agreement(version, membership)


def _with_agreement(cast):
    start_agreement(cast.alliance, cast.coordinator)
    return [cast.alliance.pk]


def _with_agreement_version(cast):
    make_published_agreement(cast.alliance, cast.coordinator)
    return [cast.alliance.pk]


def _with_agreement_version_number(cast):
    return [cast.alliance.pk, make_published_agreement(cast.alliance, cast.coordinator).number]


def _with_others_signature(cast):
    return [cast.alliance.pk, _someone_elses_signature(cast).pk]


def _with_others_pending_signature(cast):
    return [cast.alliance.pk, _someone_elses_signature(cast, sign=False).pk]


def _with_countersignable_signature(cast):
    return [cast.alliance.pk, _someone_elses_signature(cast, countersignature=True).pk]


def _with_members_signature(cast):
    """The member's own signed signature: only the member answers for it."""
    signature = sign_agreement(
        make_published_agreement(cast.alliance, cast.coordinator), cast.membership(cast.member)
    )
    return [cast.alliance.pk, signature.pk]


def _tampered_signing_token(cast):
    """The token of a real invitation, with the nonce it carries changed."""

    signature = agreement_services.signature_for_member(
        version=make_published_agreement(cast.alliance, cast.coordinator),
        membership=cast.membership(cast.member),
    )
    signature.issue_link()
    signature.save(update_fields=["link_nonce", "invited_at"])
    token = signing_link_token(signature)
    tampered = token.replace(signature.link_nonce, "0" * len(signature.link_nonce))
    assert tampered != token
    return [tampered]


def _random_public_id(cast):
    return [uuid.uuid4()]


def _stop_token(cast):
    """The member's link to stop meeting reminders: it works for whoever holds it."""

    return [stop_token(user_id=cast.member.pk, kind="meeting_upcoming")]


def _reminder_schedule(cast):
    """The default schedule as the form posts it."""

    return {
        "send": list(ReminderKind.values),
        "meeting_days_before": "7, 1",
        "minutes_approval_days": "7",
        "secretary_nudge_days": "3",
        "action_due_days": "3",
        "agreement_days": "3, 7, 14",
        "plan_signoff_days": "2",
        "sustainability_months": "6",
        "send_hour": "8",
    }


def _failed_delivery(cast):
    """The member's meeting reminder that could not be sent."""
    from django.utils import timezone

    delivery = Delivery.objects.create(
        alliance=cast.alliance,
        recipient=cast.member,
        kind="meeting_upcoming",
        object_id=_meeting(cast).pk,
        slot="7d@20261203T0900Z",
        due_at=timezone.now(),
        status=Delivery.Status.FAILED,
        attempts=5,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    return [cast.alliance.pk, delivery.pk]


def _with_information(cast):
    from outreach import services

    services.information_save(
        alliance=cast.alliance, actor=cast.coordinator, why_alliance="To reach newcomers."
    )
    return [cast.alliance.pk]


def _entry(alliance, actor):
    from outreach import services

    return services.entry_save(
        alliance=alliance, actor=actor, audience="Parents", frequency="monthly"
    )


def _with_entry(cast):
    return [cast.alliance.pk, _entry(cast.alliance, cast.coordinator).pk]


def _published_profile(cast):
    from outreach import services

    cast.alliance.public_profile = "A regional alliance."
    cast.alliance.save()
    return [services.profile_publish(alliance=cast.alliance, actor=cast.chair).public_slug]


def _swot(alliance, actor):
    from datetime import date

    from sustainability import services

    return services.swot_save(
        alliance=alliance, actor=actor, title="Kick-off", held_on=date(2026, 9, 1)
    )


def _with_swot(cast):
    return [cast.alliance.pk, _swot(cast.alliance, cast.coordinator).pk]


def _evaluation(alliance, actor):
    from datetime import date

    from sustainability import services

    return services.evaluation_save(
        alliance=alliance, actor=actor, kind="joint", date=date(2026, 10, 1), findings="Good."
    )


def _with_evaluation(cast):
    return [cast.alliance.pk, _evaluation(cast.alliance, cast.coordinator).pk]


def evaluators(code=200):
    """Chair, coordinators and secretaries record SWOT analyses, evaluations and plans."""
    return contact_readers(code)


def _export(alliance, actor, **fields):

    return ArchiveExport.objects.create(
        alliance=alliance, requested_by=actor, language="en", **fields
    )


def _with_export(cast):
    return [cast.alliance.pk, _export(cast.alliance, cast.coordinator).pk]


def _report_period(cast):
    return {"start": "2026-09-01", "end": "2026-12-31"}


def _with_plan_export(cast):
    """A draft plan's PDF prepared in the background: whoever may read the plan follows it."""
    export = _export(cast.alliance, cast.coordinator, kind="plan", plan=_plan(cast))
    return [cast.alliance.pk, export.pk]


def _plan_export_request(cast):
    return {"kind": "plan", "plan": _plan(cast).pk}


MATRIX: dict[str, Case] = {
    "home": Case(logged_in(302)),
    "profile": Case(logged_in()),
    "login": Case({**everyone(302), "anonymous": 200}),
    "logout": Case(everyone(302), method="post"),
    # The same two pages under the names django-allauth's login steps use.
    "account_login": Case({**everyone(302), "anonymous": 200}),
    "account_logout": Case(everyone(302), method="post"),
    # Second factors, sessions and re-authentication: each person's own, nobody else's.
    "mfa_index": Case(logged_in()),
    # The second step of a login: without a password just entered, back to the login page.
    "mfa_authenticate": Case(everyone(302)),
    "mfa_reauthenticate": Case(logged_in(302)),
    "mfa_activate_totp": Case(logged_in(302)),
    "mfa_deactivate_totp": Case(logged_in(404)),
    # Recovery codes exist only beside an authenticator app or a passkey.
    "mfa_view_recovery_codes": Case(logged_in(404)),
    # Asks for a fresh proof first.
    "mfa_generate_recovery_codes": Case(logged_in(302)),
    "mfa_download_recovery_codes": Case(logged_in(404)),
    "mfa_list_webauthn": Case(logged_in()),
    "mfa_add_webauthn": Case(logged_in(302)),
    "mfa_reauthenticate_webauthn": Case(logged_in(302)),
    "mfa_remove_webauthn": Case(logged_in(302), args=lambda cast: [999999]),
    "mfa_edit_webauthn": Case(logged_in(302), args=lambda cast: [999999]),
    "usersessions_list": Case(logged_in()),
    "account_reauthenticate": Case(logged_in()),
    # Only for a provider the person's account is linked to; no provider is configured here.
    "reauthenticate_provider": Case(logged_in(), args=lambda cast: ["municipality"]),
    "reauthenticate_provider_go": Case(
        logged_in(404), method="post", args=lambda cast: ["municipality"]
    ),
    "portal_oidc_login": Case(everyone(404), args=lambda cast: ["municipality"]),
    "portal_oidc_callback": Case(everyone(404), args=lambda cast: ["municipality"]),
    "socialaccount_login_cancelled": Case(everyone()),
    "socialaccount_login_error": Case(everyone(401)),
    "socialaccount_signup": Case(everyone(302)),
    "socialaccount_connections": Case(logged_in()),
    "password_change": Case(logged_in()),
    "password_change_done": Case(logged_in()),
    "password_reset": Case(everyone()),
    "password_reset_done": Case(everyone()),
    "password_reset_confirm": Case(everyone(), args=lambda cast: ["MQ", "bad-token"]),
    "password_reset_complete": Case(everyone()),
    "set_language": Case(everyone(302), method="post", data=lambda cast: {"language": "sv"}),
    "invitation_accept": Case(
        everyone(), args=lambda cast: [invitation_token(_pending_invitation(cast))]
    ),
    "alliances:list": Case(logged_in()),
    "mywork:index": Case(logged_in()),
    "alliances:create": Case(
        {**logged_in(200), "outsider": 403, "observer": 403, "member": 403, "secretary": 403}
    ),
    "dashboard:alliance": Case(alliance_members(), args=_alliance),
    "alliances:edit": Case(alliance_leaders(), args=_alliance),
    "alliances:transition": Case(alliance_leaders(), args=lambda cast: [cast.alliance.pk, "close"]),
    "alliances:members": Case(alliance_members(), args=_alliance),
    "alliances:invite": Case(alliance_leaders(), args=_alliance),
    "alliances:invitation_revoke": Case(
        alliance_leaders(302),
        method="post",
        args=lambda cast: [cast.alliance.pk, _pending_invitation(cast).pk],
    ),
    "alliances:member_edit": Case(
        alliance_leaders(), args=lambda cast: [cast.alliance.pk, cast.membership(cast.member).pk]
    ),
    "alliances:member_end": Case(
        alliance_leaders(), args=lambda cast: [cast.alliance.pk, cast.membership(cast.member).pk]
    ),
    "alliances:hand_over": Case(alliance_chair(), args=_alliance),
    "alliances:audit_log": Case(alliance_leaders(), args=_alliance),
    "stakeholders:list": Case(alliance_members(), args=_alliance),
    "stakeholders:grid": Case(alliance_members(), args=_alliance),
    "stakeholders:create": Case(alliance_leaders(), args=_alliance),
    "stakeholders:detail": Case(alliance_members(), args=_with_stakeholder),
    "stakeholders:edit": Case(alliance_leaders(), args=_with_stakeholder),
    "stakeholders:remove": Case(alliance_leaders(), args=_with_stakeholder),
    "stakeholders:contact_create": Case(alliance_leaders(), args=_with_stakeholder),
    "stakeholders:contact_edit": Case(alliance_leaders(), args=_with_contact),
    "stakeholders:contact_erase": Case(alliance_leaders(), args=_with_contact),
    "stakeholders:contact_export": Case(
        alliance_leaders(), args=lambda cast: [*_with_contact(cast), "json"]
    ),
    "stakeholders:export": Case(contact_readers(), args=lambda cast: [cast.alliance.pk, "csv"]),
    "stakeholders:mapping_pdf": Case(contact_readers(), args=_alliance),
    "stakeholders:import": Case(alliance_leaders(), args=_alliance),
    "stakeholders:import_confirm": Case(
        alliance_leaders(302), method="post", args=_alliance, data=lambda cast: {"cancel": "1"}
    ),
    "stakeholders:import_template": Case(alliance_leaders(), args=_alliance),
    "stakeholders:balance": Case(alliance_members(), args=_alliance),
    "stakeholders:member_link": Case(
        alliance_leaders(), args=lambda cast: [cast.alliance.pk, cast.membership(cast.member).pk]
    ),
    "stakeholders:programmes": Case(alliance_members(), args=_alliance),
    "stakeholders:programme_create": Case(alliance_leaders(), args=_alliance),
    "stakeholders:programme_edit": Case(alliance_leaders(), args=_with_programme),
    "stakeholders:programme_delete": Case(alliance_leaders(), args=_with_programme),
    "stakeholders:gaps": Case(alliance_members(), args=_alliance),
    "stakeholders:gap_create": Case(alliance_leaders(), args=_alliance),
    "stakeholders:gap_edit": Case(alliance_leaders(), args=_with_gap),
    "stakeholders:gap_delete": Case(alliance_leaders(), args=_with_gap),
    "actionplans:actions": Case(alliance_members(), args=_alliance),
    "actionplans:plans": Case(alliance_members(), args=_alliance),
    "actionplans:plan_create": Case(plan_drafters(), args=_alliance),
    "actionplans:plan": Case(alliance_members(), args=_with_plan),
    "actionplans:plan_edit": Case(plan_drafters(), args=_with_plan),
    "actionplans:plan_delete": Case(plan_drafters(), args=_with_plan),
    "actionplans:goal_add": Case(plan_drafters(), args=_with_plan),
    "actionplans:goal_edit": Case(plan_drafters(), args=_with_goal),
    "actionplans:goal_remove": Case(plan_drafters(), args=_with_goal),
    "actionplans:action_add": Case(plan_drafters(), args=_with_plan),
    "actionplans:action": Case(alliance_members(), args=_with_plan_action),
    "actionplans:action_edit": Case(plan_drafters(), args=_with_plan_action),
    "actionplans:action_remove": Case(plan_drafters(), args=_with_plan_action),
    "actionplans:action_move": Case(
        plan_drafters(302),
        method="post",
        args=_with_plan_action,
        data=lambda cast: {"direction": "down"},
    ),
    # Nobody answers for the matrix's action, so a member may not report on it.
    "actionplans:progress_add": Case(
        {**contact_readers(302), "observer": 403, "member": 403},
        method="post",
        args=_with_plan_action,
        data=lambda cast: {"date": "2026-01-05", "status": "in_progress", "percent": "10"},
    ),
    "actionplans:plan_renumber": Case(plan_drafters(302), method="post", args=_with_plan),
    "actionplans:action_adopt": Case(
        plan_drafters(302), method="post", args=_with_adoptable_action
    ),
    "actionplans:board": Case(alliance_members(), args=_with_plan),
    "actionplans:plan_submit": Case(plan_drafters(), args=_with_plan),
    "actionplans:plan_withdraw": Case(plan_drafters(302), method="post", args=_with_submitted_plan),
    "actionplans:plan_review": Case(alliance_chair(), args=_with_submitted_plan),
    "actionplans:plan_approve": Case(
        {**alliance_chair(302), "chair": 400},
        method="post",
        args=_with_submitted_plan,
        data=lambda cast: {"sha256": "0" * 64},
    ),
    "actionplans:plan_return": Case(
        {**alliance_chair(302), "chair": 400},
        method="post",
        args=_with_submitted_plan,
        data=lambda cast: {"sha256": "0" * 64},
    ),
    "actionplans:versions": Case(alliance_members(), args=_with_plan),
    "actionplans:version": Case(alliance_members(), args=_with_version),
    "actionplans:diff": Case(alliance_members(), args=_with_submitted_plan),
    "actionplans:plan_pdf": Case(alliance_members(), args=_with_plan),
    "actionplans:version_pdf": Case(alliance_members(), args=_with_version),
    "actionplans:export_csv": Case(alliance_members(), args=_with_plan),
    "actionplans:export_xlsx": Case(alliance_members(), args=_with_plan),
    "actionplans:import": Case(plan_drafters(), args=_with_plan),
    "actionplans:import_confirm": Case(
        plan_drafters(302), method="post", args=_with_plan, data=lambda cast: {"cancel": "1"}
    ),
    "meetings:list": Case(alliance_members(), args=_alliance),
    "meetings:create": Case(meeting_organisers(), args=_alliance),
    "meetings:detail": Case(alliance_members(), args=_with_meeting),
    "meetings:edit": Case(meeting_organisers(), args=_with_meeting),
    "meetings:transition": Case(
        meeting_organisers(), args=lambda cast: [*_with_meeting(cast), "cancel"]
    ),
    "meetings:agenda_item_add": Case(meeting_organisers(), args=_with_meeting),
    "meetings:agenda_item_edit": Case(meeting_organisers(), args=_with_agenda_item),
    "meetings:agenda_item_remove": Case(meeting_organisers(), args=_with_agenda_item),
    "meetings:agenda_item_move": Case(
        meeting_organisers(302),
        method="post",
        args=_with_agenda_item,
        data=lambda cast: {"direction": "down"},
    ),
    "meetings:participants": Case(alliance_members(), args=_with_meeting),
    "meetings:guest_invite": Case(
        meeting_organisers(302),
        method="post",
        args=_with_meeting,
        data=lambda cast: {"guest-name": "A Guest", "guest-email": "guest@example.org"},
    ),
    "meetings:answer": Case(
        alliance_members(302), method="post", args=_with_meeting, data=lambda c: {"response": "yes"}
    ),
    "meetings:ics": Case(alliance_members(), args=_with_meeting),
    "meetings:agenda_pdf": Case(alliance_members(), args=_with_meeting),
    "meetings:minutes": Case(alliance_members(), args=_with_minutes()),
    "meetings:minutes_start": Case(meeting_organisers(302), method="post", args=_with_meeting),
    "meetings:minutes_save": Case(
        meeting_organisers(302),
        method="post",
        args=_with_minutes(),
        data=lambda cast: {"base_version": "1"},
    ),
    "meetings:minutes_presence": Case(meeting_organisers(), method="post", args=_with_minutes()),
    "meetings:minutes_presence_leave": Case(
        meeting_organisers(204), method="post", args=_with_minutes()
    ),
    "meetings:minutes_correct": Case(meeting_organisers(), args=_with_minutes("approved")),
    "meetings:minutes_transition": Case(
        meeting_organisers(), args=lambda cast: [*_with_minutes()(cast), "circulate"]
    ),
    "meetings:minutes_record_approval": Case(
        meeting_organisers(302),
        method="post",
        args=_with_minutes_item(kind="previous_minutes"),
    ),
    "meetings:decided_action_add": Case(meeting_organisers(), args=_with_minutes_item()),
    "meetings:decided_action_remove": Case(
        meeting_organisers(302), method="post", args=_with_decided_action
    ),
    "meetings:member_comment_add": Case(
        {**alliance_members(302), "observer": 403},
        method="post",
        args=_with_minutes_item("circulated"),
        data=lambda cast: {"body": "Please add the venue."},
    ),
    "meetings:minutes_history": Case(alliance_members(), args=_with_minutes("circulated")),
    "meetings:minutes_revision": Case(alliance_members(), args=_with_revision),
    "meetings:minutes_pdf": Case(alliance_members(), args=_with_minutes("circulated")),
    "meetings:answer_by_link": Case(everyone(), args=_participant_key),
    "meetings:calendar_feeds": Case(logged_in()),
    "meetings:calendar_feed_renew": Case(logged_in(302), method="post"),
    "meetings:calendar_feed_revoke": Case(logged_in(302), method="post"),
    "meetings:calendar_feed": Case(everyone(), args=_feed_token),
    "agreements:detail": Case(alliance_members(), args=_with_agreement_version),
    "agreements:start": Case(
        alliance_leaders(302), method="post", args=_alliance, data=lambda cast: {"language": "en"}
    ),
    "agreements:edit": Case(alliance_leaders(), args=_with_agreement),
    "agreements:reset": Case(alliance_leaders(), args=_with_agreement),
    "agreements:publish": Case(alliance_leaders(), args=_with_agreement),
    "agreements:sign": Case(agreement_signers(), args=_with_agreement_version),
    "agreements:decline": Case(agreement_signers(), args=_with_agreement_version),
    "agreements:versions": Case(alliance_members(), args=_with_agreement_version),
    "agreements:version": Case(alliance_members(), args=_with_agreement_version_number),
    "agreements:board": Case(alliance_leaders(), args=_with_agreement_version_number),
    "agreements:invite_unsigned": Case(
        alliance_leaders(302), method="post", args=_with_agreement_version_number
    ),
    "agreements:translation_edit": Case(
        alliance_leaders(), args=lambda cast: [*_with_agreement_version_number(cast), "sv"]
    ),
    "agreements:signature": Case(alliance_leaders(), args=_with_others_signature),
    "agreements:signature_pdf": Case(alliance_leaders(), args=_with_others_signature),
    "agreements:signature_invite": Case(
        alliance_leaders(302), method="post", args=_with_others_pending_signature
    ),
    "agreements:withdraw": Case(
        {**alliance_members(403), "member": 200}, args=_with_members_signature
    ),
    "agreements:countersign": Case(alliance_chair(), args=_with_countersignable_signature),
    "signing:sign": Case(everyone(404), args=_tampered_signing_token),
    "signing:code_send": Case(everyone(404), method="post", args=_tampered_signing_token),
    "signing:code_confirm": Case(
        everyone(404),
        method="post",
        args=_tampered_signing_token,
        data=lambda cast: {"code": "123456"},
    ),
    "signing:decline": Case(everyone(404), args=_tampered_signing_token),
    "signing:done": Case(everyone(404), args=_random_public_id),
    "signing:pdf": Case(everyone(404), args=_random_public_id),
    "signing:verify": Case(everyone()),
    "signing:certificate": Case(everyone()),
    "reminders:preferences": Case(logged_in()),
    # The signed token is the credential: no login, and a mail client posts without cookies.
    "reminders:stop": Case(everyone(), args=_stop_token),
    "reminders:resume": Case(everyone(), method="post", args=_stop_token),
    "reminders:alliance": Case(alliance_leaders(), args=_alliance),
    "reminders:settings": Case(
        alliance_leaders(302), method="post", args=_alliance, data=_reminder_schedule
    ),
    "reminders:retry": Case(alliance_leaders(302), method="post", args=_failed_delivery),
    "reminders:retry_failed": Case(alliance_leaders(302), method="post", args=_alliance),
    "outreach:information": Case(alliance_members(), args=_alliance),
    "outreach:information_edit": Case(alliance_leaders(), args=_alliance),
    "outreach:information_pdf": Case(alliance_members(), args=_with_information),
    "outreach:communication": Case(alliance_members(), args=_alliance),
    "outreach:communication_settings": Case(alliance_leaders(), args=_alliance),
    "outreach:entry_create": Case(alliance_leaders(), args=_alliance),
    "outreach:entry_edit": Case(alliance_leaders(), args=_with_entry),
    "outreach:entry_delete": Case(alliance_leaders(), args=_with_entry),
    "outreach:entry_done": Case(alliance_leaders(), args=_with_entry),
    "outreach:profile": Case(alliance_leaders(), args=_alliance),
    "outreach:profile_publish": Case(alliance_leaders(302), method="post", args=_alliance),
    "outreach:profile_unpublish": Case(alliance_leaders(302), method="post", args=_alliance),
    # Published on purpose: anyone may read it, logged in or not.
    "public:profile": Case(everyone(), args=_published_profile),
    "sustainability:swots": Case(alliance_members(), args=_alliance),
    "sustainability:swot_create": Case(evaluators(), args=_alliance),
    "sustainability:swot_compare": Case(alliance_members(), args=_alliance),
    "sustainability:swot": Case(alliance_members(), args=_with_swot),
    "sustainability:swot_edit": Case(evaluators(), args=_with_swot),
    "sustainability:swot_delete": Case(evaluators(), args=_with_swot),
    "sustainability:evaluations": Case(alliance_members(), args=_alliance),
    "sustainability:evaluation_create": Case(evaluators(), args=_alliance),
    "sustainability:evaluation_edit": Case(evaluators(), args=_with_evaluation),
    "sustainability:evaluation_delete": Case(evaluators(), args=_with_evaluation),
    "sustainability:plans": Case(alliance_members(), args=_alliance),
    "sustainability:plan_edit": Case(evaluators(), args=_with_plan),
    "reports:index": Case(alliance_leaders(), args=_alliance),
    "reports:report_pdf": Case(alliance_leaders(), args=_alliance, data=_report_period),
    "reports:archives": Case(alliance_leaders(), args=_alliance),
    "reports:archive_create": Case(alliance_leaders(302), method="post", args=_alliance),
    "reports:archive_status": Case(alliance_leaders(), args=_with_export),
    # A queued archive is not ready: its leaders are sent back to the list.
    "reports:archive_download": Case(alliance_leaders(302), args=_with_export),
    "reports:exports": Case(alliance_members(), args=_alliance),
    "reports:export_create": Case(
        alliance_members(302), method="post", args=_alliance, data=_plan_export_request
    ),
    "reports:export": Case(alliance_members(), args=_with_plan_export),
    # Staff only; nobody of the cast is staff. The JSON answers 403, never a login redirect.
    "health": Case(logged_in(403)),
    "health_json": Case(everyone(403)),
}


def project_url_names(urlconf=None) -> set[str]:
    """Every URL pattern of the project by namespaced name; unnamed ones by their route."""
    names: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix)
            elif isinstance(pattern, URLPattern):
                names.add(
                    f"{namespace}{pattern.name}"
                    if pattern.name
                    else f"{namespace}<{pattern.pattern}>"
                )

    walk(get_resolver(urlconf).url_patterns, "")
    return names


def uncovered_url_names(urlconf=None) -> list[str]:
    return sorted(
        name
        for name in project_url_names(urlconf)
        if name not in MATRIX and not name.startswith(SELF_GUARDED_NAMESPACES)
    )


def test_every_url_is_in_the_matrix():
    assert uncovered_url_names() == [], "add these URLs to MATRIX in this file"


def test_matrix_names_only_existing_urls():
    assert set(MATRIX) - project_url_names() == set()


# A URLconf with one page more than the project's: the coverage check must notice it.
urlpatterns = [
    *get_resolver().url_patterns,
    path("unchecked/", lambda request: None, name="unchecked_page"),
]


def test_url_coverage_check_notices_a_new_url():
    assert uncovered_url_names(urlconf=__name__) == ["unchecked_page"]


def _request(cast: Cast, role: str, name: str, case: Case, *, method: str):
    client = client_for(cast.user(role))
    url = reverse(name, args=case.args(cast))
    send = getattr(client, method)
    return send(url, case.data(cast)), url


def _answer_problem(cast: Cast, role: str, name: str, case: Case) -> str | None:
    """What is wrong with the answer `role` gets at the URL, or None when it is the expected one."""
    response, url = _request(cast, role, name, case, method=case.method)
    expected = case.expect[role]
    if expected == LOGIN:
        if response.status_code == 302 and response["Location"].startswith(reverse("login")):
            return None
        return f"{role} on {url}: {response.status_code}, expected a redirect to the login page"
    if response.status_code != expected:
        return f"{role} on {url}: {response.status_code}, expected {expected}"
    return None


class _RolledBack(Exception):
    pass


# One test a URL: the cast is made once, and each role's request (with the objects its URL needs)
# runs in a savepoint that is rolled back, so no role sees what another one's request changed.
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_role_gets_the_expected_answer(cast, name):
    case = MATRIX[name]
    problems = []
    for role in CAST_ROLES:
        cache.clear()  # the request limits count per address, as between tests
        try:
            with transaction.atomic():
                problems.append(_answer_problem(cast, role, name, case))
                raise _RolledBack
        except _RolledBack:
            pass
    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(problems)


POST_ONLY = sorted(name for name, case in MATRIX.items() if case.method == "post")


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_urls_refuse_get(cast, name):
    case = MATRIX[name]
    response, _url = _request(cast, "chair", name, case, method="get")
    assert response.status_code == 405


def test_staff_without_membership_does_not_see_an_alliance(cast):
    staff = UserFactory(is_staff=True)
    response = client_for(staff).get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
    assert response.status_code == 404


def test_ended_membership_loses_access(cast):
    membership = cast.membership(cast.member)
    membership.end(by=cast.chair)
    membership.save()
    response = client_for(cast.member).get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
    assert response.status_code == 404


def test_each_role_of_the_cast_is_a_real_role(cast):
    roles = {cast.membership(getattr(cast, role.value)).role for role in Role}
    assert roles == set(Role.values)


def _other_meeting_ids(cast) -> dict[str, int]:
    """A meeting of the alliance and one of another alliance, both with minutes."""
    own = make_meeting(cast.alliance, cast.secretary)
    make_minutes(own, cast.secretary)
    other = make_meeting(cast.other_alliance, cast.other_chair)
    other_minutes = make_minutes(other, cast.other_chair)
    return {
        "meeting": own.pk,
        "other_meeting": other.pk,
        "other_item": other.agenda_items.first().pk,
        "other_minutes_item": other_minutes.items.first().pk,
    }


def _other_plan_ids(cast) -> dict[str, int]:
    """A plan of the alliance and a submitted one of another alliance."""
    other = make_submitted_plan(cast.other_alliance, cast.other_chair)
    return {
        "plan": _plan(cast).pk,
        "other_plan": other.pk,
        "other_goal": other.goals.first().pk,
        "other_action": other.actions.first().pk,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/99999999999999999999999/",
        "/alliances/{alliance}/members/99999999999999999999999/edit/",
        "/alliances/{other}/audit/",
        "/alliances/{alliance}/stakeholders/{other_stakeholder}/",
        "/alliances/{alliance}/stakeholders/{other_stakeholder}/edit/",
        "/alliances/{alliance}/stakeholders/contacts/{other_contact}/edit/",
        "/alliances/{alliance}/stakeholders/contacts/{other_contact}/personal-data.json",
        "/alliances/{alliance}/stakeholders/programmes/{other_programme}/edit/",
        "/alliances/{alliance}/stakeholders/gaps/{other_gap}/edit/",
        "/alliances/{other}/stakeholders/",
        "/alliances/{alliance}/stakeholders/99999999999999999999999/",
        "/alliances/{alliance}/meetings/{other_meeting}/",
        "/alliances/{alliance}/meetings/{other_meeting}/minutes/",
        "/alliances/{alliance}/meetings/{other_meeting}/meeting.ics",
        "/alliances/{alliance}/meetings/{other_meeting}/agenda.pdf",
        "/alliances/{alliance}/meetings/{other_meeting}/minutes.pdf",
        "/alliances/{alliance}/meetings/{other_meeting}/agenda/{other_item}/edit/",
        "/alliances/{alliance}/meetings/{meeting}/agenda/{other_item}/edit/",
        "/alliances/{alliance}/meetings/{meeting}/minutes/items/{other_minutes_item}/actions/new/",
        "/alliances/{other}/meetings/{other_meeting}/",
        "/alliances/{alliance}/meetings/99999999999999999999999/",
        "/alliances/{alliance}/plans/{other_plan}/",
        "/alliances/{alliance}/plans/{other_plan}/board/",
        "/alliances/{alliance}/plans/{other_plan}/review/",
        "/alliances/{alliance}/plans/{other_plan}/plan.pdf",
        "/alliances/{alliance}/plans/{other_plan}/versions/1/",
        "/alliances/{alliance}/plans/{other_plan}/versions/1/plan.pdf",
        "/alliances/{alliance}/plans/{other_plan}/actions.csv",
        "/alliances/{alliance}/plans/{other_plan}/actions/{other_action}/",
        "/alliances/{alliance}/plans/{plan}/actions/{other_action}/",
        "/alliances/{other}/plans/{other_plan}/",
        "/alliances/{alliance}/plans/99999999999999999999999/",
        "/alliances/{alliance}/plans/{plan}/versions/99999999999999999999999/",
    ],
)
def test_hostile_ids_in_urls_are_404(cast, path):
    other_stakeholder = StakeholderFactory(alliance=cast.other_alliance)
    url = path.format(
        alliance=cast.alliance.pk,
        other=cast.other_alliance.pk,
        other_stakeholder=other_stakeholder.pk,
        other_contact=ContactFactory(organisation=other_stakeholder.organisation).pk,
        other_programme=SupportProgrammeFactory(alliance=cast.other_alliance).pk,
        other_gap=GapFactory(alliance=cast.other_alliance).pk,
        **_other_meeting_ids(cast),
        **_other_plan_ids(cast),
    )
    assert client_for(cast.chair).get(url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/{alliance}/plans/{other_plan}/edit/",
        "/alliances/{alliance}/plans/{other_plan}/goals/{other_goal}/edit/",
        "/alliances/{alliance}/plans/{plan}/goals/{other_goal}/edit/",
        "/alliances/{alliance}/plans/{plan}/goals/{other_goal}/remove/",
        "/alliances/{alliance}/plans/{plan}/actions/{other_action}/edit/",
        "/alliances/{alliance}/plans/{plan}/actions/{other_action}/remove/",
        "/alliances/{alliance}/plans/{other_plan}/import/",
        "/alliances/{alliance}/plans/{other_plan}/submit/",
    ],
)
def test_hostile_ids_in_plan_drafting_urls_are_404(cast, path):
    """Drafting pages are the coordinator's: another alliance's ids answer 404, not 403."""
    url = path.format(alliance=cast.alliance.pk, **_other_plan_ids(cast))
    assert client_for(cast.coordinator).get(url).status_code == 404


def _other_agreement_ids(cast) -> dict[str, object]:
    """Version 1 of the alliance's agreement, and another alliance's agreement with versions 1
    and 2 and a signature on each; the alliance has no version 2."""
    own = make_published_agreement(cast.alliance, cast.coordinator)
    other_agreement = start_agreement(cast.other_alliance, cast.other_chair)
    first = publish_agreement(other_agreement, cast.other_chair)
    other_signer = cast.other_alliance.memberships.exclude(user=cast.other_chair).get()
    first_signature = sign_agreement(first, other_signer)
    agreement_services.agreement_update(
        agreement=other_agreement, actor=cast.other_chair, title="A second version"
    )
    second = publish_agreement(other_agreement, cast.other_chair)
    second_signature = agreement_services.signature_for_member(
        version=second, membership=other_signer
    )
    assert own.number == 1 and second.number == 2
    return {
        "other_version": second.number,
        "other_signature": first_signature.pk,
        "other_pending": second_signature.pk,
        "other_public_id": first_signature.public_id,
    }


HOSTILE_AGREEMENT_PATHS = [
    "/alliances/{other}/agreement/",
    "/alliances/{other}/agreement/versions/",
    "/alliances/{other}/agreement/versions/1/",
    "/alliances/{other}/agreement/versions/1/board/",
    "/alliances/{other}/agreement/signatures/{other_signature}/",
    "/alliances/{other}/agreement/signatures/{other_signature}/agreement.pdf",
    "/alliances/{alliance}/agreement/versions/{other_version}/",
    "/alliances/{alliance}/agreement/versions/{other_version}/board/",
    "/alliances/{alliance}/agreement/versions/{other_version}/translations/sv/",
    "/alliances/{alliance}/agreement/signatures/{other_signature}/",
    "/alliances/{alliance}/agreement/signatures/{other_signature}/agreement.pdf",
    "/alliances/{alliance}/agreement/signatures/{other_signature}/withdraw/",
    "/alliances/{alliance}/agreement/signatures/{other_signature}/countersign/",
    "/alliances/{alliance}/agreement/signatures/{other_pending}/",
    "/alliances/{alliance}/agreement/versions/0/",
    "/alliances/{alliance}/agreement/versions/-1/",
    "/alliances/{alliance}/agreement/versions/99999999999999999999999/",
    "/alliances/{alliance}/agreement/versions/99999999999999999999999/board/",
    "/alliances/{alliance}/agreement/signatures/99999999999999999999999/",
    "/alliances/{alliance}/agreement/signatures/99999999999999999999999/agreement.pdf",
    "/signed/{other_public_id}/",
    "/signed/{other_public_id}/agreement.pdf",
]
# A member lacks the capability for the board, translations and countersigning, and is told
# so (403) before any id is looked at; every other page answers 404 for ids not theirs.
MEMBER_FORBIDDEN_FIRST = ("/board/", "/translations/", "/countersign/")


@pytest.mark.parametrize("role", ["chair", "coordinator"])
@pytest.mark.parametrize("path", HOSTILE_AGREEMENT_PATHS)
def test_hostile_agreement_ids_in_urls_are_404(cast, path, role):
    url = path.format(
        alliance=cast.alliance.pk, other=cast.other_alliance.pk, **_other_agreement_ids(cast)
    )
    assert client_for(cast.user(role)).get(url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        path
        for path in HOSTILE_AGREEMENT_PATHS
        if not (
            path.startswith("/alliances/{alliance}/")
            and any(part in path for part in MEMBER_FORBIDDEN_FIRST)
        )
    ],
)
def test_hostile_agreement_ids_are_404_for_a_member(cast, path):
    url = path.format(
        alliance=cast.alliance.pk, other=cast.other_alliance.pk, **_other_agreement_ids(cast)
    )
    assert client_for(cast.member).get(url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/{alliance}/agreement/versions/{other_version}/invite/",
        "/alliances/{alliance}/agreement/signatures/{other_pending}/invite/",
        "/alliances/{alliance}/agreement/signatures/{other_signature}/withdraw/",
        "/alliances/{alliance}/agreement/signatures/{other_signature}/countersign/",
        "/alliances/{other}/agreement/versions/{other_version}/invite/",
        "/alliances/{other}/agreement/signatures/{other_pending}/invite/",
    ],
)
def test_hostile_agreement_ids_in_posts_are_404_and_change_nothing(cast, path):

    ids = _other_agreement_ids(cast)
    before = {(s.pk, s.status, s.link_nonce, s.countersigned_at) for s in Signature.objects.all()}
    events = SignatureEvent.objects.count()
    url = path.format(alliance=cast.alliance.pk, other=cast.other_alliance.pk, **ids)
    response = client_for(cast.chair).post(
        url, {"reason": "Not mine", "typed_name": "Chair", "consent": "on"}
    )
    assert response.status_code == 404
    after = {(s.pk, s.status, s.link_nonce, s.countersigned_at) for s in Signature.objects.all()}
    assert after == before
    assert SignatureEvent.objects.count() == events


def test_adopting_another_alliances_decided_action_is_404(cast):
    from meetings import services

    other_minutes = make_minutes(
        make_meeting(cast.other_alliance, cast.other_chair), cast.other_chair
    )
    action = services.decided_action_add(
        item=other_minutes.items.first(), actor=cast.other_chair, title="Book the hall"
    )
    plan = _plan(cast)
    url = reverse("actionplans:action_adopt", args=[cast.alliance.pk, plan.pk, action.pk])
    assert client_for(cast.coordinator).post(url).status_code == 404
    action.refresh_from_db()
    assert action.plan_id is None


def _other_template_ids(cast) -> dict[str, int]:
    """A communication row, a SWOT, an evaluation, a plan and an archive of another alliance."""
    return {
        "other_entry": _entry(cast.other_alliance, cast.other_chair).pk,
        "other_swot": _swot(cast.other_alliance, cast.other_chair).pk,
        "other_evaluation": _evaluation(cast.other_alliance, cast.other_chair).pk,
        "other_plan": make_plan(cast.other_alliance, cast.other_chair).pk,
        "other_export": _export(cast.other_alliance, cast.other_chair).pk,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/{alliance}/outreach/communication/rows/{other_entry}/edit/",
        "/alliances/{alliance}/outreach/communication/rows/{other_entry}/remove/",
        "/alliances/{alliance}/outreach/communication/rows/{other_entry}/carried-out/",
        "/alliances/{alliance}/outreach/communication/rows/99999999999999999999999/edit/",
        "/alliances/{other}/outreach/information/",
        "/alliances/{other}/outreach/communication/",
        "/alliances/{alliance}/evaluation/swot/{other_swot}/",
        "/alliances/{alliance}/evaluation/swot/{other_swot}/edit/",
        "/alliances/{alliance}/evaluation/swot/{other_swot}/delete/",
        "/alliances/{alliance}/evaluation/swot/99999999999999999999999/",
        "/alliances/{alliance}/evaluation/evaluations/{other_evaluation}/edit/",
        "/alliances/{alliance}/evaluation/evaluations/{other_evaluation}/delete/",
        "/alliances/{alliance}/evaluation/sustainability/{other_plan}/",
        "/alliances/{other}/evaluation/swot/{other_swot}/",
        "/alliances/{alliance}/reports/archives/{other_export}/status/",
        "/alliances/{alliance}/reports/archives/{other_export}/download/",
        "/alliances/{alliance}/reports/archives/99999999999999999999999/status/",
        "/alliances/{other}/reports/archives/{other_export}/download/",
        "/alliances/{alliance}/reports/documents/{other_export}/",
        "/alliances/{other}/reports/documents/{other_export}/",
        "/profiles/not-published/",
    ],
)
def test_hostile_ids_in_the_guides_templates_are_404(cast, path):
    url = path.format(
        alliance=cast.alliance.pk, other=cast.other_alliance.pk, **_other_template_ids(cast)
    )
    assert client_for(cast.coordinator).get(url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/{alliance}/outreach/communication/rows/{other_entry}/edit/",
        "/alliances/{alliance}/outreach/communication/rows/{other_entry}/remove/",
        "/alliances/{alliance}/outreach/communication/rows/{other_entry}/carried-out/",
        "/alliances/{alliance}/evaluation/swot/{other_swot}/edit/",
        "/alliances/{alliance}/evaluation/swot/{other_swot}/delete/",
        "/alliances/{alliance}/evaluation/evaluations/{other_evaluation}/delete/",
        "/alliances/{alliance}/evaluation/sustainability/{other_plan}/",
    ],
)
def test_posting_to_another_alliances_records_is_404_and_changes_nothing(cast, path):

    ids = _other_template_ids(cast)
    counts = [
        model.objects.count()
        for model in (CommunicationEntry, CommunicationLog, Swot, Evaluation, SustainabilityPlan)
    ]
    titles = sorted(Swot.objects.values_list("title", flat=True))
    url = path.format(alliance=cast.alliance.pk, **ids)
    data = {
        "title": "Taken over",
        "held_on": "2026-10-01",
        "audience": "Taken over",
        "frequency": "once",
        f"done-{ids['other_entry']}-date": "2026-10-01",
        "what_continues": "Taken over",
    }
    assert client_for(cast.coordinator).post(url, data).status_code == 404
    assert [
        model.objects.count()
        for model in (CommunicationEntry, CommunicationLog, Swot, Evaluation, SustainabilityPlan)
    ] == counts
    assert sorted(Swot.objects.values_list("title", flat=True)) == titles


# Objects reached through a shared parent ---------------------------------------------------------
# Two alliances can map the same organisation. What one of them recorded there (its contact
# people, its assessment) must stay out of the other's reach, although both reach the
# organisation itself.

SHARED_PARENT_PARAMS = {"contact_id", "stakeholder_id", "organisation_id"}
OTHER_PARAMS = {"alliance_id", "fmt"}


def shared_parent_url_names(urlconf=None) -> dict[str, set[str]]:
    """Every URL that takes a contact, stakeholder or organisation id, with all its parameters."""
    found: dict[str, set[str]] = {}

    def walk(patterns, namespace: str, params: set[str]) -> None:
        for pattern in patterns:
            own = set(getattr(pattern.pattern, "converters", {}))
            if isinstance(pattern, URLResolver):
                prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix, params | own)
            elif isinstance(pattern, URLPattern) and (params | own) & SHARED_PARENT_PARAMS:
                found[f"{namespace}{pattern.name}"] = params | own

    walk(get_resolver(urlconf).url_patterns, "", set())
    return found


SHARED_PARENT_URLS = shared_parent_url_names()


def test_shared_parent_urls_are_found():
    assert {
        "stakeholders:detail",
        "stakeholders:contact_edit",
        "stakeholders:contact_erase",
        "stakeholders:contact_export",
    } <= set(SHARED_PARENT_URLS)


def _shared_organisation(cast):
    """Alliance A (the cast's) maps an organisation and recorded a contact person there;
    alliance B maps the same organisation. Returns A's stakeholder, A's contact and B's
    coordinator."""
    from stakeholders import services

    ours, _joined = services.stakeholder_create(
        alliance=cast.alliance,
        actor=cast.coordinator,
        organisation={"name": "Red Cross Växjö", "municipality": "Växjö"},
        assessment={"notes": "Kronoberg own note"},
    )
    contact = services.contact_create(
        organisation=ours.organisation,
        alliance=cast.alliance,
        actor=cast.coordinator,
        name="Kim Secretperson",
        phone="+46 470 999 111",
        email="kim.secret@example.org",
    )
    theirs, joined = services.stakeholder_create(
        alliance=cast.other_alliance,
        actor=cast.other_chair,
        organisation={"name": "Red Cross Växjö", "municipality": "Växjö"},
    )
    assert joined and theirs.organisation == ours.organisation
    other_coordinator = MembershipFactory(alliance=cast.other_alliance, role=Role.COORDINATOR).user
    return ours, contact, other_coordinator


def _register_snapshot():

    return [
        list(model.objects.order_by("pk").values())
        for model in (Contact, Organisation, Stakeholder, Membership)
    ]


SHARED_PARENT_POST = {
    "name": "Taken over",
    "email": "taken.over@example.org",
    "phone": "+46 0",
    "authority_to_commit": "unknown",
    "confirm": "on",
    "org-name": "Taken over",
    "org-municipality": "Växjö",
    "org-category": "other",
    "org-sector": "other",
    "assessment-impact": "1",
    "assessment-interest": "1",
    "assessment-status": "identified",
    "assessment-notes": "Taken over",
}


@pytest.mark.parametrize("role", ["coordinator", "chair"])
@pytest.mark.parametrize("name", sorted(SHARED_PARENT_URLS))
def test_another_alliances_objects_under_a_shared_organisation_are_404(cast, name, role):
    """B's leaders ask, through B's own URLs, for what A recorded at an organisation both map."""
    ours, contact, other_coordinator = _shared_organisation(cast)
    user = other_coordinator if role == "coordinator" else cast.other_chair
    values = {
        "alliance_id": cast.other_alliance.pk,
        "contact_id": contact.pk,
        "stakeholder_id": ours.pk,
        "organisation_id": ours.organisation_id,
        "fmt": "json",
    }
    params = SHARED_PARENT_URLS[name]
    assert params <= SHARED_PARENT_PARAMS | OTHER_PARAMS, f"say how to fill {name}'s parameters"
    url = reverse(name, kwargs={key: values[key] for key in params})
    before = _register_snapshot()
    client = client_for(user)
    assert client.get(url).status_code == 404, url
    assert client.post(url, SHARED_PARENT_POST).status_code in (404, 405), url
    assert _register_snapshot() == before


def test_another_alliance_joining_an_organisation_sees_none_of_its_contacts(cast):
    """The steps that found the leak: B adds an organisation A maps, and looks for A's people."""
    ours, contact, other_coordinator = _shared_organisation(cast)

    Stakeholder.objects.filter(alliance=cast.other_alliance).delete()
    client = client_for(other_coordinator)
    other = cast.other_alliance.pk
    response = client.post(
        reverse("stakeholders:create", args=[other]),
        {
            "org-name": "Red Cross Växjö",
            "org-municipality": "Växjö",
            "org-category": "other",
            "org-sector": "other",
            "assessment-impact": "2",
            "assessment-interest": "2",
            "assessment-status": "identified",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.context["stakeholder"].organisation == ours.organisation
    page = response.content.decode()
    for secret in ("Kim Secretperson", "+46 470 999 111", "kim.secret@example.org"):
        assert secret not in page
    assert "Kronoberg own note" not in page
    # Searching B's list for A's person finds nothing; B's export and count leave them out.
    search = client.get(reverse("stakeholders:list", args=[other]), {"q": "Secretperson"})
    assert list(search.context["page"].object_list) == []
    listing = client.get(reverse("stakeholders:list", args=[other]))
    assert [row.contact_count for row in listing.context["page"].object_list] == [0]
    export = client.get(reverse("stakeholders:export", args=[other, "csv"])).content
    assert b"Secretperson" not in export and b"kim.secret" not in export

    url = f"/alliances/{other}/stakeholders/contacts/{contact.pk}/"
    before = _register_snapshot()
    assert client.get(url + "personal-data.json").status_code == 404
    assert client.post(url + "edit/", SHARED_PARENT_POST).status_code == 404
    assert client.post(url + "erase/", {"confirm": "on"}).status_code == 404
    assert _register_snapshot() == before


def test_a_member_cannot_be_linked_to_another_alliances_contact(cast):
    """The link form takes a contact id in its body: another alliance's is refused."""
    ours, contact, other_coordinator = _shared_organisation(cast)
    membership = MembershipFactory(alliance=cast.other_alliance)
    url = reverse("stakeholders:member_link", args=[cast.other_alliance.pk, membership.pk])
    response = client_for(other_coordinator).post(
        url, {"organisation": ours.organisation_id, "contact": contact.pk}
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.contact is None


# A chair or coordinator without the second factor their role asks for ---------------------------
# With the portal's rules on (chairs, coordinators and staff must use one), they keep what an
# ordinary member may do and are sent to set one up for the rest: approving, countersigning,
# erasing a contact person, changing a role, handing over the chair, inviting.
SECOND_FACTOR_ACTS = {
    "actionplans:plan_approve": ("chair", "post"),
    "agreements:countersign": ("chair", "post"),
    "stakeholders:contact_erase": ("coordinator", "post"),
    "alliances:member_edit": ("chair", "post"),
    "alliances:hand_over": ("chair", "post"),
    "alliances:invite": ("coordinator", "get"),
}


@pytest.mark.parametrize("name", sorted(SECOND_FACTOR_ACTS))
def test_a_leader_without_the_required_second_factor_is_sent_to_set_one_up(
    cast, portal_signin_rules, name
):
    role, method = SECOND_FACTOR_ACTS[name]
    case = MATRIX[name]
    client = client_for(cast.user(role), reauthenticated=True)
    url = reverse(name, args=case.args(cast))
    response = getattr(client, method)(url, case.data(cast))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_index"))
    # What a member may do stays open to them: the alliance's overview.
    overview = client.get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
    assert overview.status_code == 200
