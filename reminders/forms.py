"""Forms for reminders: validation and crispy layout only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .kinds import OPTIONAL_KINDS, SPECS
from .models import (
    MAX_AGREEMENT_REMINDERS,
    MAX_OFFSET_DAYS,
    ReminderKind,
    ReminderSettings,
    validate_agreement_days,
    validate_meeting_days,
)
from .services import ALLIANCE_SETTINGS_FIELDS

ERR_DAYS_FORMAT = _("Write whole numbers of days separated by commas, e.g. 7, 1.")


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class ReminderPreferencesForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label=_("Send me these reminders"),
        required=False,
        choices=[(kind, ReminderKind(kind).label) for kind in OPTIONAL_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class DaysListField(forms.CharField):
    """Days as "7, 1": a list of whole numbers, checked by the model's validator."""

    def __init__(self, *args, validator, descending: bool, **kwargs):
        super().__init__(*args, max_length=100, **kwargs)
        self.list_validator = validator
        self.descending = descending

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        parts = [part.strip() for part in text.split(",") if part.strip()]
        # isascii: "²" counts as a digit to isdigit() but not to int().
        if not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts):
            raise ValidationError(ERR_DAYS_FORMAT)
        days = sorted({int(part) for part in parts}, reverse=self.descending)
        self.list_validator(days)
        return days


def _agreement_days_help() -> str:
    # Formatted when shown: formatting at import would fix the text in the language of that moment.
    return _("At most %(count)d reminders, e.g. 3, 7, 14.") % {"count": MAX_AGREEMENT_REMINDERS}


class ReminderSettingsForm(forms.ModelForm):
    send = forms.MultipleChoiceField(
        label=_("Reminders this alliance sends"),
        required=False,
        choices=ReminderKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A kind switched off here goes to nobody in this alliance."),
    )
    meeting_days_before = DaysListField(
        label=_("Days before a meeting"),
        validator=validate_meeting_days,
        descending=True,
        help_text=_("Up to three, e.g. 7, 1."),
    )
    agreement_days = DaysListField(
        label=_("Days after members were asked to sign the agreement"),
        validator=validate_agreement_days,
        descending=False,
        help_text=lazy(_agreement_days_help, str)(),
    )

    class Meta:
        model = ReminderSettings
        # Every schedule setting but the kinds switched off, which `send` shows the other way.
        fields = tuple(name for name in ALLIANCE_SETTINGS_FIELDS if name != "switched_off")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["send"].initial = [
            kind for kind in ReminderKind.values if self.instance.is_on(kind)
        ]
        for name in ("minutes_approval_days", "secretary_nudge_days", "action_due_days"):
            self.fields[name].widget.attrs.update({"min": 1, "max": MAX_OFFSET_DAYS})
        self.helper = _helper(_("Save the schedule"))
        # The page wraps the form itself, to post it to the schedule's own address.
        self.helper.form_tag = False

    def service_fields(self) -> dict:
        """The cleaned values as the settings service takes them."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["switched_off"] = [
            k for k in ReminderKind.values if k not in self.cleaned_data["send"]
        ]
        return data


def kind_rows(user_kinds_off: set[str]) -> list[dict]:
    """Every kind with who gets it and whether it can be switched off, for the pages."""
    return [
        {
            "kind": kind,
            "label": ReminderKind(kind).label,
            "audience": spec.audience,
            "mandatory": spec.mandatory,
            "on": kind not in user_kinds_off,
        }
        for kind, spec in SPECS.items()
    ]
