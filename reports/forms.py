"""Forms of the reports pages: validation and crispy layout only."""

from __future__ import annotations

from datetime import date, timedelta

from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from .models import ArchiveExport

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A report covers at most this long: longer periods are split, so one PDF stays readable.
MAX_PERIOD_DAYS = 5 * 366
# Days far outside any alliance's life (year 1, year 9999) cannot be turned into the period's
# moments in the alliance's time zone; they are refused like any other invalid date.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
DAY_LIMITS = [MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)]

ERR_PERIOD_ORDER = _("The period must end on or after the day it starts.")
ERR_PERIOD_LONG = _("A report covers at most five years; choose a shorter period.")


class ReportPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE_INPUT, validators=DAY_LIMITS)
    end = forms.DateField(label=_("To"), widget=DATE_INPUT, validators=DAY_LIMITS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(ERR_PERIOD_ORDER)
            if end - start > timedelta(days=MAX_PERIOD_DAYS):
                raise forms.ValidationError(ERR_PERIOD_LONG)
        return cleaned


ERR_UNKNOWN_KIND = _("This document cannot be prepared in the background.")
# The mapping's filter as its list's query string; a real one is far shorter.
MAX_QUERY_LENGTH = 2000
ERR_QUERY_LONG = _("The filter is too long; narrow the list with fewer choices.")


class DraftRequestForm(forms.Form):
    """What the "prepare in the background" buttons post: the kind of document and what it
    covers. The plan is looked up by the view (another alliance's answers 404); the report's
    period is checked by ReportPeriodForm."""

    kind = forms.ChoiceField(
        label=_("document"),
        choices=[(kind.value, kind.label) for kind in ArchiveExport.DRAFT_KINDS],
        error_messages={"invalid_choice": ERR_UNKNOWN_KIND},
    )
    plan = forms.CharField(label=_("Action plan"), required=False, max_length=40)
    query = forms.CharField(
        label=_("filter"),
        required=False,
        strip=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": ERR_QUERY_LONG},
    )
