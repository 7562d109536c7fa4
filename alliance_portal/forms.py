"""Helpers shared by the apps' forms and views."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import translation

from .converters import is_id
from .throttle import THROTTLED, lockout_message


def _is_id(value) -> bool:
    return value in (None, "") or is_id(value)


class IdChoiceField(forms.ModelChoiceField):
    """A model choice whose submitted id must fit a database id column: a huge number answers
    "select a valid choice" instead of overflowing the database driver."""

    def to_python(self, value):
        if not _is_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """IdChoiceField for several choices."""

    def _check_values(self, value):
        for pk in value:
            if not _is_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def formfield_assuming_https(model_field, **kwargs):
    """A ModelForm `formfield_callback`: addresses typed without a scheme ("example.org") are
    taken as https."""
    from django.db import models

    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def saved_by_service(request, form: forms.Form, save, message):
    """For a posted, valid form: calls save(cleaned_data), says `message` and returns what save
    returned (the saved record). None when nothing was saved: a GET, an invalid form, or a
    service's ValidationError, which is shown on the form instead.

    `message` is the sentence, or a function that makes it from the saved record, for a
    sentence that names what the service chose. save must return the record, not None.
    """
    from django.contrib import messages

    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, message(result) if callable(message) else message)
    return result


def service_error_messages(exc: ValidationError) -> list[str]:
    """A service's ValidationError as plain sentences, for views that answer with a message."""
    if hasattr(exc, "error_dict"):
        return [message for messages in exc.message_dict.values() for message in messages]
    return list(exc.messages)


def message_service_errors(request, exc: ValidationError) -> None:
    """Show a service's ValidationError as error messages on the next page."""
    from django.contrib import messages

    for message in service_error_messages(exc):
        messages.error(request, message)


class LoginForm(AuthenticationForm):
    """Django's login form, which says so when too many wrong passwords locked the login."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            # Set by django-axes while it refuses the account or the address.
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lockout_message(), code=THROTTLED) from None
            raise


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset request, whose mail is in the account holder's saved language like every
    other mail to them, not in the language of whichever browser asked for it."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = getattr(context["user"], "preferred_language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
