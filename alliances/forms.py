"""Forms of the alliances app: validation and crispy layout only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from alliance_portal.forms import IdChoiceField
from alliance_portal.money import currency_choices
from alliance_portal.permissions import Role

from .models import Alliance, Invitation, Membership, User
from .services import ALLIANCE_EDITABLE_FIELDS, CREATOR_ROLES
from .signin import configured_providers


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


class AllianceForm(forms.ModelForm):
    class Meta:
        model = Alliance
        fields = ALLIANCE_EDITABLE_FIELDS
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "region": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "vision": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 4}),
            "rules_of_operation": forms.Textarea(attrs={"rows": 4}),
            "public_profile": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        language.choices = [("", _("Each person's own language")), *settings.LANGUAGES]
        model_currency = self.fields["currency"]
        # A select of ISO codes named in the reader's language; a code saved before that is not
        # offered stays selectable, so saving other fields does not change it.
        self.fields["currency"] = forms.ChoiceField(
            label=model_currency.label,
            help_text=model_currency.help_text,
            choices=currency_choices(extra=self.initial.get("currency") or self.instance.currency),
        )
        self._offer_login_providers()
        self.helper = _helper(submit_label or _("Save"))

    def _offer_login_providers(self) -> None:
        """The providers this portal has, when it has any; a provider no longer configured
        stays selectable so that saving other fields does not drop it."""
        providers = configured_providers()
        saved = self.instance.login_provider
        if not providers and not saved:
            del self.fields["login_provider"]
            return
        model_field = self.fields["login_provider"]
        self.fields["login_provider"] = forms.ChoiceField(
            label=model_field.label,
            help_text=model_field.help_text,
            required=False,
            choices=[
                ("", _("A password or any provider")),
                *providers.items(),
                *([(saved, saved)] if saved and saved not in providers else []),
            ],
        )


class AllianceCreateForm(AllianceForm):
    creator_role = forms.ChoiceField(
        label=_("Your role in the alliance"),
        choices=[(role.value, role.label) for role in CREATOR_ROLES],
        initial=Role.CHAIR,
    )
    organisation_name = forms.CharField(
        label=_("Your organisation"), max_length=200, required=False
    )

    class Meta(AllianceForm.Meta):
        fields = ("creator_role", "organisation_name", *ALLIANCE_EDITABLE_FIELDS)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(role.value, role.label) for role in Role if role != Role.CHAIR],
        initial=Role.MEMBER,
        help_text=_("The chair is appointed by handing the chair over, not by invitation."),
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_(
            "The organisation the person will represent; leave empty for a personal member."
        ),
    )
    # The invited person has no account yet: their mail and the page they join on are in this
    # language, and so is the account they create (views offer the alliance's main one first).
    language = forms.ChoiceField(
        label=capfirst(Invitation._meta.get_field("language").verbose_name),
        choices=settings.LANGUAGES,
        # A post without it (older pages, scripts) keeps the model's blank: see its comment.
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send invitation"))


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class MembershipEndForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ChairHandOverForm(forms.Form):
    new_chair = IdChoiceField(
        label=_("New chair"), queryset=Membership.objects.none(), empty_label=None
    )
    previous_chair_role = forms.ChoiceField(
        label=_("Your role afterwards"),
        choices=[(role.value, role.label) for role in Role if role != Role.CHAIR],
        initial=Role.MEMBER,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_chair"].queryset = candidates
        self.fields["new_chair"].label_from_instance = lambda m: (
            f"{m.user} ({m.get_role_display()})"
        )
        self.helper = _helper(_("Hand over the chair"))


class AcceptInvitationSignupForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Create account and join"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class PreferencesForm(forms.ModelForm):
    preferred_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ("first_name", "last_name", "preferred_language")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))
