"""The guide's prompt questions for a SWOT analysis, shown beside each quadrant."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import Quadrant

# Internal factors (strengths, weaknesses) and external ones (opportunities, threats); the
# opportunities and threats are the guide's own questions.
SWOT_PROMPTS = {
    Quadrant.STRENGTHS: (
        _("What does the alliance do well?"),
        _("What do the members bring: knowledge, contacts, resources?"),
        _("What do others see as the alliance's strengths?"),
    ),
    Quadrant.WEAKNESSES: (
        _("What could the alliance do better?"),
        _("What is missing: members, skills, time, money?"),
        _("Where does the alliance lose people or momentum?"),
    ),
    Quadrant.OPPORTUNITIES: (
        _("What good opportunities can you see?"),
        _("Who can you cooperate with?"),
        _("How can you use your stakeholders' purposes?"),
        _("How can you improve the community by looking outward?"),
    ),
    Quadrant.THREATS: (
        _("What obstacles do you face? Do you have funding?"),
        _("Do changes in policy and legislation affect your community?"),
        _("What are other groups and associations already doing?"),
        _("Is the community changing?"),
    ),
}
INTERNAL = (Quadrant.STRENGTHS, Quadrant.WEAKNESSES)
EXTERNAL = (Quadrant.OPPORTUNITIES, Quadrant.THREATS)
