"""The members page's search and role filter (django-filter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from alliance_portal.permissions import Role

from .models import Membership
from .selectors import member_search


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search by name or organisation"), max_length=200
    )
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"), empty_label=_("All"))

    class Meta:
        model = Membership
        fields: list[str] = []

    def search(self, queryset, name, value):
        return member_search(queryset, value)
