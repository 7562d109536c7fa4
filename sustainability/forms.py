"""Forms of the guide's step 6: validation and crispy layout only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance_portal.forms import IdChoiceField

from .models import Evaluation, SustainabilityPlan, Swot
from .services import EVALUATION_FIELDS, SUSTAINABILITY_FIELDS, SWOT_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUADRANT_HELP = _("One point a line.")


def _fields_only() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


def _textareas(*names: str, rows: int = 4) -> dict:
    return {name: forms.Textarea(attrs={"rows": rows}) for name in names}


class SwotForm(forms.ModelForm):
    class Meta:
        model = Swot
        fields = SWOT_FIELDS
        widgets = {
            "held_on": DATE_INPUT,
            **_textareas("strengths", "weaknesses", "opportunities", "threats", rows=7),
        }
        help_texts = {
            "title": _("E.g. “Mid-term review, spring 2027”."),
            "strengths": QUADRANT_HELP,
            "weaknesses": QUADRANT_HELP,
            "opportunities": QUADRANT_HELP,
            "threats": QUADRANT_HELP,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _fields_only()


class EvaluationForm(forms.ModelForm):
    swot = IdChoiceField(
        queryset=None,
        required=False,
        label=_("SWOT analysis used"),
        help_text=_("For a self-evaluation: the SWOT analysis it was based on, if any."),
        empty_label=pgettext_lazy("no SWOT analysis", "None"),
    )

    class Meta:
        model = Evaluation
        fields = EVALUATION_FIELDS
        widgets = {
            "kind": forms.RadioSelect,
            "date": DATE_INPUT,
            **_textareas("method", rows=2),
            **_textareas("findings", "follow_up", rows=5),
        }
        help_texts = {
            "evaluator_type": _("Only for an evaluation by an evaluator."),
            "evaluator": _("The person or organisation that evaluated, if any."),
            "method": _("E.g. “interviews with 9 members, then a joint meeting”."),
            "follow_up": _("What the alliance will do about the findings, by whom and when."),
        }

    def __init__(self, *args, swots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["swot"].queryset = swots
        self.fields["evaluator_type"].choices = [
            ("", _("Not an evaluator")),
            *Evaluation.EvaluatorType.choices,
        ]
        self.helper = _fields_only()


class SustainabilityForm(forms.ModelForm):
    class Meta:
        model = SustainabilityPlan
        fields = SUSTAINABILITY_FIELDS
        widgets = {
            "decision_date": DATE_INPUT,
            **_textareas("what_continues", "carried_by", "resources", "committees"),
        }
        help_texts = {
            "what_continues": _("Which activities, services or meetings go on after the plan."),
            "carried_by": _("Which organisations or people take them on."),
            "resources": _("What it needs and where the money comes from."),
            "committees": _("Sub-groups or committees that work on specific problems."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _fields_only()


class SwotCompareForm(forms.Form):
    earlier = IdChoiceField(queryset=None, label=_("Earlier analysis"))
    later = IdChoiceField(queryset=None, label=_("Later analysis"))

    def __init__(self, *args, swots, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("earlier", "later"):
            self.fields[name].queryset = swots
            self.fields[name].label_from_instance = lambda swot: f"{swot.title} ({swot.held_on})"
        self.helper = _fields_only()

    def clean(self):
        cleaned = super().clean()
        earlier, later = cleaned.get("earlier"), cleaned.get("later")
        if earlier and later and earlier.pk == later.pk:
            raise forms.ValidationError(_("Choose two different analyses to compare."))
        return cleaned
