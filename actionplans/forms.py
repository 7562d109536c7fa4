"""Forms of the action-plan pages: validation and crispy layout only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.forms import IdChoiceField, IdMultipleChoiceField
from alliance_portal.tabular import clean_import_upload

from . import selectors
from .models import Action, ActionPlan, Goal, ProgressUpdate
from .services import ACTION_FIELDS, GOAL_FIELDS, PLAN_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ERR_BUDGET_NUMBER = _("Give the budget as a number, e.g. 12500 or 12500.50, without the currency.")
ERR_NUMBER = _("Give a number, e.g. 60 or 12.5.")


def _helper(submit_label, layout: Layout | None = None) -> FormHelper:
    helper = FormHelper()
    if layout is not None:
        helper.layout = layout
    helper.add_input(Submit("submit", submit_label))
    return helper


class PlanForm(forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = PLAN_FIELDS
        widgets = {"period_start": DATE_INPUT, "period_end": DATE_INPUT}

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_end"].help_text = _(
            "The guide plans 12 to 18 months; the sustainability plan is due six months "
            "before the end."
        )
        self.helper = _helper(submit_label or _("Save"))


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = GOAL_FIELDS
        widgets = {"due_date": DATE_INPUT, "relevance": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "target_value": _("The number to reach, e.g. 60."),
            "unit": _("What the number counts, e.g. “%”, “participants”, “mediators”."),
            "relevance": _("Why the goal matters for the alliance's vision."),
            "due_date": _("The date by which the target is reached."),
        }

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        # SMART: the model explains what is missing; the marks say up front what is needed.
        for name in ("target_value", "unit", "due_date"):
            self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].label = f"{self.fields[name].label} *"
        for name in ("target_value", "current_value"):
            self.fields[name].error_messages["invalid"] = ERR_NUMBER
        self.helper = _helper(submit_label or _("Save"))


class ActionForm(forms.ModelForm):
    responsible_member = IdChoiceField(label=_("Responsible person"), queryset=None, required=False)
    responsible_organisation = IdChoiceField(
        label=_("Responsible authority or partner"),
        queryset=None,
        required=False,
        help_text=_("An organisation from the stakeholder register."),
    )
    goals = IdMultipleChoiceField(
        label=_("Goals"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    gaps = IdMultipleChoiceField(
        label=_("Gaps it closes"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Action
        fields = (*ACTION_FIELDS, "goals", "gaps")
        widgets = {
            "start_date": DATE_INPUT,
            "due_date": DATE_INPUT,
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in (
                    "local_problem",
                    "description",
                    "resources",
                    "obstacles",
                    "obstacle_plan",
                    "collaborators",
                )
            },
        }

    def __init__(self, *args, plan: ActionPlan, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        alliance = plan.alliance
        self.fields["responsible_member"].queryset = selectors.responsible_members(
            alliance, keep=self.instance.responsible_member_id
        )
        self.fields["responsible_organisation"].queryset = selectors.responsible_organisations(
            alliance
        )
        self.fields["goals"].queryset = plan.goals.order_by("number")
        self.fields["gaps"].queryset = selectors.alliance_gaps(alliance)
        if self.instance.pk is None:
            # A new action's budget is in the alliance's currency unless someone types another.
            self.initial["budget_currency"] = alliance.currency
        self.fields["budget_amount"].error_messages["invalid"] = ERR_BUDGET_NUMBER
        self.fields["budget_currency"].widget.attrs.update(
            {"maxlength": 3, "autocapitalize": "characters", "size": 4}
        )
        self.fields["due_date"].help_text = _("Leave empty when no date applies.")
        self.helper = _helper(
            submit_label or _("Save"),
            Layout(
                Fieldset(_("What"), "title", "local_problem", "description"),
                Fieldset(_("Who"), "responsible_organisation", "responsible_member"),
                Fieldset(_("When"), "start_date", "due_date"),
                Fieldset(_("Resources"), "budget_amount", "budget_currency", "resources"),
                Fieldset(_("Obstacles"), "obstacles", "obstacle_plan"),
                Fieldset(_("Links"), "collaborators", "goals", "gaps"),
            ),
        )

    def clean_budget_currency(self):
        return (self.cleaned_data.get("budget_currency") or "").strip().upper()

    def service_fields(self) -> dict:
        """The cleaned values the service sets on the action (links are passed apart)."""
        return {name: self.cleaned_data[name] for name in ACTION_FIELDS}


class ProgressForm(forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = ("date", "status", "percent", "note")
        widgets = {
            "date": DATE_INPUT,
            "note": forms.Textarea(attrs={"rows": 3}),
            "percent": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        }

    def __init__(self, *args, action: Action, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "date": timezone.localdate(),
                "status": action.status,
                "percent": action.progress_percent,
            },
        )
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the progress"))
        # Shown on the action's page, which only displays: the form posts to the view that saves.
        self.helper.form_action = reverse(
            "actionplans:progress_add", args=[action.plan.alliance_id, action.plan_id, action.pk]
        )


class ReturnForm(forms.Form):
    comments = forms.CharField(
        label=_("Comments for the plan's authors"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ApproveForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
        max_length=4096,
        required=False,
        help_text=_("Enter your password again to sign off this version."),
    )
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "At most 2 MB. Columns as in the export. Nothing is saved until you confirm the "
            "preview."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        return clean_import_upload(self.cleaned_data["file"])
