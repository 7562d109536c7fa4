"""The stakeholder list's search, filters and sorting (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Category, Contact, EngagementStatus, Level, Sector, Stakeholder
from .selectors import municipality_choices


class StakeholderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=200)
    category = django_filters.MultipleChoiceFilter(
        field_name="organisation__category", choices=Category.choices, label=_("Category")
    )
    sector = django_filters.MultipleChoiceFilter(
        field_name="organisation__sector", choices=Sector.choices, label=_("Sector")
    )
    impact = django_filters.MultipleChoiceFilter(choices=Level.choices, label=_("Impact"))
    interest = django_filters.MultipleChoiceFilter(choices=Level.choices, label=_("Interest"))
    status = django_filters.MultipleChoiceFilter(
        choices=EngagementStatus.choices, label=_("Engagement status")
    )
    municipality = django_filters.ChoiceFilter(
        field_name="organisation__municipality", label=_("Municipality"), empty_label=_("All")
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("organisation__name", "name"),
            ("organisation__category", "category"),
            ("organisation__sector", "sector"),
            ("organisation__municipality", "municipality"),
            ("impact", "impact"),
            ("interest", "interest"),
            ("status", "status"),
        ),
        field_labels={
            "organisation__name": _("Name"),
            "organisation__category": _("Category"),
            "organisation__sector": _("Sector"),
            "organisation__municipality": _("Municipality"),
            "impact": _("Impact"),
            "interest": _("Interest"),
            "status": _("Engagement status"),
        },
    )

    class Meta:
        model = Stakeholder
        fields: list[str] = []

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.alliance = alliance
        self.filters["municipality"].extra["choices"] = municipality_choices(alliance=alliance)
        for name in ("category", "sector", "impact", "interest", "status"):
            self.filters[name].extra["widget"] = forms.CheckboxSelectMultiple

    def search(self, queryset, name, value):
        """Matches the organisation's name and municipality, the alliance's notes, and the names,
        titles and email addresses of the contact people the alliance recorded there (never
        another alliance's, which would tell who they know)."""
        value = value.strip()
        if not value:
            return queryset
        own_contacts = Contact.objects.filter(
            Q(name__icontains=value) | Q(title__icontains=value) | Q(email__icontains=value),
            alliance=self.alliance,
            erased_at__isnull=True,
        ).values("organisation_id")
        matches = Stakeholder.objects.filter(
            Q(organisation__name__icontains=value)
            | Q(organisation__municipality__icontains=value)
            | Q(notes__icontains=value)
            | Q(contribution__icontains=value)
            | Q(organisation__in=own_contacts),
            alliance=self.alliance,
        ).values("pk")
        return queryset.filter(pk__in=matches)
