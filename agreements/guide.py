"""The guide's example agreement ("Exempel på överenskommelse"), with the alliance's own vision
and goals inserted where the guide says to insert them."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _


def _vision_and_goals(alliance) -> str:
    parts = [text.strip() for text in (alliance.vision, alliance.goals) if text.strip()]
    if parts:
        return "\n\n".join(parts)
    return _("[Write the alliance's vision and goals here.]")


def guide_agreement(alliance, language: str) -> tuple[str, str]:
    """The guide's title and text in the given language, for a new draft."""
    with translation.override(language):
        title = _("Commitment agreement of %(alliance)s") % {"alliance": alliance.name}
        paragraphs = [
            _(
                "As a member of the alliance I commit to attend meetings, to spread information "
                "and to support the goals of the alliance."
            ),
            _("I am aware that the alliance has committed to:"),
            _vision_and_goals(alliance),
            _(
                "I will always act with respect for other members of the alliance and respect "
                "the principles of diversity and equality."
            ),
            _("I will work jointly in a spirit of positive and constructive debate."),
            _(
                "I will inform the members of the alliance of any possible conflict of interest "
                "and abstain from discussions where needed."
            ),
            _(
                "I will support open and honest communication with the migrant community, to "
                "allow the widest possible access to and participation in the alliance's work."
            ),
            _(
                "Besides my time and personal resources, I will use other sources of "
                "information where suitable, and refer members to useful contacts and resources."
            ),
        ]
    return title, "\n\n".join(paragraphs)
