"""What each of the journey's checks requires, in the words the page shows for "why is this
not done?"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, ngettext

RULE_PURPOSE = gettext_lazy(
    "Done when the alliance's purpose (its shared intentions) is written on the alliance's page."
)
RULE_VISION = gettext_lazy("Done when the alliance's vision is written on the alliance's page.")
RULE_LEADERSHIP = gettext_lazy(
    "Done when the alliance has a chair and at least one secretary among its current members."
)
RULE_REPRESENTATIVES = gettext_lazy(
    "Done when at least 8 members hold a seat (observers do not count). The guide finds 8 to "
    "12 representatives ideal, so more than 12 is noted."
)
RULE_RULES = gettext_lazy(
    "Done when the rules of operation (meetings, decisions, responsibilities) are written on the "
    "alliance's page."
)
RULE_PROFILE = gettext_lazy(
    "Done when a short public profile of the alliance is written. Publishing it as a public page "
    "is a choice, not part of the step."
)
RULE_MATERIAL = gettext_lazy(
    "Done when the information material says why the alliance exists, describes the regional "
    "situation, gives at least five reasons to join and the expected time commitment."
)
RULE_INVITATION = gettext_lazy(
    "Done when an initial workshop that is not cancelled has its agenda published (publishing "
    "the agenda sends the invitations), or once it has been held."
)
RULE_WORKSHOP_HELD = gettext_lazy(
    "Done when an initial workshop has been held: marked as held, or its end time has passed "
    "and it was not cancelled."
)
RULE_ASSESSED = gettext_lazy(
    "Done when the mapping has at least one stakeholder and every stakeholder's assessment says "
    "how they can contribute and how the alliance will engage them."
)
RULE_PROGRAMMES = gettext_lazy(
    "Done when at least one existing support programme or measure in the region is mapped."
)
RULE_GAPS = gettext_lazy("Done when at least one gap (a need no programme meets) is listed.")
RULE_PLAN_VISION = gettext_lazy(
    "Done when an approved version of an action plan states the vision. The plan takes the "
    "alliance's vision when it is submitted for sign-off."
)
RULE_PLAN_APPROVED = gettext_lazy("Done when the chair has approved a version of an action plan.")
RULE_AGREEMENT = gettext_lazy(
    "Done when more than half of the members who hold a seat have signed the current version of "
    "the commitment agreement."
)
RULE_COMMUNICATION_PLAN = gettext_lazy(
    "Done when the communication plan has at least one row: who is addressed, why, with which "
    "message, how and how often."
)
RULE_PRESS_CONTACT = gettext_lazy(
    "Done when a current member is named as the communication and press contact."
)
RULE_FOLLOWED = gettext_lazy(
    "Done when every row of the communication plan has been carried out at least once and no "
    "recurring row is overdue: a row is overdue a week after its interval (a week, a month, "
    "three months, six months or a year) has passed since it was last carried out."
)
RULE_EVALUATION = gettext_lazy(
    "Done when an evaluation is recorded: a self-evaluation, a joint approach or an evaluator's "
    "report. A SWOT analysis with all four quadrants filled in counts as the guide's "
    "self-evaluation."
)


def sustainability_rule(months: int) -> str:
    return ngettext(
        "Done when the action plan that ends last among the approved ones has a sustainability "
        "plan with a decision date. The guide asks for it at least %(months)d month before the "
        "plan ends; a plan decided later is noted.",
        "Done when the action plan that ends last among the approved ones has a sustainability "
        "plan with a decision date. The guide asks for it at least %(months)d months before the "
        "plan ends; a plan decided later is noted.",
        months,
    ) % {"months": months}
