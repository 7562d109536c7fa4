"""Forms of the stakeholder pages: validation and crispy layout only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from alliance_portal.forms import IdChoiceField, IdMultipleChoiceField, formfield_assuming_https
from alliance_portal.tabular import clean_import_upload

from .models import Contact, Gap, Organisation, Stakeholder, SupportProgramme
from .services import (
    ASSESSMENT_FIELDS,
    CONTACT_FIELDS,
    GAP_FIELDS,
    ORGANISATION_FIELDS,
    PROGRAMME_FIELDS,
)


def _inline_helper() -> FormHelper:
    """Several forms share one <form> element on a page, so crispy renders fields only."""
    helper = FormHelper()
    helper.form_tag = False
    return helper


def _textareas(*names: str, rows: int = 3) -> dict:
    return {name: forms.Textarea(attrs={"rows": rows}) for name in names}


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        formfield_callback = formfield_assuming_https
        widgets = _textareas("address", rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _inline_helper()


class NewOrganisationForm(forms.Form):
    """Adding a stakeholder: a name already in the register joins that entry (see the service),
    so this form validates the fields but not the register's uniqueness."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Organisation,
                fields=ORGANISATION_FIELDS,
                widgets=OrganisationForm.Meta.widgets,
                formfield_callback=formfield_assuming_https,
            )
        )
        self.helper = _inline_helper()


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = ASSESSMENT_FIELDS
        widgets = _textareas(
            "contribution", "what_matters", "engagement_strategy", "criteria", "notes"
        )
        help_texts = {
            "notes": _("Your alliance's own notes; other alliances do not see them."),
            "criteria": _("Your alliance's own reasons for involving (or not) this stakeholder."),
            "status": _("Identified → contacted → invited → engaged → member; or declined."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _inline_helper()


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {"consent_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "consent_basis": _(
                "Why the alliance may contact this person. Leave empty until you know."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = [("", "—"), *settings.LANGUAGES]
        self.helper = _inline_helper()


class ProgrammeForm(forms.ModelForm):
    organisations = IdMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Linked organisations"),
        help_text=_("Organisations from this alliance's mapping that run or take part in it."),
    )

    class Meta:
        model = SupportProgramme
        fields = (*PROGRAMME_FIELDS, "organisations")
        widgets = _textareas("goals", "availability_limits", "obstacles")

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(
            assessments__alliance=alliance
        ).order_by("name")
        self.helper = _inline_helper()


class GapForm(forms.ModelForm):
    programmes = IdMultipleChoiceField(
        queryset=SupportProgramme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Linked programmes"),
        help_text=_("Programmes that touch this problem but do not cover it."),
    )

    class Meta:
        model = Gap
        fields = (*GAP_FIELDS, "programmes")
        widgets = _textareas("evidence", rows=4)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programmes"].queryset = SupportProgramme.objects.filter(alliance=alliance)
        self.helper = _inline_helper()


class MemberLinkForm(forms.Form):
    organisation = IdChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label=_("Organisation they represent"),
        empty_label=_("None (personal member)"),
    )
    contact = IdChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        label=_("Contact person in the register"),
        empty_label="—",
        help_text=_("Must work for the chosen organisation."),
    )

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(assessments__alliance=alliance)
        self.fields["organisation"].queryset = organisations.order_by("name")
        self.fields["contact"].queryset = (
            Contact.objects.filter(
                alliance=alliance, organisation__in=organisations, erased_at__isnull=True
            )
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        self.fields["contact"].label_from_instance = lambda c: f"{c.name} · {c.organisation.name}"
        self.helper = _inline_helper()


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_("UTF-8 CSV (comma or semicolon) or .xlsx, at most 2 MB and 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _inline_helper()

    def clean_file(self):
        return clean_import_upload(self.cleaned_data["file"])


class ContactEraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the person's details are removed for good."),
        required=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _inline_helper()
