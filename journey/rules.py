"""The rules of the guide's six steps: each step's checks, worked out from the facts. What each
check requires, as the page words it, is in `rule_texts`."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alliance_portal.permissions import Capability, Role
from alliances.models import Alliance
from sustainability.rules import sustainability_deadline

from .checks import Check, Journey, Step
from .facts import JourneyFacts, journey_facts
from .rule_texts import (
    RULE_AGREEMENT,
    RULE_ASSESSED,
    RULE_COMMUNICATION_PLAN,
    RULE_EVALUATION,
    RULE_FOLLOWED,
    RULE_GAPS,
    RULE_INVITATION,
    RULE_LEADERSHIP,
    RULE_MATERIAL,
    RULE_PLAN_APPROVED,
    RULE_PLAN_VISION,
    RULE_PRESS_CONTACT,
    RULE_PROFILE,
    RULE_PROGRAMMES,
    RULE_PURPOSE,
    RULE_REPRESENTATIVES,
    RULE_RULES,
    RULE_VISION,
    RULE_WORKSHOP_HELD,
    sustainability_rule,
)

# The guide: "8-12 representatives is ideal".
REPRESENTATIVES = (8, 12)


# The rules --------------------------------------------------------------------------------------
# Each function returns one step's checks from the facts, with the rule texts the page shows.


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


def _written(value: str) -> bool:
    return bool(value and value.strip())


def _names(names: list[str], total: int) -> str:
    """The first few of `total` names: "A, B, C and 4 more"."""
    if total > len(names):
        return _("%(names)s and %(count)d more") % {
            "names": ", ".join(names),
            "count": total - len(names),
        }
    return ", ".join(names)


def step_why(facts: JourneyFacts) -> list[Check]:
    alliance = facts.alliance
    edit = _url("alliances:edit", alliance.pk)
    return [
        Check(
            "purpose",
            _("The purpose is written"),
            _written(alliance.purpose),
            _("Written.") if _written(alliance.purpose) else _("No purpose is written yet."),
            str(RULE_PURPOSE),
            edit,
            _("Write the purpose"),
            Capability.EDIT_ALLIANCE,
        ),
        Check(
            "vision",
            _("The vision is written"),
            _written(alliance.vision),
            _("Written.") if _written(alliance.vision) else _("No vision is written yet."),
            str(RULE_VISION),
            edit,
            _("Write the vision"),
            Capability.EDIT_ALLIANCE,
        ),
    ]


def _leadership_check(facts: JourneyFacts) -> Check:
    has_chair = Role.CHAIR in facts.roles
    has_secretary = Role.SECRETARY in facts.roles
    missing = []
    if not has_chair:
        missing.append(_("a chair"))
    if not has_secretary:
        missing.append(_("a secretary"))
    return Check(
        "leadership",
        _("A chair and a secretary are appointed"),
        not missing,
        _("Appointed.") if not missing else _("Missing: %(who)s.") % {"who": ", ".join(missing)},
        str(RULE_LEADERSHIP),
        _url("alliances:invite", facts.alliance.pk),
        _("Invite a member"),
        Capability.MANAGE_MEMBERS,
    )


def _representatives_check(facts: JourneyFacts) -> Check:
    low, high = REPRESENTATIVES
    seats = facts.seats
    detail = ngettext("%(count)d member holds a seat.", "%(count)d members hold a seat.", seats) % {
        "count": seats
    }
    if seats < low:
        detail += " " + ngettext(
            "Invite %(count)d more.", "Invite %(count)d more.", low - seats
        ) % {"count": low - seats}
    note = ""
    if seats > high:
        note = _(
            "The guide finds 8 to 12 representatives ideal; a larger alliance can work in "
            "sub-groups."
        )
    return Check(
        "representatives",
        _("8 to 12 representatives are members"),
        seats >= low,
        detail,
        str(RULE_REPRESENTATIVES),
        _url("alliances:invite", facts.alliance.pk),
        _("Invite a member"),
        Capability.MANAGE_MEMBERS,
        note,
    )


def _material_check(facts: JourneyFacts) -> Check:
    material = facts.material
    missing = material.missing_parts() if material else None
    if material is None:
        detail = _("No information material is written yet.")
    elif missing:
        detail = _("Missing: %(parts)s.") % {"parts": "; ".join(missing)}
    else:
        detail = _("Complete, with %(count)d reasons to join.") % {"count": len(material.reasons)}
    return Check(
        "information",
        _("Information material for new members is ready"),
        material is not None and not missing,
        detail,
        str(RULE_MATERIAL),
        _url("outreach:information_edit", facts.alliance.pk),
        _("Write the information material"),
        Capability.MANAGE_OUTREACH,
    )


def _workshop_checks(facts: JourneyFacts) -> list[Check]:
    alliance = facts.alliance
    held = any(w.held for w in facts.workshops)
    invited = held or any(w.agenda_published for w in facts.workshops)
    if held:
        invitation_detail = _("The initial workshop has been held.")
    elif invited:
        invitation_detail = _("The invitations were sent with the published agenda.")
    elif facts.workshops:
        invitation_detail = _("An initial workshop is planned, but its agenda is not published.")
    else:
        invitation_detail = _("No initial workshop is planned yet.")
    return [
        Check(
            "invitation",
            _("Invitations to the initial workshop are sent"),
            invited,
            invitation_detail,
            str(RULE_INVITATION),
            _url("meetings:list" if facts.workshops else "meetings:create", alliance.pk),
            _("Open the meetings") if facts.workshops else _("Plan the initial workshop"),
            Capability.MANAGE_MEETINGS,
        ),
        Check(
            "workshop",
            _("The initial workshop is held"),
            held,
            _("Held.") if held else _("Not held yet."),
            str(RULE_WORKSHOP_HELD),
            _url("meetings:list", alliance.pk),
            _("Open the meetings"),
            Capability.MANAGE_MEETINGS,
        ),
    ]


def step_getting_started(facts: JourneyFacts) -> list[Check]:
    alliance = facts.alliance
    edit = _url("alliances:edit", alliance.pk)
    rules = _written(alliance.rules_of_operation)
    profile = _written(alliance.public_profile)
    return [
        _leadership_check(facts),
        _representatives_check(facts),
        Check(
            "rules",
            _("Rules of operation are agreed"),
            rules,
            _("Written.") if rules else _("No rules of operation are written yet."),
            str(RULE_RULES),
            edit,
            _("Write the rules of operation"),
            Capability.EDIT_ALLIANCE,
        ),
        Check(
            "profile",
            _("A short public profile is written"),
            profile,
            _("Written.") if profile else _("No public profile is written yet."),
            str(RULE_PROFILE),
            edit,
            _("Write the public profile"),
            Capability.EDIT_ALLIANCE,
        ),
        _material_check(facts),
        *_workshop_checks(facts),
    ]


def step_mapping(facts: JourneyFacts) -> list[Check]:
    alliance = facts.alliance
    total, unassessed = facts.stakeholders, facts.unassessed_count
    if total == 0:
        detail = _("No stakeholders are mapped yet.")
    elif unassessed:
        detail = _("Not assessed yet: %(names)s.") % {"names": _names(facts.unassessed, unassessed)}
    else:
        detail = ngettext(
            "%(count)d stakeholder is assessed.", "All %(count)d stakeholders are assessed.", total
        ) % {"count": total}
    return [
        Check(
            "assessed",
            _("Stakeholders are assessed"),
            total > 0 and not unassessed,
            detail,
            str(RULE_ASSESSED),
            _url("stakeholders:list", alliance.pk),
            _("Open the mapping"),
            Capability.MANAGE_STAKEHOLDERS,
        ),
        Check(
            "programmes",
            _("Support programmes are mapped"),
            facts.programmes > 0,
            ngettext(
                "%(count)d programme is mapped.",
                "%(count)d programmes are mapped.",
                facts.programmes,
            )
            % {"count": facts.programmes},
            str(RULE_PROGRAMMES),
            _url("stakeholders:programme_create", alliance.pk),
            _("Add a support programme"),
            Capability.MANAGE_STAKEHOLDERS,
        ),
        Check(
            "gaps",
            _("Gaps are listed"),
            facts.gaps > 0,
            ngettext("%(count)d gap is listed.", "%(count)d gaps are listed.", facts.gaps)
            % {"count": facts.gaps},
            str(RULE_GAPS),
            _url("stakeholders:gap_create", alliance.pk),
            _("Add a gap"),
            Capability.MANAGE_STAKEHOLDERS,
        ),
    ]


def _agreement_check(facts: JourneyFacts) -> Check:
    seats, signed = facts.seats, facts.signed
    done = facts.agreement_version is not None and seats > 0 and signed * 2 > seats
    if facts.agreement_version is None:
        detail = _("No version of the agreement is published yet.")
    else:
        detail = _("%(signed)d of %(seats)d members have signed.") % {
            "signed": signed,
            "seats": seats,
        }
    return Check(
        "agreement",
        _("Most members have signed the commitment agreement"),
        done,
        detail,
        str(RULE_AGREEMENT),
        _url("agreements:detail", facts.alliance.pk),
        _("Open the agreement"),
        Capability.VIEW_AGREEMENT,
    )


def step_vision_and_plan(facts: JourneyFacts) -> list[Check]:
    alliance = facts.alliance
    version = facts.approved_version
    plans = _url("actionplans:plans", alliance.pk)
    plan_vision = version is not None and _written(version.snapshot.get("plan", {}).get("vision"))
    if version is None:
        vision_detail = _("No action plan is approved yet.")
        approved_detail = vision_detail
    else:
        approved_detail = _("“%(plan)s”, version %(number)d, is approved.") % {
            "plan": version.plan.title,
            "number": version.number,
        }
        vision_detail = (
            _("The approved plan states the vision.")
            if plan_vision
            else _("The approved plan has no vision: write it, then have a new version approved.")
        )
    return [
        Check(
            "plan_vision",
            _("The shared vision is set in the action plan"),
            plan_vision,
            vision_detail,
            str(RULE_PLAN_VISION),
            plans,
            _("Open the action plans"),
            Capability.VIEW_PLANS,
        ),
        Check(
            "plan_approved",
            _("The action plan is approved"),
            version is not None,
            approved_detail,
            str(RULE_PLAN_APPROVED),
            plans,
            _("Open the action plans"),
            Capability.VIEW_PLANS,
        ),
        _agreement_check(facts),
    ]


def _followed_check(facts: JourneyFacts) -> Check:
    never = [e.audience for e in facts.entries if e.last_done is None]
    overdue = [
        e.audience
        for e in facts.entries
        if e.entry.overdue_since(e.last_done, today=facts.today) is not None
    ]
    if not facts.entries:
        detail = _("The communication plan has no rows yet.")
    elif never or overdue:
        parts = []
        if never:
            parts.append(_("Not carried out yet: %(rows)s.") % {"rows": ", ".join(never)})
        if overdue:
            parts.append(_("Overdue: %(rows)s.") % {"rows": ", ".join(overdue)})
        detail = " ".join(parts)
    else:
        detail = _("Every row has been carried out, none is overdue.")
    return Check(
        "followed",
        _("The communication plan is followed"),
        bool(facts.entries) and not never and not overdue,
        detail,
        str(RULE_FOLLOWED),
        _url("outreach:communication", facts.alliance.pk),
        _("Record what was carried out"),
        Capability.MANAGE_OUTREACH,
    )


def step_dissemination(facts: JourneyFacts) -> list[Check]:
    alliance = facts.alliance
    plan = facts.communication
    contact = plan.press_contact if plan else None
    contact_ok = contact is not None and contact.is_active
    rows = len(facts.entries)
    if contact_ok:
        contact_detail = _("%(name)s.") % {"name": contact.user}
    elif contact is not None:
        contact_detail = _("%(name)s has left the alliance: name another member.") % {
            "name": contact.user
        }
    else:
        contact_detail = _("Nobody is named yet.")
    return [
        Check(
            "communication_plan",
            _("A communication plan exists"),
            rows > 0,
            ngettext("%(count)d row.", "%(count)d rows.", rows) % {"count": rows}
            if rows
            else _("No communication plan yet."),
            str(RULE_COMMUNICATION_PLAN),
            _url("outreach:entry_create", alliance.pk),
            _("Add a row to the communication plan"),
            Capability.MANAGE_OUTREACH,
        ),
        Check(
            "press_contact",
            _("A communication and press contact is named"),
            contact_ok,
            contact_detail,
            str(RULE_PRESS_CONTACT),
            _url("outreach:communication_settings", alliance.pk),
            _("Name the press contact"),
            Capability.MANAGE_OUTREACH,
        ),
        _followed_check(facts),
    ]


def _sustainability_check(facts: JourneyFacts) -> Check:
    alliance = facts.alliance
    version = facts.approved_version
    rule = sustainability_rule(facts.sustainability_months)
    label = _("A sustainability plan is in place in time")
    if version is None:
        return Check(
            "sustainability",
            label,
            False,
            _("It follows an approved action plan; none is approved yet."),
            rule,
            _url("actionplans:plans", alliance.pk),
            _("Open the action plans"),
            Capability.VIEW_PLANS,
        )
    plan = version.plan
    deadline = sustainability_deadline(plan.period_end, facts.sustainability_months)
    sustainability = facts.sustainability
    values = {"plan": plan.title, "deadline": date_format(deadline, "DATE_FORMAT")}
    note = ""
    if sustainability is not None and sustainability.is_decided:
        values["date"] = date_format(sustainability.decision_date, "DATE_FORMAT")
        detail = _("Decided on %(date)s for “%(plan)s”.") % values
        if sustainability.decision_date > deadline:
            note = _("It was decided after %(deadline)s, later than the guide advises.") % values
    elif facts.today > deadline:
        detail = _("Overdue: the plan for “%(plan)s” was due by %(deadline)s.") % values
    else:
        detail = _("Due by %(deadline)s for “%(plan)s”.") % values
    return Check(
        "sustainability",
        label,
        sustainability is not None and sustainability.is_decided,
        detail,
        rule,
        _url("sustainability:plan_edit", alliance.pk, plan.pk),
        _("Write the sustainability plan"),
        Capability.MANAGE_EVALUATION,
        note,
    )


def step_sustainability(facts: JourneyFacts) -> list[Check]:
    alliance = facts.alliance
    recorded = facts.evaluations + facts.complete_swots
    if recorded:
        detail = ngettext(
            "%(count)d evaluation is recorded.", "%(count)d evaluations are recorded.", recorded
        ) % {"count": recorded}
        url, action = _url("sustainability:evaluations", alliance.pk), _("Open the evaluations")
    else:
        detail = _("No evaluation is recorded yet.")
        url, action = (
            _url("sustainability:swot_create", alliance.pk),
            _("Start with a SWOT analysis"),
        )
    return [
        Check(
            "evaluation",
            _("An evaluation is recorded"),
            recorded > 0,
            detail,
            str(RULE_EVALUATION),
            url,
            action,
            Capability.MANAGE_EVALUATION,
        ),
        _sustainability_check(facts),
    ]


STEPS = (
    (
        gettext_lazy("What an alliance is and why"),
        gettext_lazy("A clear purpose and vision that the members share."),
        step_why,
    ),
    (
        gettext_lazy("Getting started"),
        gettext_lazy(
            "Leadership, representatives, rules, the profile, material and the initial workshop."
        ),
        step_getting_started,
    ),
    (
        gettext_lazy("Mapping"),
        gettext_lazy("Stakeholders, existing support programmes and the gaps between them."),
        step_mapping,
    ),
    (
        gettext_lazy("Vision and action plan"),
        gettext_lazy("A shared vision, an approved action plan and a signed commitment."),
        step_vision_and_plan,
    ),
    (
        gettext_lazy("Dissemination"),
        gettext_lazy("A communication plan, a press contact, and the plan carried out."),
        step_dissemination,
    ),
    (
        gettext_lazy("Sustainability"),
        gettext_lazy("Continuous evaluation and a plan for what continues."),
        step_sustainability,
    ),
)


def journey(facts: JourneyFacts) -> Journey:
    return Journey(
        steps=[
            Step(number, str(title), str(summary), rules(facts))
            for number, (title, summary, rules) in enumerate(STEPS, start=1)
        ]
    )


def journey_for(
    alliance: Alliance, *, now: datetime | None = None, roles: list[str] | None = None
) -> Journey:
    """The alliance's six steps as they stand now."""
    return journey(journey_facts(alliance, now=now, roles=roles))
