"""Forms of the outreach pages: validation and crispy layout only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.forms import IdChoiceField
from alliance_portal.models import MAX_TEXT_CHARS

from .models import CommunicationEntry, CommunicationPlan, InformationMaterial
from .services import ENTRY_FIELDS, MATERIAL_FIELDS


def _fields_only() -> FormHelper:
    """The page writes its own <form> and buttons; crispy renders the fields."""
    helper = FormHelper()
    helper.form_tag = False
    return helper


def _textareas(*names: str, rows: int = 3) -> dict:
    return {name: forms.Textarea(attrs={"rows": rows}) for name in names}


class InformationMaterialForm(forms.ModelForm):
    class Meta:
        model = InformationMaterial
        fields = MATERIAL_FIELDS
        widgets = {
            **_textareas("why_alliance", "regional_situation", "time_commitment", rows=4),
            "reasons_to_join": forms.Textarea(attrs={"rows": 7}),
            **_textareas("registration", "practical_details", rows=2),
        }
        help_texts = {
            "why_alliance": _("What the alliance is for and what it will change."),
            "regional_situation": _("The situation in the region and its challenges."),
            "reasons_to_join": _("One reason a line; the guide asks for at least five."),
            "time_commitment": _(
                "For example: 4 to 5 plenary meetings over 18 months, and help to draft the "
                "regional action plan."
            ),
            "target_group": _("Who the invitation is for, e.g. “municipal services and NGOs”."),
            "registration": _("How to register and by when."),
            "practical_details": _("What it costs, and whether travel is paid."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _fields_only()


class CommunicationSettingsForm(forms.ModelForm):
    press_contact = IdChoiceField(
        queryset=None,
        required=False,
        label=_("Communication and press contact"),
        help_text=_("The member journalists and partners can ask about the alliance."),
        empty_label=_("Nobody yet"),
    )

    class Meta:
        model = CommunicationPlan
        fields = ("press_contact", "strategy")
        widgets = _textareas("strategy")
        help_texts = {"strategy": _("Whom the alliance wants to reach, and why.")}

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["press_contact"].queryset = members
        self.fields["press_contact"].label_from_instance = lambda membership: str(membership.user)
        self.helper = _fields_only()


class EntryForm(forms.ModelForm):
    class Meta:
        model = CommunicationEntry
        fields = ENTRY_FIELDS
        widgets = _textareas("purpose", "message", "delivery")
        help_texts = {
            "audience": _("E.g. “newly arrived parents” or “municipal decision-makers”."),
            "purpose": _("What they should do after hearing from the alliance."),
            "delivery": _("E.g. a newsletter, social media, a stand at the library."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _fields_only()


class CarriedOutForm(forms.Form):
    date = forms.DateField(
        label=_("Carried out on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.helper = _fields_only()
