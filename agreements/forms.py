"""Forms of the agreement pages: validation and layout only; the services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import MAX_BODY_CHARS, MAX_REASON_CHARS, Agreement

SHA256_FIELD_ERROR = _("The page was out of date. Reload it and try again.")
ERR_NOT_A_PDF = _("This file is not a PDF. Choose the PDF you downloaded from the portal.")
ERR_PDF_TOO_LARGE = _("This file is larger than %(limit)s; the portal's PDFs are much smaller.")


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


def sha256_field() -> forms.CharField:
    return forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", SHA256_FIELD_ERROR)],
        error_messages={"required": SHA256_FIELD_ERROR},
        max_length=64,
    )


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ("title", "body", "language", "countersignature")
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}
        help_texts = {
            "body": _(
                "Plain text. Leave a blank line between paragraphs. Members sign exactly this "
                "text once it is published."
            ),
            "language": _("Translations into other languages are added after publishing."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = MAX_BODY_CHARS
        self.helper = _helper(_("Save the draft"))


class StartForm(forms.Form):
    # The page proposes the language the alliance writes in (alliances' content_language).
    language = forms.ChoiceField(label=_("Language of the text"), choices=settings.LANGUAGES)


class PublishForm(forms.Form):
    sha256 = sha256_field()
    # What the page showed besides the text, so a change made meanwhile is noticed.
    language = forms.ChoiceField(
        choices=settings.LANGUAGES, widget=forms.HiddenInput, required=False
    )
    countersignature = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce=lambda value: value == "1",
        empty_value=None,
        widget=forms.HiddenInput,
        required=False,
    )

    def shown_settings(self) -> dict:
        """The settings the page showed, where it posted them."""
        shown = {
            "language": self.cleaned_data.get("language") or None,
            "countersignature": self.cleaned_data.get("countersignature"),
        }
        return {name: value for name, value in shown.items() if value is not None}

    invite = forms.BooleanField(
        label=_("Email every member with a seat an invitation to sign now"),
        required=False,
        initial=True,
    )


class TranslationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=MAX_BODY_CHARS, widget=forms.Textarea(attrs={"rows": 18})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the translation"))


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Your full name, typed as your signature"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = forms.CharField(
        label=_("Organisation you represent"), max_length=200, required=False
    )
    personal_member = forms.BooleanField(
        label=_("I am a personal member (I do not represent an organisation)"), required=False
    )
    contact = forms.CharField(
        label=_("Email or best way to contact you"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the text above. I sign it with the name I typed, and I agree that this "
            "is my electronic signature."
        ),
        required=False,
    )
    language = forms.ChoiceField(choices=settings.LANGUAGES, widget=forms.HiddenInput)
    shown_sha256 = sha256_field()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code from the email"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", _("The code is six digits."))],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class CountersignForm(forms.Form):
    typed_name = forms.CharField(label=_("Your full name, typed as your signature"), max_length=200)
    consent = forms.BooleanField(
        label=_("I countersign this member's signature as the alliance's chair."),
        error_messages={"required": _("Tick the box to confirm that you countersign.")},
    )


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("The signed agreement (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        limit = settings.VERIFY_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(ERR_PDF_TOO_LARGE % {"limit": filesizeformat(limit)})
        data = upload.read()
        if not data.lstrip()[:5] == b"%PDF-":
            raise forms.ValidationError(ERR_NOT_A_PDF)
        return data
