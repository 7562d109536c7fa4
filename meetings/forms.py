"""Forms of the meeting pages: validation and crispy layout only."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance_portal.forms import IdChoiceField, formfield_assuming_https

from .models import MAX_MEMBER_COMMENT_CHARS, AgendaItem, Meeting, Participant
from .services import AGENDA_ITEM_FIELDS, MEETING_FIELDS

ERR_DUE_DATE_OR_NOT_APPLICABLE = _("Give a date, or tick “Not applicable”, not both.")
ERR_DUE_DATE_MISSING = _("Give the date by which it is done, or tick “Not applicable”.")
ERR_RESPONSIBLE_MISSING = _("Choose who is responsible: a member or an organisation.")
ERR_RESPONSIBLE_BOTH = _("Choose a member or an organisation, not both.")

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the alliance's time zone, whatever the server's zone is."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)

    def __init__(self, *args, zone: str = "UTC", **kwargs):
        self.zone = zoneinfo.ZoneInfo(zone)
        super().__init__(*args, input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"], **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            for fmt in self.input_formats:
                try:
                    naive = datetime.strptime(value.strip(), fmt)
                except ValueError:
                    continue
                local = naive.replace(tzinfo=self.zone)
                try:
                    # Near year 1 or 9999 the moment has no UTC equivalent to store.
                    local.astimezone(UTC)
                except OverflowError:
                    break
                return local
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(self.zone).strftime(LOCAL_INPUT)
        return value


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        formfield_callback = formfield_assuming_https

    def __init__(self, *args, alliance, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            old = self.fields[name]
            self.fields[name] = LocalDateTimeField(
                label=old.label, zone=alliance.timezone, required=True
            )
        zone_note = _("In the alliance's time zone (%(zone)s).") % {"zone": alliance.timezone}
        self.fields["starts_at"].help_text = zone_note
        self.helper = _helper(submit_label or _("Save"))

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            from .models import ERR_END_BEFORE_START

            self.add_error("ends_at", ERR_END_BEFORE_START)
        return cleaned


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = AGENDA_ITEM_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Save"))


class GuestForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email address"), required=False)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    # A guest has no account to save a language: their mails are written in this one.
    language = forms.ChoiceField(
        label=capfirst(Participant._meta.get_field("language").verbose_name),
        choices=settings.LANGUAGES,
        # A post without it (older pages, scripts) keeps the model's blank: see its comment.
        required=False,
    )

    def __init__(self, *args, email_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = email_required
        if not email_required:
            # A guest added as present at the meeting is sent nothing.
            del self.fields["language"]


class AnswerForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Will you come?"),
        choices=[c for c in Participant.Response.choices if c[0]],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


def attendance_field_name(participant: Participant) -> str:
    return f"attendance-{participant.pk}"


class AttendanceForm(forms.Form):
    """One present / absent / excused choice per participant."""

    def __init__(self, *args, participants: list[Participant], **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = participants
        choices = [c for c in Participant.Attendance.choices if c[0]]
        for participant in participants:
            self.fields[attendance_field_name(participant)] = forms.ChoiceField(
                label=participant.name,
                choices=[("", pgettext_lazy("attendance", "Not recorded")), *choices],
                required=False,
                initial=participant.attendance,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )

    def rows(self):
        return [(p, self[attendance_field_name(p)]) for p in self.participants]

    def attendance(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[attendance_field_name(p)] for p in self.participants}


class DecidedActionForm(forms.Form):
    title = forms.CharField(
        label=_("What was decided"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible_member = IdChoiceField(label=_("Responsible member"), queryset=None, required=False)
    responsible_organisation = IdChoiceField(
        label=_("or responsible organisation"), queryset=None, required=False
    )
    due_date = forms.DateField(
        label=_("By date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    not_applicable = forms.BooleanField(label=_("Not applicable (no date)"), required=False)

    def __init__(self, *args, members, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_member"].queryset = members
        self.fields["responsible_member"].label_from_instance = lambda m: (
            f"{m.user} ({m.organisation_name})" if m.organisation_name else str(m.user)
        )
        self.fields["responsible_organisation"].queryset = organisations
        self.helper = _helper(_("Add the action"))

    def clean(self):
        cleaned = super().clean()
        member = cleaned.get("responsible_member")
        organisation = cleaned.get("responsible_organisation")
        if member and organisation:
            self.add_error("responsible_organisation", ERR_RESPONSIBLE_BOTH)
        elif not member and not organisation and not self.has_error("responsible_member"):
            self.add_error("responsible_member", ERR_RESPONSIBLE_MISSING)
        due, not_applicable = cleaned.get("due_date"), cleaned.get("not_applicable")
        if due and not_applicable:
            self.add_error("due_date", ERR_DUE_DATE_OR_NOT_APPLICABLE)
        elif not due and not not_applicable and not self.has_error("due_date"):
            self.add_error("due_date", ERR_DUE_DATE_MISSING)
        return cleaned


class MemberCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_MEMBER_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are the approved minutes corrected?"),
        max_length=500,
        help_text=_("Everyone who reads the minutes sees this reason."),
    )
