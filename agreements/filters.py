"""The status board's search and answer filter (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from alliances.models import Membership
from alliances.selectors import member_search

from .models import Signature


class Answer(TextChoices):
    """A member's answer as the board filters it: "waiting" is a request still pending or none
    made yet, both shown as "Not signed yet"."""

    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")
    WAITING = "waiting", _("Not signed yet")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The board's `board_status` for each answer (selectors.board_members).
ANSWER_STATUS = {
    Answer.SIGNED: Signature.Status.SIGNED,
    Answer.DECLINED: Signature.Status.DECLINED,
    Answer.WAITING: Signature.Status.PENDING,
    Answer.WITHDRAWN: Signature.Status.WITHDRAWN,
}


class BoardFilter(django_filters.FilterSet):
    """Filters `selectors.board_members`: by name, email or organisation, and by answer."""

    q = django_filters.CharFilter(
        method="search", label=_("Search by name or organisation"), max_length=200
    )
    answer = django_filters.ChoiceFilter(
        choices=Answer.choices, method="by_answer", label=_("Answer"), empty_label=_("All")
    )

    class Meta:
        model = Membership
        fields: list[str] = []

    def search(self, queryset, name, value):
        return member_search(queryset, value)

    def by_answer(self, queryset, name, value):
        return queryset.filter(board_status=ANSWER_STATUS[value])
